"""Files on a real S3-compatible server (moto's server mode, started by `.ci/run`), through Django's
storage API only and the STORAGES entry production uses: store, read back, stream, sign, delete."""

import io
import os
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import Client

from tests import s3

needs_s3 = pytest.mark.skipif(
    not s3.endpoint_url(),
    reason=f"no S3 test server: set {s3.ENDPOINT_VARIABLE} (.ci/run starts moto's server and sets it)",
)

# Bigger than the 2 MiB the storage keeps in memory while reading, and than one streamed chunk.
PAYLOAD = os.urandom(3 * 1024 * 1024 + 17)


@pytest.fixture
def bucket(settings):
    name = s3.create_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_entry(name)}
    yield name
    s3.delete_bucket(name)


@needs_s3
def test_it_stores_reads_streams_and_deletes_a_document(bucket):
    name = default_storage.save("documents/2029/03/annexe.pdf", ContentFile(PAYLOAD))
    assert name == "documents/2029/03/annexe.pdf"
    assert default_storage.exists(name)
    assert default_storage.size(name) == len(PAYLOAD)
    # Really on the server, not in a local folder.
    assert s3.s3_client().get_object(Bucket=bucket, Key=name)["Body"].read() == PAYLOAD

    with default_storage.open(name, "rb") as stored:
        assert stored.read() == PAYLOAD

    with default_storage.open(name, "rb") as stored:
        chunks = list(stored.chunks(chunk_size=64 * 1024))
    assert len(chunks) > 1 and max(len(chunk) for chunk in chunks) <= 64 * 1024
    assert b"".join(chunks) == PAYLOAD

    default_storage.delete(name)
    assert not default_storage.exists(name)
    assert "Contents" not in s3.s3_client().list_objects_v2(Bucket=bucket, Prefix="documents/")


@needs_s3
def test_a_second_document_of_the_same_name_never_overwrites_the_first(bucket):
    first = default_storage.save("documents/grille.xlsx", ContentFile(b"first"))
    second = default_storage.save("documents/grille.xlsx", ContentFile(b"second"))
    assert first != second
    with default_storage.open(first) as stored:
        assert stored.read() == b"first"


@needs_s3
def test_documents_are_private_and_handed_out_by_short_lived_signed_urls(bucket):
    name = default_storage.save("documents/rapport.pdf", ContentFile(b"%PDF-1.7 private"))

    grants = s3.s3_client().get_object_acl(Bucket=bucket, Key=name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers / AuthenticatedUsers

    url = default_storage.url(name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    # (moto does not check signatures; a real store refuses the URL once X-Amz-Expires has passed)
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"%PDF-1.7 private"


def test_the_local_folder_stays_the_default_without_any_server(settings, tmp_path):
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    storage = storages.create_storage(settings.STORAGES["default"])
    name = storage.save("documents/annexe.docx", io.BytesIO(b"docx"))
    assert (settings.MEDIA_ROOT / name).read_bytes() == b"docx"


@needs_s3
def test_healthz_checks_the_bucket_itself(bucket, settings, db):
    assert Client().get("/healthz").json()["checks"]["storage"] == "ok"

    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_entry("no-such-bucket-clausier")}
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "down"

"""Files go through Django's storage API only, so a store without local paths (an object store) works.

`ObjectStore` behaves as S3 does for us: files live in the store (in memory here) and `path()` raises
NotImplementedError, which the old job called (behind an always-true `hasattr`) and failed on.
"""

import hashlib
import io

import pytest
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from docx import Document as WordDocument

from documents import services as jobs
from documents.models import Document

from ..conftest import api_client

pytestmark = pytest.mark.django_db


class ObjectStore(Storage):
    """Objects in a dict, whole-object writes, and the base class's `path()` (NotImplementedError)."""

    objects = {}

    def _save(self, name, content):
        self.objects[name] = content.read()
        return name

    def _open(self, name, mode="rb"):
        if name not in self.objects:
            raise FileNotFoundError(name)
        return File(io.BytesIO(self.objects[name]), name=name)

    def delete(self, name):
        self.objects.pop(name, None)

    def exists(self, name):
        return name in self.objects

    def size(self, name):
        return len(self.objects[name])


@pytest.fixture
def object_store(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.documents.test_storage.ObjectStore"},
    }
    ObjectStore.objects = {}
    with pytest.raises(NotImplementedError):
        default_storage.path("x")  # like an object store: no local path
    return default_storage


def test_it_stores_reads_and_streams_a_document_without_a_local_path(object_store, filled_tender, buyer):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx", created_by=buyer)
    assert jobs.document_render(document_id=document.pk) == Document.Status.DONE
    document.refresh_from_db()
    assert object_store.exists(document.file.name)

    response = api_client(buyer).get(f"/api/v1/documents/{document.pk}/download/")
    assert response.status_code == 200
    assert response.streaming  # FileResponse over storage.open: never the whole file in memory
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == document.sha256
    titles = [p.text for p in WordDocument(io.BytesIO(content)).paragraphs if p.text]
    assert any(filled_tender.title in text for text in titles)


def test_it_replaces_the_file_of_a_document_rendered_again(object_store, filled_tender):
    document = Document.objects.create(
        tender=filled_tender, kind="tender", format="docx", status="running", attempts=1, progress=40
    )
    name = jobs.document_file_name(document)
    object_store.save(name, io.BytesIO(b"what a dead worker left"))
    assert jobs.document_render(document_id=document.pk) == Document.Status.DONE
    document.refresh_from_db()
    assert document.file.name == name  # the same one name, not name_<random>
    with object_store.open(name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == document.sha256


def test_a_failed_write_leaves_no_object_and_the_next_attempt_completes(object_store, filled_tender, monkeypatch):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    real_save = ObjectStore._save

    def half_then_down(self, name, content):
        real_save(self, name, io.BytesIO(content.read()[:10]))
        raise OSError("object store unavailable")

    monkeypatch.setattr(ObjectStore, "_save", half_then_down)
    with pytest.raises(OSError):
        jobs.document_render(document_id=document.pk)
    assert not object_store.exists(jobs.document_file_name(document))
    monkeypatch.setattr(ObjectStore, "_save", real_save)
    assert jobs.document_render(document_id=document.pk) == Document.Status.DONE

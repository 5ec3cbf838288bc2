"""Hostile files: path traversal in names, XML external entities, zip bombs, macros, wrong kinds."""

import io
import json
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from clause_library.models import Library
from documents.rendering.xlsx import render_questionnaire_xlsx
from scoring.models import Answer
from tenders.selectors import tender_document

from ..scoring.answer_form_helpers import answered_form

pytestmark = pytest.mark.django_db

XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY % remote SYSTEM "http://127.0.0.1:9/x">]>\n'
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>\n"
)


@pytest.fixture
def lead_api(dataset_a):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(dataset_a.admin)
    return client


@pytest.fixture
def form(dataset_a):
    """The tender's own answer form, answered: a valid upload to start the attacks from."""
    return answered_form(render_questionnaire_xlsx(tender_document(dataset_a.tender)), answer="MARKER")


def rewrite(xlsx, change):
    """A copy of the archive where change(name, data) returns each entry's new data (or None to drop it)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info))
            if data is not None:
                target.writestr(info.filename, data)
    return output.getvalue()


def with_prolog(xlsx, prolog, part_suffix="sheet3.xml"):  # sheet3: the requirements
    def change(name, data):
        if name.endswith(part_suffix):
            body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
            return prolog + body.replace(b"MARKER", b"&xxe;" if b"xxe" in prolog else b"&lol9;")
        return data

    return rewrite(xlsx, change)


def upload(client, bid, content, name="reponse.xlsx"):
    return client.post(
        f"/api/v1/bids/{bid.pk}/questionnaire/",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
        format="multipart",
    )


def answers(bid):
    return list(Answer.objects.filter(bid=bid).order_by("pk").values())


def test_the_untouched_form_imports(lead_api, dataset_a, form):
    """The control for the attacks below: the same file, unchanged, is accepted."""
    response = upload(lead_api, dataset_a.bid, form)
    assert response.status_code == 200, response.content
    assert Answer.objects.get(bid=dataset_a.bid).text == "MARKER"


@pytest.mark.parametrize("prolog", [XXE, LAUGHS], ids=["external-entity", "billion-laughs"])
@pytest.mark.parametrize(
    "part", ["sheet3.xml", "styles.xml", "workbook.xml", "workbook.xml.rels", "[Content_Types].xml"]
)
def test_it_refuses_xml_entities_in_any_part(lead_api, dataset_a, form, prolog, part):
    before = answers(dataset_a.bid)
    response = upload(lead_api, dataset_a.bid, with_prolog(form, prolog, part))
    assert response.status_code == 400, response.content
    assert "root:" not in response.content.decode()
    assert answers(dataset_a.bid) == before


def test_it_refuses_a_zip_bomb_before_inflating_it(lead_api, dataset_a, form):
    bomb = rewrite(form, lambda name, data: data)
    output = io.BytesIO(bomb)
    with zipfile.ZipFile(output, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/bomb.bin", b"\0" * (120 * 1024 * 1024))  # ~120 KB on the wire
    assert len(output.getvalue()) < 1024 * 1024
    response = upload(lead_api, dataset_a.bid, output.getvalue())
    assert response.status_code == 400
    assert "trop volumineux" in json.dumps(response.json(), ensure_ascii=False)


def test_it_refuses_an_archive_of_too_many_entries(lead_api, dataset_a, form):
    output = io.BytesIO(form)
    with zipfile.ZipFile(output, "a") as archive:
        for index in range(5_000):
            archive.writestr(f"xl/media/{index}.bin", b"")
    response = upload(lead_api, dataset_a.bid, output.getvalue())
    assert response.status_code == 400


def test_it_refuses_a_macro_enabled_workbook(lead_api, dataset_a, form):
    output = io.BytesIO(form)
    with zipfile.ZipFile(output, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    response = upload(lead_api, dataset_a.bid, output.getvalue())
    assert response.status_code == 400
    assert "macros" in json.dumps(response.json(), ensure_ascii=False)


def test_it_refuses_a_docx_with_an_external_entity(lead_api, dataset_a):
    before = answers(dataset_a.bid)
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("MARKER")
    document.save(buffer)
    response = upload(lead_api, dataset_a.bid, with_prolog(buffer.getvalue(), XXE, "document.xml"), name="r.docx")
    assert response.status_code == 400
    assert answers(dataset_a.bid) == before


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04", b"not a zip at all", b"PK\x05\x06" + b"\0" * 18])
def test_it_answers_400_to_truncated_or_empty_files(lead_api, dataset_a, content):
    assert upload(lead_api, dataset_a.bid, content).status_code == 400


@pytest.mark.parametrize(
    "name",
    ["../../../../tmp/clausier-evil.xlsx", "..\\..\\..\\evil.xlsx", "/etc/passwd", "a\0b.xlsx", "é" * 300 + ".xlsx"],
)
def test_traversal_in_the_questionnaire_file_name_is_harmless(lead_api, dataset_a, form, name, tmp_path, settings):
    response = upload(lead_api, dataset_a.bid, form, name=name)
    assert response.status_code in (200, 400)
    assert not (tmp_path.parent / "clausier-evil.xlsx").exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(".." in str(path) or "evil" in path.name for path in media.rglob("*"))


@pytest.mark.parametrize("name", ["../../../../tmp/clausier-evil.json", "..\\..\\evil.json", "/etc/passwd"])
def test_traversal_in_the_library_import_file_name_is_harmless(dataset_a, name, tmp_path, settings):
    exported = APIClient()
    exported.force_authenticate(dataset_a.admin)
    content = exported.get(f"/api/v1/libraries/{dataset_a.library.pk}/export/").content
    client = Client(raise_request_exception=False)
    client.force_login(dataset_a.admin)
    response = client.post(
        "/libraries/import/",
        {"organization": dataset_a.organization.pk, "file": SimpleUploadedFile(name, content, "application/json")},
    )
    assert response.status_code == 302
    assert Library.objects.filter(organization=dataset_a.organization).count() == 2
    assert not (tmp_path.parent / "clausier-evil.json").exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any("evil" in path.name or path.name == "passwd" for path in media.rglob("*"))


# Bounded parsing (security round 3: F4, F11, I1) ------------------------------------------------------------


def corrupt_crc(xlsx, part="xl/worksheets/sheet3.xml"):
    """The same archive with one byte of a stored part changed: its CRC no longer matches (BadZipFile on read)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    data = bytearray(output.getvalue())
    marker = data.find(b"MARKER")
    assert marker > 0 and part
    data[marker] = ord("X")
    return bytes(data)


def test_a_part_whose_checksum_is_wrong_is_a_400_not_a_500(lead_api, dataset_a, form):
    before = answers(dataset_a.bid)
    response = upload(lead_api, dataset_a.bid, corrupt_crc(form))
    assert response.status_code == 400, response.content
    assert "illisible" in json.dumps(response.json(), ensure_ascii=False)
    assert answers(dataset_a.bid) == before


def test_a_small_file_declaring_millions_of_cells_is_refused_before_the_sheet_is_built(lead_api, dataset_a, form):
    empty_cells = b"".join(b'<row r="%d">' % r + b'<c r="A%d"/>' % r * 60 + b"</row>" for r in range(2, 5000))

    def change(name, data):
        if name.endswith("sheet3.xml"):
            return data.replace(b"</sheetData>", empty_cells + b"</sheetData>")
        return data

    crafted = rewrite(form, change)
    assert len(crafted) < 200 * 1024  # compresses to almost nothing
    response = upload(lead_api, dataset_a.bid, crafted)
    assert response.status_code == 400, response.content
    assert "trop de cellules" in json.dumps(response.json(), ensure_ascii=False)


def test_a_huge_declared_area_is_read_within_the_forms_width(dataset_a, form):
    """A sheet may declare A1:XFD5000 and fill none of it: the reader stops at the form's columns and rows."""
    from documents.rendering.xlsx import read_questionnaire_xlsx

    def change(name, data):
        if name.endswith(".xml") and b"<dimension " in data:
            start = data.index(b"<dimension ")
            end = data.index(b"/>", start) + 2
            return data[:start] + b'<dimension ref="A1:XFD5000"/>' + data[end:]
        return data

    parsed = read_questionnaire_xlsx(rewrite(form, change))
    assert any(row["answer"] == "MARKER" for row in parsed["requirements"])


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_a_dtd_hidden_in_a_utf16_or_utf32_part_is_refused(lead_api, dataset_a, form, encoding):
    boms = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00"}

    def change(name, data):
        if name.endswith("sheet3.xml"):
            text = data.decode("utf-8")
            body = text.split("?>", 1)[1] if text.startswith("<?xml") else text
            xml = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + body
            return boms[encoding] + xml.encode(encoding)
        return data

    before = answers(dataset_a.bid)
    response = upload(lead_api, dataset_a.bid, rewrite(form, change))
    assert response.status_code == 400, response.content
    assert "déclarations XML interdites" in json.dumps(response.json(), ensure_ascii=False)
    assert answers(dataset_a.bid) == before

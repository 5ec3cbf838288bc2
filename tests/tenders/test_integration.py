"""A real Celery worker on Redis and real PostgreSQL: documents generated, read back, retried.

CI sets DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis); elsewhere these tests skip.
The worker runs in this process (celery.contrib.testing.worker, a thread) so a test can make a
task crash once; `transaction=True` lets it see the rows. One test runs `celery -A config worker`
as a separate process and kills its pool child in the middle of a render.
"""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from documents.models import Document

from .conftest import add_clause, in_process_worker, make_clauses, make_tender

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
ON_REDIS = settings.CELERY_BROKER_URL.startswith("redis")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (ON_POSTGRES and ON_REDIS),
        reason="needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (CI sets both)",
    ),
]

TIMEOUT = 90


@pytest.fixture
def worker():
    _purge()
    with in_process_worker(celery_app):
        yield
    _purge()


def _purge():
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)


def wait_until_finished(document_id, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.is_finished:
            return document
        time.sleep(0.2)
    raise AssertionError(f"document {document_id} still {document.status} after {timeout}s")


@pytest.fixture
def ten_clause_tender(hospital, buyer, visible_library):
    from scoring.models import Criterion

    tender = make_tender(hospital, buyer, reference="AO-INTEG-10", title="Annexe interopérabilité intégrée")
    tender_clauses = []
    for index, clause in enumerate(make_clauses(visible_library, 10)):
        tender_clauses.append(add_clause(tender, clause, delai_jours=100 + index))
    technical = Criterion.objects.create(tender=tender, name="Valeur technique", kind="scored", weight=60, position=1)
    scored = [tc for tc in tender_clauses if tc.version.requirement == "scored"]
    for position, tc in enumerate(scored):
        weight = 100 // len(scored) + (100 % len(scored) if position == 0 else 0)
        Criterion.objects.create(
            tender=tender,
            parent=technical,
            name=f"Critère {tc.version.title}",
            kind="scored",
            weight=weight,
            tender_clause=tc,
            position=position,
        )
    Criterion.objects.create(tender=tender, name="Prix", kind="price", weight=40, position=2)
    return tender


def ask(api, user, tender, kind, fmt):
    response = api(user).post(f"/api/v1/tenders/{tender.pk}/documents/", {"kind": kind, "format": fmt}, format="json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def download(api, user, document_id):
    response = api(user).get(f"/api/v1/documents/{document_id}/download/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_it_generates_pdf_docx_and_xlsx_with_a_real_worker(api, buyer, ten_clause_tender, worker):
    tender = ten_clause_tender
    ids = {
        fmt: ask(api, buyer, tender, kind, fmt)
        for kind, fmt in (("tender", "pdf"), ("tender", "docx"), ("questionnaire", "xlsx"))
    }
    documents = {fmt: wait_until_finished(pk) for fmt, pk in ids.items()}
    for document in documents.values():
        assert document.status == "done", document.error
        assert document.attempts == 1 and document.progress == 100 and len(document.inputs_digest) == 64
    tender_clauses = list(tender.clauses.select_related("version").order_by("position"))

    # PDF: every title and filled value, no placeholder left, several pages, "Page X / Y".
    from pypdf import PdfReader

    pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(download(api, buyer, ids["pdf"]))).pages]
    text = " ".join(" ".join(pages).split())
    assert len(pages) > 1
    for tc in tender_clauses:
        assert tc.version.title in text
        assert str(tc.parameters["delai_jours"]) in text
    assert "4.0.1" in text  # the default value of the other parameter
    assert "{{" not in text
    assert f"Page 1 / {len(pages)}" in pages[0] or f"Page 2 / {len(pages)}" in pages[1]

    # DOCX: real Heading styles; the criteria and their weights are in the RC now, not the annex (issue 12).
    from docx import Document as Docx

    word = Docx(io.BytesIO(download(api, buyer, ids["docx"])))
    styles = {p.style.name for p in word.paragraphs}
    assert {"Heading 1", "Heading 2"} <= styles
    cells = [" ".join(cell.text for cell in row.cells) for table in word.tables for row in table.rows]
    assert not any("Valeur technique" in row for row in cells)

    # XLSX: one row per requirement, identified by its visible article number (issue 14), protected
    # except the answer cells.
    from openpyxl import load_workbook

    from tenders.selectors import tender_document

    workbook = load_workbook(io.BytesIO(download(api, buyer, ids["xlsx"])))
    sheet = workbook["Exigences"]
    rows = [row for row in sheet.iter_rows(min_row=2) if row[0].value]
    doc = tender_document(tender_clauses[0].tender)
    numbers = {
        a["number"]
        for s in doc["sections"]
        for a in s["articles"]
        if a["question"] or a["requirement"] != "informative"
    }
    assert {row[0].value for row in rows} == numbers
    assert sheet.protection.sheet is True
    assert not sheet.column_dimensions["A"].hidden
    for row in rows:
        assert row[0].protection.locked is True
        assert row[5].protection.locked is False  # the answer cell


def test_it_retries_a_task_that_crashed_once_and_completes_once(api, buyer, ten_clause_tender, worker, monkeypatch):
    from documents import services as jobs
    from documents.rendering import docx

    real = docx.render_tender_docx
    calls = []

    def crash_once(doc):
        calls.append(1)
        if len(calls) == 1:
            raise jobs.TransientError("incident simulé")
        return real(doc)

    monkeypatch.setattr(docx, "render_tender_docx", crash_once)
    document = wait_until_finished(ask(api, buyer, ten_clause_tender, "tender", "docx"))
    assert document.status == "done", document.error
    assert len(calls) == 2 and document.attempts == 2
    folder = Path(document.file.path).parent
    assert [p.name for p in folder.iterdir()] == [Path(document.file.name).name]  # one file, no leftovers


def test_it_ends_a_rendering_error_as_failed_with_a_readable_message(
    api, buyer, ten_clause_tender, worker, monkeypatch
):
    def broken(doc):
        raise ValueError("style « Titre 9 » introuvable")

    monkeypatch.setattr("documents.rendering.docx.render_tender_docx", broken)
    document = wait_until_finished(ask(api, buyer, ten_clause_tender, "tender", "docx"))
    assert document.status == "failed"
    assert document.error == "Le rendu du document a échoué : style « Titre 9 » introuvable"
    assert document.attempts == 1 and not document.file


def test_it_completes_once_when_the_worker_process_is_killed_mid_render(
    api, buyer, hospital, visible_library, tmp_path
):
    tender = make_tender(hospital, buyer, reference="AO-KILL")
    for clause in make_clauses(visible_library, 120):
        add_clause(tender, clause)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    celery_app.conf.update(task_always_eager=False)
    _purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=open(tmp_path / "worker.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        document_id = ask(api, buyer, tender, "tender", "pdf")
        deadline = time.monotonic() + TIMEOUT
        while Document.objects.get(pk=document_id).status != "running":
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.05)
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
        assert children, "no pool process found"
        for child in children:
            os.kill(int(child), signal.SIGKILL)  # the render dies half-way
        document = wait_until_finished(document_id)
        assert document.status == "done", (document.error, (tmp_path / "worker.log").read_text())
        assert document.attempts == 2
        folder = Path(document.file.path).parent
        assert [p.name for p in folder.iterdir()] == [Path(document.file.name).name]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        _purge()


def _database_url():
    """The test database (pytest-django's test_… name) for a worker in another process."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

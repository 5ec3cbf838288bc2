"""Document requests and the document job, run in-process (eager): states, files, errors, idempotency."""

import hashlib
import io
from contextlib import contextmanager

import pytest
from django.core.files.storage import default_storage

from config.celery import app as celery_app
from documents import services as jobs
from documents.models import Document

from .conftest import add_clause, make_clauses

pytestmark = pytest.mark.django_db

DOCUMENT_FIELDS = {
    "id",
    "tender",
    "kind",
    "format",
    "status",
    "progress",
    "error",
    "sha256",
    "size",
    "inputs_digest",
    "draft",
    "stale",
    "tender_version",
    "attempts",
    "download_url",
    "created_at",
    "started_at",
    "finished_at",
}


@contextmanager
def celery_conf(**values):
    old = {key: celery_app.conf.get(key) for key in values}
    celery_app.conf.update(values)
    try:
        yield
    finally:
        celery_app.conf.update(old)


@pytest.fixture
def eager():
    """Run tasks inline: these tests are about our job logic (a real worker is in test_integration)."""
    with celery_conf(task_always_eager=True, task_eager_propagates=False):
        yield


@pytest.fixture
def filled_tender(tender, visible_library):
    for clause in make_clauses(visible_library, 4):
        add_clause(tender, clause)
    return tender


def request_document(client, tender, kind, fmt, capture):
    with capture(execute=True):
        response = client.post(f"/api/v1/tenders/{tender.pk}/documents/", {"kind": kind, "format": fmt}, format="json")
    return response


def test_it_queues_a_document_and_answers_202(api, buyer, tender, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(buyer).post(
            f"/api/v1/tenders/{tender.pk}/documents/", {"kind": "tender", "format": "pdf"}, format="json"
        )
    assert response.status_code == 202
    document = Document.objects.get()
    assert response.json() == {"id": document.pk, "status": "queued"}
    assert len(callbacks) == 1  # queued only once the row is committed
    assert (document.kind, document.format, document.status, document.created_by) == ("tender", "pdf", "queued", buyer)


@pytest.mark.parametrize(
    ("kind", "fmt"), [("tender", "xlsx"), ("questionnaire", "pdf"), ("rapport", "pdf"), ("tender", "odt")]
)
def test_it_refuses_kind_and_format_that_do_not_go_together(api, buyer, tender, kind, fmt):
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/documents/", {"kind": kind, "format": fmt}, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"kind", "format"}
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("kind", "fmt", "magic"),
    [("tender", "docx", b"PK"), ("questionnaire", "xlsx", b"PK"), ("questionnaire", "docx", b"PK")],
)
def test_it_generates_documents_and_serves_them(
    api, buyer, filled_tender, eager, django_capture_on_commit_callbacks, kind, fmt, magic
):
    client = api(buyer)
    response = request_document(client, filled_tender, kind, fmt, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    body = client.get(f"/api/v1/documents/{response.json()['id']}/").json()
    assert set(body) == DOCUMENT_FIELDS
    assert body["status"] == "done", body["error"]
    assert body["progress"] == 100
    assert body["error"] == ""
    assert body["attempts"] == 1
    assert body["download_url"].endswith(f"/api/v1/documents/{body['id']}/download/")
    download = client.get(f"/api/v1/documents/{body['id']}/download/")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content.startswith(magic)
    assert hashlib.sha256(content).hexdigest() == body["sha256"]
    assert len(content) == body["size"]
    assert "attachment" in download["Content-Disposition"] and "AO-2026-014" in download["Content-Disposition"]


def test_it_reads_back_the_questionnaire_article_numbers(
    api, buyer, filled_tender, eager, django_capture_on_commit_callbacks
):
    """Issue 14: the answer form identifies requirements by the article numbers the tender prints."""
    from documents.rendering.xlsx import read_questionnaire_xlsx
    from tenders.selectors import tender_document

    client = api(buyer)
    response = request_document(client, filled_tender, "questionnaire", "xlsx", django_capture_on_commit_callbacks)
    document = Document.objects.get(pk=response.json()["id"])
    try:
        read_questionnaire_xlsx(document.file.read())
    except ValueError as error:  # blank: the candidate cells are missing, but every row was read
        rows = error.result["requirements"]
    doc = tender_document(filled_tender)
    numbers = [
        a["number"]
        for s in doc["sections"]
        for a in s["articles"]
        if a["question"] or a["requirement"] != "informative"
    ]
    assert [row["article"] for row in rows] == numbers


def test_it_gives_the_same_bytes_for_the_same_inputs(buyer, filled_tender):
    first = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    second = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    jobs.document_render(document_id=first.pk)
    jobs.document_render(document_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.sha256 == second.sha256 and first.inputs_digest == second.inputs_digest
    assert first.file.name != second.file.name


def test_it_does_nothing_when_a_finished_document_is_delivered_again(filled_tender, monkeypatch):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    assert jobs.document_render(document_id=document.pk) == "done"
    document.refresh_from_db()

    def boom(*args, **kwargs):
        raise AssertionError("rendered twice")

    monkeypatch.setattr("documents.rendering.docx.render_tender_docx", boom)
    assert jobs.document_render(document_id=document.pk) is None
    again = Document.objects.get(pk=document.pk)
    assert (again.status, again.sha256, again.attempts, again.file.name) == (
        "done",
        document.sha256,
        1,
        document.file.name,
    )


def test_it_renders_again_a_document_left_running_by_a_dead_worker(filled_tender):
    document = Document.objects.create(
        tender=filled_tender, kind="tender", format="docx", status="running", attempts=1, progress=40
    )
    # What a killed worker may leave behind: a temporary file, never the final one.
    name = jobs.document_file_name(document)
    default_storage.save(name + ".dead.part", io.BytesIO(b"half"))
    assert jobs.document_render(document_id=document.pk) == "done"
    document.refresh_from_db()
    assert document.status == "done" and document.attempts == 2 and document.file.name == name
    folder, base = name.rsplit("/", 1)
    _dirs, files = default_storage.listdir(folder)  # through the storage API: disk or object store
    assert [f for f in files if not f.endswith(".part")] == [base]


def test_it_fails_readably_when_rendering_breaks(
    api, buyer, filled_tender, eager, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(doc):
        raise ValueError("table trop large pour la page")

    monkeypatch.setattr("documents.rendering.docx.render_tender_docx", broken)
    client = api(buyer)
    response = request_document(client, filled_tender, "tender", "docx", django_capture_on_commit_callbacks)
    body = client.get(f"/api/v1/documents/{response.json()['id']}/").json()
    assert body["status"] == "failed"
    assert body["error"] == "Le rendu du document a échoué : table trop large pour la page"
    assert body["download_url"] is None and body["sha256"] == ""
    assert client.get(f"/api/v1/documents/{body['id']}/download/").status_code == 404


def test_it_fails_an_evaluation_report_without_bids_readably(
    api, buyer, filled_tender, eager, django_capture_on_commit_callbacks
):
    client = api(buyer)
    response = request_document(client, filled_tender, "evaluation_report", "pdf", django_capture_on_commit_callbacks)
    assert response.status_code == 202
    body = client.get(f"/api/v1/documents/{response.json()['id']}/").json()
    assert body["status"] == "failed"
    # scoring.reports says why (no grid, no bids) in a sentence; never a traceback nor a generic failure.
    assert body["error"] and "Traceback" not in body["error"] and len(body["error"]) < 300
    assert not body["error"].startswith("Le rendu du document a échoué")


def test_it_retries_a_transient_error_then_completes_once(filled_tender, monkeypatch, eager):
    from documents.rendering import docx
    from documents.tasks import render_document

    real = docx.render_tender_docx
    calls = []

    def flaky(doc):
        calls.append(1)
        if len(calls) == 1:
            raise jobs.TransientError("stockage indisponible")
        return real(doc)

    monkeypatch.setattr(docx, "render_tender_docx", flaky)
    monkeypatch.setattr(render_document, "retry_backoff", False)
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    render_document.apply(args=[document.pk])
    document.refresh_from_db()
    assert len(calls) == 2
    assert (document.status, document.attempts, document.progress) == ("done", 2, 100)


def test_it_hides_other_organisations_documents(api, outsider, filled_tender):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    jobs.document_render(document_id=document.pk)
    client = api(outsider)
    assert client.get(f"/api/v1/documents/{document.pk}/").status_code == 404
    assert client.get(f"/api/v1/documents/{document.pk}/download/").status_code == 404


def test_it_lets_an_evaluator_read_a_document(api, evaluator, filled_tender):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    jobs.document_render(document_id=document.pk)
    assert api(evaluator).get(f"/api/v1/documents/{document.pk}/download/").status_code == 200


@pytest.fixture
def broker_down():
    """CELERY_BROKER_URL pointing at a closed port (nothing listens on port 1)."""
    _reset_producers()
    closed = "redis://127.0.0.1:1/0"
    with celery_conf(
        broker_url=closed,
        broker_write_url=closed,
        broker_read_url=closed,
        broker_transport_options={},
        task_always_eager=False,
    ):
        yield
    _reset_producers()


def _reset_producers():
    """Forget pooled connections so the next publish connects to the configured broker."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_it_answers_503_and_keeps_the_request_when_the_broker_is_down(api, buyer, tender, broker_down):
    response = api(buyer).post(
        f"/api/v1/tenders/{tender.pk}/documents/", {"kind": "tender", "format": "pdf"}, format="json"
    )
    assert response.status_code == 503
    body = response.json()
    assert "injoignable" in body["detail"] and "enregistrée" in body["detail"]
    assert response["Retry-After"]
    document = Document.objects.get()
    assert body["id"] == document.pk and body["status"] == "queued"
    assert document.status == "queued"
    assert "injoignable" in document.error


@pytest.mark.django_db(transaction=True)
def test_it_retries_the_kept_request_once_the_broker_is_back(api, buyer, tender, visible_library):
    for clause in make_clauses(visible_library, 2):
        add_clause(tender, clause)
    client = api(buyer)
    _reset_producers()
    closed = "redis://127.0.0.1:1/0"
    with celery_conf(
        broker_url=closed,
        broker_write_url=closed,
        broker_read_url=closed,
        broker_transport_options={},
        task_always_eager=False,
    ):
        response = client.post(
            f"/api/v1/tenders/{tender.pk}/documents/", {"kind": "tender", "format": "docx"}, format="json"
        )
        assert response.status_code == 503
        assert client.post(f"/api/v1/documents/{response.json()['id']}/retry/").status_code == 503
    _reset_producers()
    with celery_conf(task_always_eager=True, task_eager_propagates=False):
        retried = client.post(f"/api/v1/documents/{response.json()['id']}/retry/")
    assert retried.status_code == 202
    document = Document.objects.get()
    assert document.status == "done" and document.error == ""
    # Nothing left to retry once done.
    assert client.post(f"/api/v1/documents/{document.pk}/retry/").status_code == 409


def test_it_requeues_waiting_documents_with_the_command(filled_tender, eager):
    from django.core.management import call_command

    document = Document.objects.create(
        tender=filled_tender, kind="questionnaire", format="xlsx", error="La file de travaux est injoignable"
    )
    out = io.StringIO()
    call_command("requeue_documents", "--older-than=0", stdout=out)
    assert "1 document(s)" in out.getvalue()
    document.refresh_from_db()
    assert document.status == "done"


def test_it_refuses_a_retry_to_an_evaluator(api, evaluator, filled_tender):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx", status="failed")
    assert api(evaluator).post(f"/api/v1/documents/{document.pk}/retry/").status_code == 403


def test_it_fails_readably_when_a_render_takes_too_long(filled_tender, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    def slow(doc):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("documents.rendering.docx.render_tender_docx", slow)
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    assert jobs.document_render(document_id=document.pk) == "failed"
    document.refresh_from_db()
    assert document.error == "Le rendu a pris trop de temps et a été interrompu."


def test_it_fails_the_document_once_retries_are_exhausted(filled_tender, monkeypatch, eager):
    from documents.tasks import MAX_RETRIES, render_document

    calls = []

    def always_down(doc):
        calls.append(1)
        raise jobs.TransientError("stockage indisponible")

    monkeypatch.setattr("documents.rendering.docx.render_tender_docx", always_down)
    monkeypatch.setattr(render_document, "retry_backoff", False)
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    render_document.apply(args=[document.pk])
    document.refresh_from_db()
    assert len(calls) == MAX_RETRIES + 1
    assert document.status == "failed" and "plusieurs essais" in document.error
    assert not document.file

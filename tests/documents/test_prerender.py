"""The piece at the click (issue 29): a request for unchanged inputs gets the stored file at once, and a
draft's pieces are pre-rendered in the background after its last edit (debounced, superseded by newer
edits, yielding to requested documents). Eager where our logic is the point; a real worker at the end."""

import io
import time

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from pypdf import PdfReader

from config.celery import app as celery_app
from documents import prerender, registry
from documents.models import Document, StoredRender
from documents.tasks import prerender_pieces
from tenders import services as tender_services

from ..tenders.conftest import in_process_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    old = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=False)
    yield
    celery_app.conf.update(task_always_eager=old[0], task_eager_propagates=old[1])


@pytest.fixture
def renders(monkeypatch):
    """Counts the calls of the builder of every (kind, format): how many renders really ran."""
    calls = []
    for kind, format in registry.registered():
        builder = registry.builder_for(kind, format)

        def counted(document, progress, builder=builder, key=(kind, format)):
            calls.append(key)
            return builder(document, progress)

        monkeypatch.setitem(registry._builders, (kind, format), counted)
    return calls


def ask(client, tender, kind, fmt, capture):
    with capture(execute=True):
        response = client.post(f"/api/v1/tenders/{tender.pk}/documents/", {"kind": kind, "format": fmt}, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def download(client, document_id):
    response = client.get(f"/api/v1/documents/{document_id}/download/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def pdf_text(data):
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_a_second_request_for_unchanged_inputs_reuses_the_file(
    api, buyer, filled_tender, eager, renders, django_capture_on_commit_callbacks
):
    client = api(buyer)
    first = ask(client, filled_tender, "annex", "pdf", django_capture_on_commit_callbacks)
    assert first["status"] == "queued"  # rendered by the (eager) job
    assert renders == [("annex", "pdf")]

    second = ask(client, filled_tender, "annex", "pdf", django_capture_on_commit_callbacks)

    assert second == {"id": second["id"], "status": "done"}  # the same answer's shape, done at once
    assert renders == [("annex", "pdf")]  # no second render
    one, two = Document.objects.get(pk=first["id"]), Document.objects.get(pk=second["id"])
    assert (two.status, two.progress, two.attempts, two.created_by) == ("done", 100, 0, buyer)
    assert (two.sha256, two.size, two.inputs_digest) == (one.sha256, one.size, one.inputs_digest)
    assert two.file.name != one.file.name  # each document keeps its own file
    assert download(client, two.pk) == download(client, one.pk)
    body = client.get(f"/api/v1/documents/{two.pk}/").json()
    assert (body["status"], body["stale"], body["sha256"]) == ("done", False, one.sha256)
    assert "ANNEXE TECHNIQUE" in pdf_text(download(client, two.pk))


def test_an_edit_makes_the_next_request_render_again(
    api, buyer, filled_tender, eager, renders, django_capture_on_commit_callbacks
):
    client = api(buyer)
    first = ask(client, filled_tender, "annex", "pdf", django_capture_on_commit_callbacks)
    response = client.patch(f"/api/v1/tenders/{filled_tender.pk}/", {"title": "Titre changé"}, format="json")
    assert response.status_code == 200

    second = ask(client, filled_tender, "annex", "pdf", django_capture_on_commit_callbacks)

    assert second["status"] == "queued" and renders == [("annex", "pdf"), ("annex", "pdf")]
    assert "Titre changé" in pdf_text(download(client, second["id"]))
    assert "Titre changé" not in pdf_text(download(client, first["id"]))
    stored = StoredRender.objects.get(tender=filled_tender, kind="annex", format="pdf")
    assert stored.sha256 == Document.objects.get(pk=second["id"]).sha256  # the newest file, the one before gone
    assert list(default_storage.listdir(f"documents/{filled_tender.pk}/stored")[1]) == [stored.file.name.split("/")[-1]]


def test_a_format_or_kind_never_reuses_another_ones_file(
    api, buyer, filled_tender, eager, renders, django_capture_on_commit_callbacks
):
    client = api(buyer)
    ask(client, filled_tender, "annex", "pdf", django_capture_on_commit_callbacks)
    assert ask(client, filled_tender, "annex", "docx", django_capture_on_commit_callbacks)["status"] == "queued"
    assert ask(client, filled_tender, "ccap", "pdf", django_capture_on_commit_callbacks)["status"] == "queued"
    assert renders == [("annex", "pdf"), ("annex", "docx"), ("ccap", "pdf")]


def test_a_stored_file_gone_or_altered_is_rendered_again(
    api, buyer, filled_tender, eager, renders, django_capture_on_commit_callbacks
):
    client = api(buyer)
    ask(client, filled_tender, "annex", "docx", django_capture_on_commit_callbacks)
    stored = StoredRender.objects.get()
    default_storage.delete(stored.file.name)
    default_storage.save(stored.file.name, io.BytesIO(b"not the file"))

    again = ask(client, filled_tender, "annex", "docx", django_capture_on_commit_callbacks)

    assert again["status"] == "queued" and len(renders) == 2
    assert Document.objects.get(pk=again["id"]).status == "done"


def test_the_pre_render_makes_the_pieces_and_the_click_gets_them_at_once(
    api, buyer, filled_tender, settings, renders, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_PRERENDER_PIECES = ("annex.pdf", "questionnaire.xlsx")
    filled_tender.refresh_from_db()
    version = filled_tender.content_version

    assert prerender.run(tender_id=filled_tender.pk, version=version, draft=True) == "done"
    assert renders == [("annex", "pdf"), ("questionnaire", "xlsx")]
    assert prerender.run(tender_id=filled_tender.pk, version=version, draft=True) == "done"
    assert len(renders) == 2  # already made for these inputs: nothing done twice

    client = api(buyer)
    for kind, fmt in (("annex", "pdf"), ("questionnaire", "xlsx")):
        answer = ask(client, filled_tender, kind, fmt, django_capture_on_commit_callbacks)
        assert answer["status"] == "done"
    assert len(renders) == 2
    assert not Document.objects.exclude(status="done").exists()
    assert "PROJET" in pdf_text(download(client, Document.objects.get(kind="annex").pk))  # a draft's file


def test_a_pre_render_superseded_by_a_newer_edit_stops(buyer, filled_tender, renders):
    filled_tender.refresh_from_db()
    version = filled_tender.content_version
    tender_services.tender_update(user=buyer, tender=filled_tender, changes={"title": "Encore un changement"})

    assert prerender.run(tender_id=filled_tender.pk, version=version, draft=True) == "superseded"
    assert renders == [] and not StoredRender.objects.exists()


def test_a_pre_render_yields_to_a_requested_document_and_comes_back(
    buyer, filled_tender, settings, renders, monkeypatch
):
    settings.DOCUMENT_PRERENDER = True
    sent = []
    monkeypatch.setattr(prerender_pieces, "apply_async", lambda **kwargs: sent.append(kwargs))
    filled_tender.refresh_from_db()
    version = filled_tender.content_version
    Document.objects.create(tender=filled_tender, kind="rc", format="pdf")  # queued: the worker is theirs

    assert prerender.run(tender_id=filled_tender.pk, version=version, draft=True) == "busy"

    assert renders == []
    assert sent == [
        {
            "args": [filled_tender.pk, version, True, 1],
            "countdown": settings.DOCUMENT_PRERENDER_DELAY_SECONDS,
            "retry": False,
        }
    ]


def test_each_edit_of_a_draft_schedules_a_pre_render_of_the_new_version(
    api, buyer, filled_tender, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_PRERENDER = True
    sent = []
    monkeypatch.setattr(prerender_pieces, "apply_async", lambda **kwargs: sent.append(kwargs))
    client = api(buyer)
    for title in ("Premier titre", "Second titre"):
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                client.patch(f"/api/v1/tenders/{filled_tender.pk}/", {"title": title}, format="json").status_code == 200
            )
    filled_tender.refresh_from_db()
    versions = [message["args"][1] for message in sent]
    assert versions == [filled_tender.content_version - 1, filled_tender.content_version]
    assert {message["countdown"] for message in sent} == {settings.DOCUMENT_PRERENDER_DELAY_SECONDS}
    # The first run, waking up, finds a newer version: it does nothing (the edits were debounced).
    assert prerender.run(tender_id=filled_tender.pk, version=versions[0], draft=True) == "superseded"


def test_a_published_tender_or_inline_tasks_schedule_nothing(filled_tender, settings, monkeypatch, eager):
    settings.DOCUMENT_PRERENDER = True
    sent = []
    monkeypatch.setattr(prerender_pieces, "apply_async", lambda **kwargs: sent.append(kwargs))
    assert prerender.schedule(filled_tender.pk, version=1, draft=True) is False  # inline: it would block the edit
    celery_app.conf.update(task_always_eager=False)
    assert prerender.schedule(filled_tender.pk, version=1, draft=False) is False
    assert prerender.schedule(filled_tender.pk, version=1, draft=True) is True
    assert len(sent) == 1


ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
ON_REDIS = settings.CELERY_BROKER_URL.startswith("redis")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not (ON_POSTGRES and ON_REDIS),
    reason="needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (CI sets both)",
)
def test_with_a_real_worker_an_edit_is_pre_rendered_and_the_click_is_served_at_once(
    api, buyer, filled_tender, settings
):
    settings.DOCUMENT_PRERENDER = True
    settings.DOCUMENT_PRERENDER_DELAY_SECONDS = 1
    settings.DOCUMENT_PRERENDER_PIECES = ("annex.pdf",)
    client = api(buyer)
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)
    with in_process_worker(celery_app):
        for title in ("Annexe en cours", "Annexe relue"):  # two quick edits: only the last one is rendered
            assert (
                client.patch(f"/api/v1/tenders/{filled_tender.pk}/", {"title": title}, format="json").status_code == 200
            )
        filled_tender.refresh_from_db()
        deadline = time.monotonic() + 90
        while not StoredRender.objects.filter(
            fingerprint=prerender.fingerprint(filled_tender.content_version, 0, True)
        ).exists():
            assert time.monotonic() < deadline, "no pre-rendered annex after 90 s"
            time.sleep(0.2)
        start = time.perf_counter()
        response = client.post(
            f"/api/v1/tenders/{filled_tender.pk}/documents/", {"kind": "annex", "format": "pdf"}, format="json"
        )
        elapsed = time.perf_counter() - start
    assert response.status_code == 202 and response.json()["status"] == "done"
    assert elapsed < 1.0
    assert StoredRender.objects.count() == 1
    text = pdf_text(download(client, response.json()["id"]))
    assert "Annexe relue" in text and "PROJET" in text


def test_the_editor_page_says_the_document_is_ready_when_it_was_reused(
    client, buyer, filled_tender, eager, renders, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    client.force_login(buyer)
    url = reverse("tenders:tender_document_request", args=[filled_tender.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"kind": "annex", "format": "docx"}, follow=True).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, {"kind": "annex", "format": "docx"}, follow=True).content.decode()
    first_id, second_id = Document.objects.order_by("pk").values_list("pk", flat=True)
    assert f"Document n° {first_id} en préparation." in first
    assert f"Document n° {second_id} prêt : rien n&#x27;a changé depuis le dernier." in second
    assert renders == [("annex", "docx")]

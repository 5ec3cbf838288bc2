"""The jobs helper shared by documents and probes, the document tasks' names, the requeue task."""

import datetime

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from documents import jobs, tasks
from documents.models import Document
from documents.services import RenderError

pytestmark = pytest.mark.django_db


def _down(*args, **kwargs):
    raise OperationalError("broker down")


def test_the_task_names_queued_jobs_and_the_beat_schedule_use_are_registered():
    for name in (
        "documents.tasks.render_document",
        # The name before the documents app: messages queued by a running install before an upgrade.
        "tenders.tasks.render_document",
        "documents.tasks.requeue_stale_documents",
    ):
        assert name in celery_app.tasks, name


def test_a_job_queued_under_the_former_name_still_renders(filled_tender):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    celery_app.tasks["tenders.tasks.render_document"].apply(args=[document.pk])
    document.refresh_from_db()
    assert document.status == "done" and document.file


def test_enqueue_notes_a_broker_that_is_down_then_clears_the_note(filled_tender, monkeypatch):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    monkeypatch.setattr(tasks.render_document, "apply_async", _down)
    assert jobs.enqueue(tasks.render_document, document) is False
    document.refresh_from_db()
    assert document.status == "queued" and document.error == jobs.BROKER_DOWN_NOTE

    sent = []
    monkeypatch.setattr(tasks.render_document, "apply_async", lambda args, **kwargs: sent.append(args))
    assert jobs.enqueue(tasks.render_document, document) is True
    document.refresh_from_db()
    assert sent == [[document.pk]] and document.error == ""


def test_the_requeue_task_sends_stale_documents_and_leaves_the_others(filled_tender, monkeypatch):
    old = timezone.now() - datetime.timedelta(hours=1)
    waiting = Document.objects.create(tender=filled_tender, kind="tender", format="docx")
    abandoned = Document.objects.create(
        tender=filled_tender, kind="tender", format="pdf", status="running", started_at=old
    )
    fresh = Document.objects.create(tender=filled_tender, kind="questionnaire", format="xlsx")
    running = Document.objects.create(
        tender=filled_tender, kind="questionnaire", format="docx", status="running", started_at=timezone.now()
    )
    failed = Document.objects.create(tender=filled_tender, kind="tender", format="docx", status="failed")
    Document.objects.filter(pk__in=[waiting.pk, abandoned.pk, running.pk, failed.pk]).update(created_at=old)
    sent = []
    monkeypatch.setattr(tasks.render_document, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    assert tasks.requeue_stale_documents() == 2
    assert sent == [waiting.pk, abandoned.pk]
    assert fresh.pk not in sent and running.pk not in sent and failed.pk not in sent


def test_failure_messages_are_sentences():
    assert jobs.failure_message(RenderError("Aucune offre."), known=(RenderError,)) == "Aucune offre."
    assert jobs.failure_message(ValueError("bad value\nTraceback …")) == "Le rendu du document a échoué : bad value"
    assert jobs.failure_message(ValueError()) == "Le rendu du document a échoué : ValueError"


def test_the_broker_down_note_reads_in_the_readers_language_on_the_api_and_the_page(filled_tender, buyer, monkeypatch):
    from django.test import Client

    from tests.conftest import api_client

    document = Document.objects.create(tender=filled_tender, kind="tender", format="pdf")
    monkeypatch.setattr(tasks.render_document, "apply_async", _down)
    jobs.enqueue(tasks.render_document, document)
    english = "The job queue is unreachable; the request is kept and will be sent again."

    url = f"/api/v1/documents/{document.pk}/"
    assert api_client(buyer).get(url).json()["error"] == jobs.BROKER_DOWN_NOTE
    assert api_client(buyer).get(url, HTTP_ACCEPT_LANGUAGE="en").json()["error"] == english
    page = Client()
    page.force_login(buyer)
    editor = page.get(f"/tenders/{filled_tender.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in editor and jobs.BROKER_DOWN_NOTE not in editor

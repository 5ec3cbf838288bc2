"""Bugs the fault drills found (loadtest/drills.py), each pinned by a test."""

import errno
import os

import pytest
from django.core.files.storage import FileSystemStorage

from documents import services as documents
from documents.models import Document

pytestmark = pytest.mark.django_db


def test_a_full_disk_leaves_no_half_written_file(dataset_a, settings, monkeypatch):
    """Disk drill: each attempt on a full disk left its partial file behind, eating the space the next
    attempt needed. A failed write (through the storage API) must remove what it wrote."""
    document = Document.objects.create(tender=dataset_a.tender, kind="tender", format="docx")
    real_save = FileSystemStorage._save

    def disk_full(self, name, content):
        # Half the bytes reach the disk, then the device is full.
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content.read()[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    with pytest.raises(OSError):
        documents.document_render(document_id=document.pk)
    folder = settings.MEDIA_ROOT / "documents" / str(dataset_a.tender.pk) / str(document.pk)
    assert not folder.exists() or list(folder.iterdir()) == []
    # Space back: the next attempt stores the one whole file.
    monkeypatch.setattr(FileSystemStorage, "_save", real_save)
    assert documents.document_render(document_id=document.pk) == Document.Status.DONE
    assert [p.name for p in folder.iterdir()] == ["dossier.docx"]


def test_requeue_hands_again_a_document_whose_worker_was_killed(dataset_a, settings):
    """Worker drill: a worker SIGKILLed whole left its document `running`, its job unacknowledged in
    Redis until the visibility timeout (1 h). `requeue_documents` takes back documents running for
    longer than the hard time limit (no live attempt can be that old) and they complete once."""
    import datetime
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from config.celery import app

    long_ago = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    stuck = Document.objects.create(
        tender=dataset_a.tender, kind="tender", format="docx", status="running", attempts=1, started_at=long_ago
    )
    alive = Document.objects.create(
        tender=dataset_a.tender, kind="tender", format="docx", status="running", attempts=1, started_at=timezone.now()
    )
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.update(task_always_eager=True, task_eager_propagates=False)
    try:
        out = io.StringIO()
        call_command("requeue_documents", "--older-than=0", stdout=out)
    finally:
        app.conf.update(task_always_eager=previous[0], task_eager_propagates=previous[1])
    assert "1 document(s)" in out.getvalue()
    stuck.refresh_from_db()
    alive.refresh_from_db()
    assert (stuck.status, stuck.attempts) == ("done", 2)
    assert alive.status == "running"
    assert Document.objects.filter(tender=dataset_a.tender).count() == 3  # no duplicate row


def test_a_request_that_loses_the_database_answers_503(dataset_a, monkeypatch):
    """PostgreSQL drill: requests caught by the outage answered 500; they now say 503, try again."""
    from django.db import OperationalError
    from django.test import Client
    from rest_framework.test import APIClient

    from organizations.api import views as api_views
    from tenders import views as pages

    def lost(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(api_views.MeView, "get", lost)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(dataset_a.admin)
    response = api.get("/api/v1/me/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "indisponible" in response.json()["detail"]
    monkeypatch.setattr(pages.selectors, "tenders_for_list", lost)
    client = Client(raise_request_exception=False)
    client.force_login(dataset_a.admin)
    page = client.get("/tenders/")
    assert page.status_code == 503 and "indisponible" in page.content.decode()

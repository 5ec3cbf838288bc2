"""Documents left `running` by a worker killed whole are requeued as soon as the workers say none of
them holds the job (after a short grace), and only after the hard time limit when no worker answers."""

import datetime

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from documents import jobs, tasks
from documents.models import Document

pytestmark = pytest.mark.django_db

WORKER = "worker1@drill"


class Inspector:
    """What `app.control.inspect()` answers: {worker: [job, …]} per question, None when nobody replied."""

    def __init__(self, active=None, reserved=None, scheduled=None, error=None):
        self.replies = {"active": active, "reserved": reserved, "scheduled": scheduled}
        self.error = error
        self.asked = []

    def _answer(self, question):
        self.asked.append(question)
        if self.error:
            raise self.error
        return self.replies[question]

    def active(self):
        return self._answer("active")

    def reserved(self):
        return self._answer("reserved")

    def scheduled(self):
        return self._answer("scheduled")


@pytest.fixture
def workers(monkeypatch):
    """Install the workers' answer: `workers(Inspector(...))`."""

    def install(inspector):
        monkeypatch.setattr(celery_app.control, "inspect", lambda timeout=None: inspector)
        return inspector

    return install


@pytest.fixture
def sent(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.render_document, "apply_async", lambda args, **kwargs: queued.append(args[0]))
    return queued


def running_since(tender, seconds, kind="tender", format="docx"):
    started = timezone.now() - datetime.timedelta(seconds=seconds)
    document = Document.objects.create(
        tender=tender, kind=kind, format=format, status="running", attempts=1, started_at=started
    )
    Document.objects.filter(pk=document.pk).update(created_at=started)
    return document


def job(name, *args):
    return {"id": f"task-{args}", "name": name, "args": list(args), "kwargs": {}, "hostname": WORKER}


def test_a_document_a_live_worker_is_rendering_is_left_alone(filled_tender, workers, sent, settings):
    settings.REQUEUE_RUNNING_GRACE_SECONDS = 60
    rendering = running_since(filled_tender, 120)
    workers(
        Inspector(active={WORKER: [job("documents.tasks.render_document", rendering.pk)]}, reserved={}, scheduled={})
    )
    assert tasks.requeue_stale_documents() == 0 and sent == []
    rendering.refresh_from_db()
    assert rendering.status == "running"


def test_a_document_waiting_for_its_retry_or_reserved_is_left_alone(filled_tender, workers, sent):
    retrying = running_since(filled_tender, 300)
    reserved = running_since(filled_tender, 300, format="pdf")
    workers(
        Inspector(
            active={WORKER: []},
            reserved={WORKER: [job("tenders.tasks.render_document", reserved.pk)]},  # the former name counts
            scheduled={
                WORKER: [{"eta": "…", "priority": 6, "request": job("documents.tasks.render_document", retrying.pk)}]
            },
        )
    )
    assert tasks.requeue_stale_documents() == 0 and sent == []


def test_a_document_no_worker_holds_is_requeued_after_the_grace_and_renders_once(
    filled_tender, workers, sent, settings
):
    settings.REQUEUE_RUNNING_GRACE_SECONDS = 60
    orphan = running_since(filled_tender, 90)
    young = running_since(filled_tender, 20, format="pdf")  # within the grace: not even asked about
    # A probe job whose argument happens to be the same number does not hold the document.
    inspector = workers(
        Inspector(active={WORKER: [job("conformance.tasks.run_probe", orphan.pk)]}, reserved={}, scheduled={})
    )
    assert tasks.requeue_stale_documents() == 1
    assert sent == [orphan.pk] and young.pk not in sent
    assert inspector.asked == ["active", "reserved", "scheduled"]


def test_without_any_reply_only_the_hard_time_limit_counts(filled_tender, workers, sent, settings):
    settings.REQUEUE_RUNNING_GRACE_SECONDS = 60
    recent = running_since(filled_tender, 120)
    dead = running_since(filled_tender, settings.CELERY_TASK_TIME_LIMIT + 120, format="pdf")
    workers(Inspector(active=None))  # no worker answered within the timeout
    assert tasks.requeue_stale_documents() == 1
    assert sent == [dead.pk] and recent.pk not in sent


def test_a_failed_inspect_never_requeues_early(filled_tender, workers, sent, settings):
    running_since(filled_tender, 120)
    workers(Inspector(error=OperationalError("broker down")))
    assert tasks.requeue_stale_documents() == 0 and sent == []


def test_workers_are_asked_only_when_a_document_runs_past_the_grace(filled_tender, workers, sent):
    running_since(filled_tender, 5)
    Document.objects.create(
        tender=filled_tender, kind="tender", format="pdf", status="done", sha256="x", file="f", progress=100
    )
    inspector = workers(Inspector(active={}))
    assert tasks.requeue_stale_documents() == 0 and sent == []
    assert inspector.asked == []


def test_the_abandoned_document_renders_to_done_once(filled_tender, workers, settings):
    """The requeued job completes the row: one file, attempts counted, no second row."""
    orphan = running_since(filled_tender, 600)
    workers(Inspector(active={WORKER: []}, reserved={}, scheduled={}))
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        assert tasks.requeue_stale_documents() == 1
    finally:
        celery_app.conf.task_always_eager = previous
    orphan.refresh_from_db()
    assert (orphan.status, orphan.attempts) == ("done", 2) and orphan.file
    assert Document.objects.filter(tender=filled_tender).count() == 1
    assert jobs.live_job_ids(tasks.RENDER_TASK_NAMES) == set()

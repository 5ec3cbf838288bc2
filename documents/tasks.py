"""Celery tasks of the document job, and the queueing of its rows (documents/jobs.py).

Thin and idempotent by the document row's state (see documents/services.py). The task moved here
from the tenders app; its old name stays registered so jobs queued by a running install still run.
"""

import datetime

from celery import Task, shared_task
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import jobs, prerender, services
from .models import Document

# Transient: worth retrying with backoff. Every countdown stays well below the Redis
# visibility timeout (1 h), or the message would be redelivered while it waits.
TRANSIENT_ERRORS = (services.TransientError, DatabaseError, OSError)
MAX_RETRIES = 5
RETRY_BACKOFF_MAX = 600
BROKER_DOWN_NOTE = jobs.BROKER_DOWN_NOTE


class DocumentTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted (or an unexpected error): the document ends failed, readably."""
        if args:
            services.document_fail(
                document_id=args[0],
                message=_("Le rendu a échoué après plusieurs essais ; relancez la génération. (%(error)s)")
                % {"error": exc.__class__.__name__},
            )


RENDER_OPTIONS = {
    "base": DocumentTask,
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": MAX_RETRIES,
    "retry_backoff": 2,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
    "retry_jitter": True,
}


@shared_task(name="documents.tasks.render_document", **RENDER_OPTIONS)
def render_document(self, document_id):
    """Render document `document_id` (a Document row) and store its file; safe to run twice."""
    return services.document_render(document_id=document_id)


@shared_task(name="tenders.tasks.render_document", **RENDER_OPTIONS)
def render_document_under_its_former_name(self, document_id):
    """The same task under the name it had in the tenders app: messages queued before an upgrade."""
    return services.document_render(document_id=document_id)


RENDER_TASK_NAMES = (render_document.name, render_document_under_its_former_name.name)


def document_enqueue(*, document) -> bool:
    """Hand the document's job to the broker. False (and a note on the row) when the broker is down."""
    return jobs.enqueue(render_document, document, queued_status=Document.Status.QUEUED)


def documents_requeue(*, older_than_seconds=60, running_longer_than_seconds=None) -> int:
    """Hand again to the broker the documents still queued (e.g. requested while it was down), and
    those left running by a worker that died whole (`jobs.abandoned`: no live worker holds their job;
    or, given `running_longer_than_seconds`, simply running for that long).

    Safe to run at any time: the job is idempotent by the row's state. Returns how many were sent.
    """
    now = timezone.now()
    limit = now - datetime.timedelta(seconds=older_than_seconds)
    running = Document.objects.filter(status=Document.Status.RUNNING)
    if running_longer_than_seconds is None:
        running = jobs.abandoned(running, started_field="started_at", task_names=RENDER_TASK_NAMES, now=now)
    else:
        running = running.filter(started_at__lt=now - datetime.timedelta(seconds=running_longer_than_seconds))
    waiting = Document.objects.filter(Q(status=Document.Status.QUEUED, created_at__lt=limit) | Q(pk__in=running))
    return jobs.requeue(waiting, lambda document: document_enqueue(document=document))


@shared_task(name="documents.tasks.requeue_stale_documents", ignore_result=True)
def requeue_stale_documents():
    """For the beat schedule: requeue documents left queued or running (see `documents_requeue`)."""
    return documents_requeue()


@shared_task(name="documents.tasks.prerender_pieces", ignore_result=True)
def prerender_pieces(tender_id, version, draft, attempt=0):
    """Render a draft's pieces in the background for `version` of the tender (documents/prerender.py):
    stops when a newer edit superseded it, yields to requested documents. Not acks_late: a lost run
    costs nothing (the click renders)."""
    return prerender.run(tender_id=tender_id, version=version, draft=draft, attempt=attempt)

"""Celery tasks: thin, idempotent by the document row's state (see tenders/documents.py)."""

from celery import Task, shared_task
from django.db import DatabaseError
from django.utils.translation import gettext as _

from . import documents

# Transient: worth retrying with backoff. Every countdown stays well below the Redis
# visibility timeout (1 h), or the message would be redelivered while it waits.
TRANSIENT_ERRORS = (documents.TransientError, DatabaseError, OSError)
MAX_RETRIES = 5
RETRY_BACKOFF_MAX = 600


class DocumentTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted (or an unexpected error): the document ends failed, readably."""
        if args:
            documents.document_fail(
                document_id=args[0],
                message=_("Le rendu a échoué après plusieurs essais ; relancez la génération. (%(error)s)")
                % {"error": exc.__class__.__name__},
            )


@shared_task(
    base=DocumentTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=MAX_RETRIES,
    retry_backoff=2,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
)
def render_document(self, document_id):
    """Render document `document_id` (a Document row) and store its file; safe to run twice."""
    return documents.document_render(document_id=document_id)

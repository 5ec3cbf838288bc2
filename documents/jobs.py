"""What every background job of the project does the same way (documents and probes).

A job's state is a row of ours (queued → running → done | failed), never Celery's: a task id Celery
does not know reports PENDING. These helpers queue a row's task after commit, note on the row when
the broker is down (the row stays queued and `requeue` sends it again), requeue the rows left behind,
and turn an exception into a sentence a person can read.
"""

import datetime
import logging

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Stored on the row (French source; shown through gettext where it is displayed).
BROKER_DOWN_NOTE = gettext_noop("La file de travaux est injoignable ; la demande est gardée et sera relancée.")


def enqueue(task, row, *, queued_status="queued") -> bool:
    """Hand `row`'s job to the broker (`task.apply_async(args=[row.pk])`).

    False, and the broker-down note on the row while it is still queued, when the broker refuses it;
    the note is cleared once a later attempt gets through. Call it after commit (`on_commit`): a task
    queued inside a transaction can run before its row exists.
    """
    model = type(row)
    try:
        task.apply_async(args=[row.pk], retry=False)
    except OperationalError:
        logger.exception("broker unavailable; %s %s stays queued", model.__name__, row.pk)
        model.objects.filter(pk=row.pk, status=queued_status).update(error=BROKER_DOWN_NOTE)
        row.error = BROKER_DOWN_NOTE
        return False
    if row.error == BROKER_DOWN_NOTE:
        model.objects.filter(pk=row.pk, error=BROKER_DOWN_NOTE).update(error="")
        row.error = ""
    return True


def requeue(rows, send) -> int:
    """Call `send(row)` for each row, in id order, stopping at the first refusal. Returns how many went."""
    sent = 0
    for row in rows.order_by("id"):
        if not send(row):
            break
        sent += 1
    return sent


def live_job_ids(task_names, *, timeout=2):
    """The row ids whose job a live worker holds now — executing, reserved, or waiting for its retry's
    countdown — from the workers' own replies to `inspect` (a job's only argument is its row id).

    None when no worker answered at all, or the broker cannot be reached: nothing is then known.
    """
    inspector = current_app.control.inspect(timeout=timeout)
    ids = set()
    try:
        for method in ("active", "reserved", "scheduled"):
            replies = getattr(inspector, method)()
            if replies is None:
                if method == "active":
                    return None  # no worker answered (none alive, or all too slow)
                continue
            for held in replies.values():
                for job in held:
                    request = job.get("request", job)  # `scheduled` wraps the request with its ETA
                    if request.get("name") in task_names and request.get("args"):
                        ids.add(request["args"][0])
    except Exception:  # noqa: BLE001 — a failed inspect is "no reply", never a reason to requeue
        logger.warning("could not ask the workers which jobs they hold", exc_info=True)
        return None
    return ids


def abandoned(running, *, started_field, task_names, now=None, grace_seconds=None, dead_after_seconds=None):
    """The rows of `running` (a queryset of running rows) whose job no live worker holds any more.

    A row running for longer than `REQUEUE_RUNNING_GRACE_SECONDS` is abandoned when the workers answer
    and none of them holds its job: its worker died whole (SIGKILL, power loss) and Redis would hand
    the job out again only after its visibility timeout (1 h). When no worker answers, only the time
    tells: running for longer than `dead_after_seconds` (default the hard time limit + 60 s), which no
    live attempt can be.

    Safe even if the answer is wrong (a worker too slow to reply within the timeout): both jobs are
    idempotent by their row (documents/services.py, conformance/services.py) — a document rendered
    twice is stored once under its one name and committed once; a probe finished by one attempt is
    left alone by the other.
    """
    now = now or timezone.now()
    if grace_seconds is None:
        grace_seconds = settings.REQUEUE_RUNNING_GRACE_SECONDS
    if dead_after_seconds is None:
        dead_after_seconds = settings.CELERY_TASK_TIME_LIMIT + 60
    candidates = running.filter(**{f"{started_field}__lt": now - datetime.timedelta(seconds=grace_seconds)})
    if not candidates.exists():
        return candidates  # the common case: no question asked of the workers
    live = live_job_ids(task_names)
    if live is None:
        return candidates.filter(**{f"{started_field}__lt": now - datetime.timedelta(seconds=dead_after_seconds)})
    return candidates.exclude(pk__in=live)


def failure_message(exc, *, known=()):
    """A sentence for the row's `error`: the message of an expected error, else the first line of the detail."""
    if isinstance(exc, known):
        return str(exc)
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("Le rendu a pris trop de temps et a été interrompu.")
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else exc.__class__.__name__
    return _("Le rendu du document a échoué : %(detail)s") % {"detail": detail}

"""What every background job of the project does the same way (documents and probes).

A job's state is a row of ours (queued → running → done | failed), never Celery's: a task id Celery
does not know reports PENDING. These helpers queue a row's task after commit, note on the row when
the broker is down (the row stays queued and `requeue` sends it again), requeue the rows left behind,
and turn an exception into a sentence a person can read.
"""

import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Stored on the row (French source; shown through gettext where it is displayed).
BROKER_DOWN_NOTE = "La file de travaux est injoignable ; la demande est gardée et sera relancée."


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


def failure_message(exc, *, known=()):
    """A sentence for the row's `error`: the message of an expected error, else the first line of the detail."""
    if isinstance(exc, known):
        return str(exc)
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("Le rendu a pris trop de temps et a été interrompu.")
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else exc.__class__.__name__
    return _("Le rendu du document a échoué : %(detail)s") % {"detail": detail}

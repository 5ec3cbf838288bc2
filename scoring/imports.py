"""A vendor's file imported into a bid as a job of the worker: the answer form (scoring/questionnaire.py)
and the price schedule (scoring/price_schedule.py). docs/SCORING.md, "Imports run by the worker".

The request does only what is cheap and bounded: the size, the archive (entries, uncompressed size,
macros, DTDs) and the cells counted in the worksheets' XML against `MAX_CELLS`
(`documents.rendering.xlsx.check_workbook`); a file refused there is a 400 at once and no job is made.
Then a row (`ImportJob`) holds the file and the worker reads the workbook and imports it, all or nothing.
The request waits for the job's answer up to `IMPORT_WAIT_SECONDS` and gives it as the import always
did (200 with the outcome, 400 / 409 with the errors); longer, it answers 202 with the job's address.

The job records the HTTP answer of the import in its row; the import and that record are written in one
transaction, so a job run twice (a redelivered message) imports once.
"""

import datetime
import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from documents import jobs
from documents.rendering.xlsx import QuestionnaireError, check_workbook
from organizations.errors import ApplicationError

from . import access, price_schedule, questionnaire
from .models import ImportJob
from .services import ensure_published

logger = logging.getLogger(__name__)

POLL_FIRST_SECONDS = 0.05
POLL_MAX_SECONDS = 0.5


def wait_seconds() -> float:
    return float(getattr(settings, "IMPORT_WAIT_SECONDS", 10))


def import_start(*, user, bid, kind: str, data: bytes, replace: bool = False) -> ImportJob:
    """Check the file cheaply and queue its import. 409 while the tender is a draft; 400 `{"file": [...]}`
    for a file too big, not a workbook, unsafe or declaring more cells than the budget."""
    ensure_published(bid.tender)
    limit = questionnaire.questionnaire_max_bytes()
    if len(data) > limit:
        raise ApplicationError({"file": [_("Fichier trop volumineux (au plus %(limit)d octets).") % {"limit": limit}]})
    try:
        check_workbook(data, max_bytes=limit)
    except QuestionnaireError as error:
        raise ApplicationError({"file": error.messages()})
    job = ImportJob.objects.create(
        bid=bid,
        kind=kind,
        created_by=user,
        replace=replace,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        data=data,
    )
    # The row is committed (requests run in autocommit); should a caller hold a transaction open, the
    # job finds no row yet and tries again shortly (scoring/tasks.py).
    import_enqueue(job)
    return job


def import_enqueue(job) -> bool:
    from .tasks import run_import

    return jobs.enqueue(run_import, job, queued_status=ImportJob.Status.QUEUED)


def import_wait(job: ImportJob, timeout: float | None = None) -> ImportJob:
    """The job once finished, or as it stands after `timeout` seconds (default `IMPORT_WAIT_SECONDS`)."""
    deadline = time.monotonic() + (wait_seconds() if timeout is None else timeout)
    delay = POLL_FIRST_SECONDS
    while True:
        job.refresh_from_db(fields=["status", "status_code", "body", "error", "finished_at"])
        remaining = deadline - time.monotonic()
        if job.is_finished or remaining <= 0:
            return job
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, POLL_MAX_SECONDS)


def import_run(*, job_id: int) -> str:
    """Run job `job_id`: "done", "skipped" (finished already) or "missing" (no such row yet)."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.RUNNING, started_at=timezone.now(), error="")
    if not claimed:
        return "skipped" if ImportJob.objects.filter(pk=job_id).exists() else "missing"
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("bid__tender", "created_by").get(pk=job_id)
        if job.is_finished:  # another delivery of the same message finished it meanwhile
            return "skipped"
        with translation.override(job.language):
            status_code, body = _outcome(job)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.DONE, status_code=status_code, body=body, data=b"", finished_at=timezone.now()
        )
    return "done"


def _outcome(job):
    """(HTTP status, body) of the import, as the request gave them when it ran the import itself."""
    bid, user = job.bid, job.created_by
    try:
        with transaction.atomic():
            if not access.is_lead(user, bid.tender):  # the person's role may have changed since the request
                raise PermissionDenied(
                    _("Seuls les acheteurs et administrateurs de l'organisation peuvent faire cela.")
                )
            data = bytes(job.data)
            if job.kind == ImportJob.Kind.PRICE_SCHEDULE:
                return 200, price_schedule.price_schedule_import(user=user, bid=bid, data=data)
            return 200, questionnaire.questionnaire_import(user=user, bid=bid, data=data, replace=job.replace)
    except ApplicationError as error:
        return error.status, error.errors
    except PermissionDenied as error:
        return 403, {"detail": [str(error)]}
    except SoftTimeLimitExceeded:
        logger.warning("import %s of bid %s stopped at its time limit", job.pk, bid.pk)
        return 400, {"file": [_("La lecture du classeur a pris trop de temps : utilisez le formulaire fourni.")]}


def import_fail(*, job_id: int, message: str) -> None:
    """The job ends failed (retries exhausted, or an error of ours): the file is dropped, the reason kept."""
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.FAILED, error=message[:500], data=b"", finished_at=timezone.now()
    )


def error_body(job: ImportJob) -> dict:
    """The errors of a finished job as the API's exception handler shapes them (a lone detail as a string)."""
    body = job.body or {}
    if list(body) == ["detail"] and isinstance(body["detail"], list) and len(body["detail"]) == 1:
        return {"detail": body["detail"][0]}
    return body


def imports_requeue(*, older_than_seconds=60) -> int:
    """Hand again to the broker the jobs still queued (sent while it was down), and the jobs left running by a
    worker that died whole. Jobs queued for longer than `IMPORT_EXPIRY_SECONDS` end failed instead: the person
    has long moved on. Returns how many were sent."""
    now = timezone.now()
    expiry = now - datetime.timedelta(seconds=getattr(settings, "IMPORT_EXPIRY_SECONDS", 24 * 3600))
    for job_id in ImportJob.objects.filter(status=ImportJob.Status.QUEUED, created_at__lt=expiry).values_list(
        "pk", flat=True
    ):
        import_fail(
            job_id=job_id, message=_("L'import n'a pas pu être lancé à temps ; importez le fichier de nouveau.")
        )
    waiting = ImportJob.objects.filter(
        status=ImportJob.Status.QUEUED, created_at__lt=now - datetime.timedelta(seconds=older_than_seconds)
    )
    from .tasks import RUN_IMPORT_NAMES

    abandoned = jobs.abandoned(
        ImportJob.objects.filter(status=ImportJob.Status.RUNNING),
        started_field="started_at",
        task_names=RUN_IMPORT_NAMES,
    )
    sent = jobs.requeue(waiting, import_enqueue)
    return sent + jobs.requeue(abandoned, import_enqueue)

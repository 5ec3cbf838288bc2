"""Celery jobs of the scoring app: a vendor's file imported into a bid (scoring/imports.py). Thin and
idempotent by the job row's state."""

from celery import Task, shared_task
from django.db import DatabaseError
from django.utils.translation import gettext as _

from . import imports

# Every countdown stays well below the Redis visibility timeout (1 h).
MAX_RETRIES = 5
# The file is bounded before the job exists (size, cells): a budget it never needs, then a hard stop.
SOFT_TIME_LIMIT = 60
TIME_LIMIT = 90


class ImportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted (or an error of ours): the job ends failed, readably."""
        if args:
            imports.import_fail(
                job_id=args[0],
                message=_("L'import a échoué ; importez le fichier de nouveau. (%(error)s)")
                % {"error": exc.__class__.__name__},
            )


class RowNotCommittedYet(Exception):
    """The job's row is not visible yet (the request's transaction still open): try again shortly."""


@shared_task(
    name="scoring.tasks.run_import",
    base=ImportTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError, RowNotCommittedYet),
    max_retries=MAX_RETRIES,
    retry_backoff=1,
    retry_backoff_max=30,
    retry_jitter=False,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def run_import(self, job_id):
    """Import the file of ImportJob `job_id` into its bid; a finished job is left as it is."""
    outcome = imports.import_run(job_id=job_id)
    if outcome == "missing":
        raise RowNotCommittedYet(job_id)
    return outcome


RUN_IMPORT_NAMES = (run_import.name,)


@shared_task(name="scoring.tasks.requeue_stale_imports", ignore_result=True)
def requeue_stale_imports():
    """For the beat schedule: requeue imports left queued (broker down) or running (worker died)."""
    return imports.imports_requeue()

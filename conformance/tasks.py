"""Celery task of the probe: thin, idempotent by the report row's state (see conformance/services.py)."""

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils.translation import gettext_noop as N_

from . import services
from .validate import Message

# Every countdown stays well below the Redis visibility timeout (1 h).
MAX_RETRIES = 3


class ProbeTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted (or an unexpected error): the report ends failed, readably."""
        if args:
            services.probe_fail(
                report_id=args[0],
                message=Message(
                    N_("Le sondage a échoué ; relancez-le. (%(error)s)"), {"error": exc.__class__.__name__}
                ),
            )


@shared_task(
    name="conformance.tasks.run_probe",
    base=ProbeTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    max_retries=MAX_RETRIES,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    # A live probe may wait for a Bulk export (PROBE_EXPORT_CEILING) within its own deadline (PROBE_LIVE_DEADLINE).
    soft_time_limit=settings.PROBE_LIVE_DEADLINE + 60,
    time_limit=settings.PROBE_LIVE_DEADLINE + 120,
)
def run_probe(self, report_id):
    """Run the probe of ProbeReport `report_id`; a finished report is left as it is."""
    services.probe_run(report_id=report_id)


@shared_task(name="conformance.tasks.requeue_stale_probes", ignore_result=True)
def requeue_stale_probes():
    """For the beat schedule: requeue probes left queued (broker down) or running (worker died)."""
    return services.probes_requeue()

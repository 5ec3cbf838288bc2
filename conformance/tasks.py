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


# How a probe job runs, for the bid's probe here and the acceptance probe (contracts/tasks.py): late
# acknowledgement, retried on database errors with backoff, bounded by the live probe's deadline (a live probe may
# wait for a Bulk export, PROBE_EXPORT_CEILING, within PROBE_LIVE_DEADLINE).
PROBE_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "max_retries": MAX_RETRIES,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "soft_time_limit": settings.PROBE_LIVE_DEADLINE + 60,
    "time_limit": settings.PROBE_LIVE_DEADLINE + 120,
}


@shared_task(name="conformance.tasks.run_probe", base=ProbeTask, **PROBE_TASK_OPTIONS)
def run_probe(self, report_id):
    """Run the probe of ProbeReport `report_id`; a finished report is left as it is."""
    services.probe_run(report_id=report_id)


@shared_task(name="conformance.tasks.requeue_stale_probes", ignore_result=True)
def requeue_stale_probes():
    """For the beat schedule: requeue probes left queued (broker down) or running (worker died)."""
    return services.probes_requeue()

"""Celery task of the acceptance probe: thin, idempotent by the probe row's state (contracts/acceptance_services.py).

It runs on the probes queue, like the bid's probe: a slow delivered system never delays documents.
"""

from celery import Task, shared_task
from django.utils.translation import gettext_noop as N_

from conformance.tasks import PROBE_TASK_OPTIONS
from conformance.validate import Message

from . import acceptance_services


class AcceptanceProbeTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted (or an unexpected error): the probe ends failed, readably."""
        if args:
            acceptance_services.probe_fail(
                probe_id=args[0],
                message=Message(
                    N_("Le sondage a échoué ; relancez-le. (%(error)s)"), {"error": exc.__class__.__name__}
                ),
            )


@shared_task(
    name="contracts.tasks.run_acceptance_probe", base=AcceptanceProbeTask, queue="probes", **PROBE_TASK_OPTIONS
)
def run_acceptance_probe(self, probe_id):
    """Run AcceptanceProbe `probe_id` and fill the plan's probe rows; a finished probe is left as it is."""
    acceptance_services.probe_run(probe_id=probe_id)


@shared_task(name="contracts.tasks.requeue_stale_acceptance_probes", ignore_result=True)
def requeue_stale_acceptance_probes():
    """For the beat schedule: requeue acceptance probes left queued (broker down) or running (worker died)."""
    return acceptance_services.probes_requeue()

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clausier")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds `tasks.py` in every installed app: documents.tasks (the document job, also registered under
# its former name tenders.tasks.render_document), conformance.tasks and scoring.tasks (imports).
app.autodiscover_tasks()

# Jobs that recover by themselves: beat sends these every REQUEUE_EVERY_SECONDS. They hand the worker
# again the documents, probes and imports left queued while the broker was down, or left running by a worker
# killed whole. Sent by name, so this module imports no app.
REQUEUE_TASKS = (
    "documents.tasks.requeue_stale_documents",
    "conformance.tasks.requeue_stale_probes",
    "contracts.tasks.requeue_stale_acceptance_probes",
    "scoring.tasks.requeue_stale_imports",
)


def requeue_schedule(every_seconds):
    """The beat schedule: each requeue task every `every_seconds`. A message no worker took before the
    next one is sent expires, so a stopped worker does not find a pile of them."""
    return {
        name: {"task": name, "schedule": float(every_seconds), "options": {"expires": float(every_seconds)}}
        for name in REQUEUE_TASKS
    }


@app.on_after_configure.connect
def _schedule_requeues(sender, **kwargs):
    # Read when Celery loads its configuration, i.e. after Django's settings are ready.
    sender.conf.beat_schedule = {**requeue_schedule(settings.REQUEUE_EVERY_SECONDS), **sender.conf.beat_schedule}

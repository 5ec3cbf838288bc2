import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clausier")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds `tasks.py` in every installed app: documents.tasks (the document job, also registered under
# its former name tenders.tasks.render_document) and conformance.tasks.
app.autodiscover_tasks()

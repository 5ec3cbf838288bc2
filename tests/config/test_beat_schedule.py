"""Jobs that recover by themselves: beat sends every requeue task, by name, every REQUEUE_EVERY_SECONDS."""

import json
import os
import subprocess
import sys

from django.conf import settings

from config.celery import app

REQUEUES = {
    "documents.tasks.requeue_stale_documents",
    "conformance.tasks.requeue_stale_probes",
    "contracts.tasks.requeue_stale_acceptance_probes",
    "scoring.tasks.requeue_stale_imports",
}


def test_it_schedules_every_requeue_at_the_interval_of_the_setting():
    schedule = app.conf.beat_schedule
    assert {entry["task"] for entry in schedule.values()} == REQUEUES
    assert settings.REQUEUE_EVERY_SECONDS == 180  # every 3 minutes unless the environment says otherwise
    for entry in schedule.values():
        assert entry["schedule"] == settings.REQUEUE_EVERY_SECONDS
        assert entry["options"]["expires"] == settings.REQUEUE_EVERY_SECONDS


def test_the_interval_comes_from_the_environment():
    # A fresh process, as `celery beat` starts: the variable goes through settings.py into the schedule.
    code = (
        "import json; from config.celery import app; "
        "print(json.dumps({e['task']: e['schedule'] for e in app.conf.beat_schedule.values()}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "REQUEUE_EVERY_SECONDS": "45"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == dict.fromkeys(REQUEUES, 45.0)


def test_the_schedule_file_lives_under_var():
    assert app.conf.beat_schedule_filename == str(settings.CELERY_DATA_DIR / "beat-schedule")

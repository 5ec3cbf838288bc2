"""Probes requested while the broker was down are requeued (their note promises it): the beat task."""

import datetime

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from conformance import services, tasks
from conformance.models import ProbeReport

pytestmark = pytest.mark.django_db


def _down(*args, **kwargs):
    raise OperationalError("broker down")


def test_it_requeues_a_probe_kept_while_the_broker_was_down_and_clears_its_note(
    probed, buyer, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(tasks.run_probe, "apply_async", _down)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    finished = services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    ProbeReport.objects.filter(pk=finished.pk).update(status="done")
    ProbeReport.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))

    queued = []
    monkeypatch.setattr(tasks.run_probe, "apply_async", lambda args, **kwargs: queued.append(args))
    assert tasks.requeue_stale_probes() == 1
    assert queued == [[report.pk]]  # the done one is left alone
    report.refresh_from_db()
    assert report.status == "queued" and report.error == ""


def test_it_leaves_a_fresh_request_to_its_own_job(probed, buyer, monkeypatch):
    report = services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    queued = []
    monkeypatch.setattr(tasks.run_probe, "apply_async", lambda args, **kwargs: queued.append(args))
    assert services.probes_requeue() == 0 and queued == []
    assert services.probes_requeue(older_than_seconds=0) == 1 and queued == [[report.pk]]


def test_it_requeues_a_probe_left_running_by_a_dead_worker(probed, buyer, monkeypatch):
    report = services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    ProbeReport.objects.filter(pk=report.pk).update(
        status="running", created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    queued = []
    monkeypatch.setattr(tasks.run_probe, "apply_async", lambda args, **kwargs: queued.append(args))
    assert services.probes_requeue() == 1 and queued == [[report.pk]]


def test_it_stops_at_the_first_refusal_while_the_broker_is_still_down(probed, buyer, monkeypatch):
    for _ in range(3):
        services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    monkeypatch.setattr(tasks.run_probe, "apply_async", _down)
    assert services.probes_requeue(older_than_seconds=0) == 0
    assert ProbeReport.objects.filter(status="queued").count() == 3


def test_the_beat_schedule_finds_the_task_under_its_name():
    assert "conformance.tasks.requeue_stale_probes" in celery_app.tasks
    assert "conformance.tasks.run_probe" in celery_app.tasks


def _running_for(report, seconds):
    ProbeReport.objects.filter(pk=report.pk).update(
        status="running", attempts=1, created_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


class _Inspector:
    def __init__(self, active):
        self._active = active

    def active(self):
        return self._active

    def reserved(self):
        return {} if self._active is not None else None

    def scheduled(self):
        return {} if self._active is not None else None


@pytest.mark.parametrize(
    ("active", "seconds", "requeued"),
    [
        # A live worker runs it: left alone, however long.
        ({"w@h": [{"name": "conformance.tasks.run_probe", "args": ["PK"]}]}, 120, False),
        # The workers answer and none holds it: requeued once past the grace (60 s), not before.
        ({"w@h": []}, 120, True),
        ({"w@h": []}, 30, False),
        # No worker answers: only the old threshold (hard time limit + 60 s) counts.
        (None, 120, False),
        (None, 3600, True),
    ],
)
def test_a_running_probe_is_requeued_when_no_live_worker_holds_it(
    probed, buyer, monkeypatch, settings, active, seconds, requeued
):
    settings.REQUEUE_RUNNING_GRACE_SECONDS = 60
    report = services.probe_request(user=buyer, bid=probed.bid, files={"capability_statement": b"{}"})
    _running_for(report, seconds)
    if active:
        active = {worker: [{**held, "args": [report.pk]} for held in jobs] for worker, jobs in active.items()}
    monkeypatch.setattr(celery_app.control, "inspect", lambda timeout=None: _Inspector(active))
    queued = []
    monkeypatch.setattr(tasks.run_probe, "apply_async", lambda args, **kwargs: queued.append(args))
    assert services.probes_requeue() == int(requeued)
    assert queued == ([[report.pk]] if requeued else [])

"""The probe with a real Celery worker on Redis and real PostgreSQL.

CI sets DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis); elsewhere these tests skip. The worker
runs in this process (celery.contrib.testing.worker, a thread); `transaction=True` lets it see the rows.
"""

import time

import pytest
from django.conf import settings

from config.celery import app as celery_app
from conformance.models import ProbeReport
from scoring.models import Bid

from .conftest import INFERNO, SMART_22, all_checks, fixture_json, with_plain_pkce

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
ON_REDIS = settings.CELERY_BROKER_URL.startswith("redis")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (ON_POSTGRES and ON_REDIS),
        reason="needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (CI sets both)",
    ),
]

TIMEOUT = 60


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    import conformance.tasks  # noqa: F401  (registers the task on the app)

    celery_app.conf.update(task_always_eager=False)
    _purge()
    with start_worker(
        celery_app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
        queues=["celery", "probes"],  # probes run on their own queue (settings.CELERY_TASK_ROUTES)
    ):
        yield
    _purge()


def _purge():
    with celery_app.connection_for_write() as conn:
        for queue in (celery_app.conf.task_default_queue, "probes"):
            conn.default_channel.queue_purge(queue)


def wait_until_finished(report_id):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        report = ProbeReport.objects.get(pk=report_id)
        if report.is_finished:
            return report
        time.sleep(0.2)
    raise AssertionError(f"probe report {report_id} still {report.status} after {TIMEOUT}s")


def test_it_probes_a_vendor_server_with_a_real_worker(api, probed, server, allow_local, worker):
    server.serve_fhir(fixture_json(INFERNO), with_plain_pkce(fixture_json(SMART_22)))
    Bid.objects.filter(pk=probed.bid.pk).update(fhir_base_url=server.url("/fhir"))
    response = api(probed.lead).post(f"/api/v1/bids/{probed.bid.pk}/probe/", {}, format="multipart")
    assert response.status_code == 202
    report = wait_until_finished(response.json()["id"])
    assert report.status == "done", report.error
    assert report.attempts == 1
    body = api(probed.evaluator).get(f"/api/v1/bids/{probed.bid.pk}/probe/").json()
    assert [r["check"] for r in body["results"] if r["outcome"] == "fail"] == [{"type": "smart_pkce", "value": "S256"}]
    assert sum(r["outcome"] == "pass" for r in body["results"]) == len(all_checks()) - 1

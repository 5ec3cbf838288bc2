"""The acceptance probe with a real Celery worker on Redis and real PostgreSQL: the job runs in the worker that
serves the probes queue only, and fills the plan's probe rows.

CI sets DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis); elsewhere this test skips. The worker runs in
this process (celery.contrib.testing.worker, a thread); `transaction=True` lets it see the rows.
"""

import time

import pytest
from django.conf import settings

from config.celery import app as celery_app
from contracts.models import AcceptanceProbe, AcceptanceRow

from ..conformance.conftest import INFERNO, SMART_22, fixture_json
from .acceptance_fixtures import plan_url, read_plan

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
def probes_worker():
    """A worker on the probes queue only: the acceptance probe must be routed there."""
    from celery.contrib.testing.worker import start_worker

    import contracts.tasks  # noqa: F401  (registers the task on the app)

    celery_app.conf.update(task_always_eager=False)
    _purge()
    # A worker's `queues` selects them on the app itself (Queues._consume_from): put the selection back after,
    # or every later in-process worker of this test process would consume the probes queue only.
    selected = celery_app.amqp.queues._consume_from
    try:
        with start_worker(
            celery_app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
            queues=["probes"],
        ):
            yield
    finally:
        celery_app.amqp.queues._consume_from = selected
        _purge()


def _purge():
    with celery_app.connection_for_write() as conn:
        for queue in (celery_app.conf.task_default_queue, "probes"):
            conn.default_channel.queue_purge(queue)


def test_the_acceptance_probe_runs_in_the_probes_worker_and_fills_the_rows(
    api, accepted, server, allow_local, probes_worker
):
    contract, lead = accepted.contract, accepted.lead
    server.serve_fhir(fixture_json(INFERNO), fixture_json(SMART_22))
    read_plan(api, lead, contract)
    response = api(lead).post(plan_url(contract, "probe/"), {"fhir_base_url": server.url("/fhir")}, format="json")
    assert response.status_code == 202, response.content
    deadline = time.monotonic() + TIMEOUT
    probe = AcceptanceProbe.objects.get(pk=response.json()["id"])
    while not probe.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        probe.refresh_from_db()
    assert probe.status == "done", probe.error
    assert probe.attempts == 1
    results = set(
        AcceptanceRow.objects.filter(plan__contract=contract, method="probe").values_list("result", flat=True)
    )
    assert "pass" in results and AcceptanceRow.objects.filter(probe=probe).count() > 10

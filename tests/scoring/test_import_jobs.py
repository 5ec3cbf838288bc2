"""Imports of a vendor's file (answer form, price schedule) run by the worker (scoring/imports.py).

The request checks size, archive and the cells counted in the XML, queues an ImportJob and waits for the
worker's answer up to IMPORT_WAIT_SECONDS: the API keeps its answers (200 with the outcome, 400 / 409
saying where, nothing half-imported); a longer job is a 202 with its address. The first tests stop the
worker from taking the job (nothing runs in the request: the job waits for a worker); the last ones run
a real Celery worker on Redis and PostgreSQL (skipped elsewhere, as tests/tenders/test_integration.py).
"""

import json
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from scoring import imports, tasks
from scoring.models import Answer, AuditEvent, Bid, ImportJob

from ..hostile.test_uploads import rewrite
from .answer_form_helpers import answered_form, three_requirements_form, upload
from .conftest import publish
from .test_price_schedule import filled, schedule_tender
from .test_price_schedule import upload as upload_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tender, library, buyer):
    return three_requirements_form(tender, library, buyer)


@pytest.fixture
def no_worker(monkeypatch, settings):
    """The broker takes the job and no worker runs it (yet): what the request does alone."""
    queued = []
    monkeypatch.setattr(tasks.run_import, "apply_async", lambda args, **options: queued.append(args[0]))
    settings.IMPORT_WAIT_SECONDS = 0.2
    return queued


def lead(user):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def cell_bomb(form):
    """The finding's file: a small workbook whose requirements sheet declares about 300,000 empty cells."""
    empty = b"".join(b'<row r="%d">' % r + b'<c r="A%d"/>' % r * 60 + b"</row>" for r in range(2, 5000))
    return rewrite(
        form,
        lambda name, data: (
            data.replace(b"</sheetData>", empty + b"</sheetData>") if name.endswith("sheet3.xml") else data
        ),
    )


def test_a_job_longer_than_the_wait_answers_202_with_its_address_then_its_answer(buyer, setup, no_worker):
    client = lead(buyer)
    response = upload(client, setup["bid"], answered_form(setup["form"], answer="Réponse du worker"))
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued" and job["kind"] == "answer_form" and job["bid"] == setup["bid"].pk
    assert response["Location"] == job["url"] == f"/api/v1/imports/{job['id']}/"
    assert no_worker == [job["id"]]
    assert not Answer.objects.exists()  # nothing read or imported in the request

    assert imports.import_run(job_id=job["id"]) == "done"  # the worker's turn
    state = client.get(job["url"]).json()
    assert (state["status"], state["status_code"]) == ("done", 200)
    assert state["result"]["imported"] == 2 and state["result"]["skipped"] == 1
    assert Answer.objects.filter(bid=setup["bid"], text="Réponse du worker").count() == 2
    assert ImportJob.objects.get(pk=job["id"]).data == b""  # the file is not kept once imported


def test_a_malformed_file_found_by_the_worker_is_its_400_naming_the_place_and_nothing_is_imported(
    buyer, setup, no_worker
):
    workbook_bytes = answered_form(setup["form"], compliance="Peut-être")
    job = upload(lead(buyer), setup["bid"], workbook_bytes).json()
    imports.import_run(job_id=job["id"])
    state = lead(buyer).get(job["url"]).json()
    assert state["status_code"] == 400
    assert any(m.startswith("Feuille « Exigences », ligne 2, colonne E") for m in state["result"]["file"])
    assert not Answer.objects.exists()


def test_the_cell_bomb_is_refused_in_the_request_before_any_job(buyer, setup, no_worker):
    started = time.process_time()
    response = upload(lead(buyer), setup["bid"], cell_bomb(setup["form"]))
    assert response.status_code == 400
    assert "trop de cellules" in json.dumps(response.json(), ensure_ascii=False)
    assert time.process_time() - started < 2  # this process's CPU time, not a busy machine's wall clock
    assert not ImportJob.objects.exists() and no_worker == []


def test_a_job_run_twice_imports_once(buyer, setup, no_worker):
    job = upload(lead(buyer), setup["bid"], answered_form(setup["form"])).json()
    assert imports.import_run(job_id=job["id"]) == "done"
    assert imports.import_run(job_id=job["id"]) == "skipped"
    assert AuditEvent.objects.filter(action="bid.answer_form").count() == 1


def test_the_job_rechecks_the_person_still_leads_the_tender(buyer, setup, no_worker):
    job = upload(lead(buyer), setup["bid"], answered_form(setup["form"])).json()
    buyer.memberships.update(role="evaluator")
    imports.import_run(job_id=job["id"])
    stored = ImportJob.objects.get(pk=job["id"])
    assert stored.status_code == 403 and not Answer.objects.exists()


def test_the_errors_come_in_the_language_of_the_request(buyer, setup, no_worker):
    client = lead(buyer)
    response = client.post(
        f"/api/v1/bids/{setup['bid'].pk}/questionnaire/",
        {"file": _file(answered_form(setup["form"], compliance="Peut-être"))},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    imports.import_run(job_id=response.json()["id"])
    assert ImportJob.objects.get().body["file"][0].startswith("Sheet")


def _file(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("reponse.xlsx", content, content_type="application/octet-stream")


def test_only_the_leads_of_the_tender_read_a_job(buyer, evaluator, outsider, setup, no_worker):
    job = upload(lead(buyer), setup["bid"], answered_form(setup["form"])).json()
    assert lead(outsider).get(job["url"]).status_code == 404
    assert lead(evaluator).get(job["url"]).status_code == 404
    assert lead(buyer).get("/api/v1/imports/999999/").status_code == 404


def test_a_price_schedule_job_answers_the_bid_as_before(api, buyer, tender, library, no_worker):
    schedule_tender(tender, library)
    publish(tender)
    bid = Bid.objects.create(tender=tender, vendor="Alpha Santé", price=Decimal("1"))
    response = upload_schedule(lead(buyer), bid, filled(tender, [1200.5, "15 000,00", 99.99]))
    assert response.status_code == 202
    imports.import_run(job_id=response.json()["id"])
    state = lead(buyer).get(response.json()["url"]).json()
    assert state["status_code"] == 200
    assert state["result"]["price"] == 72619.04 and state["result"]["price_source"] == "price_schedule"


def test_the_page_shows_the_progress_then_the_outcome(buyer, setup, no_worker):
    client = Client()
    client.force_login(buyer)
    tender, bid = setup["bid"].tender, setup["bid"]
    response = client.post(
        f"/evaluation/tenders/{tender.pk}/bids/",
        {"action": "import", "bid": bid.pk, "file": _file(answered_form(setup["form"]))},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and f"import={job.pk}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-progress"' in page and f'data-import-url="/api/v1/imports/{job.pk}/"' in page
    assert "en cours" in page and 'role="status"' in page

    imports.import_run(job_id=job.pk)
    response = client.get(f"/evaluation/tenders/{tender.pk}/bids/?bid={bid.pk}&import={job.pk}", follow=True)
    page = response.content.decode()
    assert "2 réponses importées pour" in page and 'id="import-progress"' not in page


def test_a_job_queued_while_the_broker_was_down_is_sent_again(buyer, setup, no_worker):
    from datetime import timedelta

    from django.utils import timezone

    job = upload(lead(buyer), setup["bid"], answered_form(setup["form"])).json()
    ImportJob.objects.filter(pk=job["id"]).update(created_at=timezone.now() - timedelta(minutes=5))
    no_worker.clear()
    assert tasks.requeue_stale_imports() == 1 and no_worker == [job["id"]]
    ImportJob.objects.filter(pk=job["id"]).update(created_at=timezone.now() - timedelta(days=2))
    tasks.requeue_stale_imports()
    assert ImportJob.objects.get(pk=job["id"]).status == "failed"


# A real worker ------------------------------------------------------------------------------------------

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
ON_REDIS = settings.CELERY_BROKER_URL.startswith("redis")
INTEGRATION = (
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (ON_POSTGRES and ON_REDIS),
        reason="needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://… (CI sets both)",
    ),
)


def integration(test):
    for mark in INTEGRATION:
        test = mark(test)
    return test


@pytest.fixture
def worker(monkeypatch, settings):
    from config.celery import app as celery_app

    from ..tenders.conftest import in_process_worker

    monkeypatch.delattr(tasks.run_import, "apply_async")  # the real broker, not the in-process shortcut
    settings.IMPORT_WAIT_SECONDS = 30
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(celery_app.conf.task_default_queue)
    with in_process_worker(celery_app):
        yield


@integration
@pytest.mark.usefixtures("worker")
def test_with_a_real_worker_the_api_keeps_its_answers(buyer, setup):
    client = lead(buyer)
    response = upload(client, setup["bid"], answered_form(setup["form"], answer="Importé par le worker"))
    assert response.status_code == 200, response.content
    assert response.json()["imported"] == 2
    job = ImportJob.objects.get()
    assert job.status == "done" and job.started_at is not None and job.data == b""
    assert Answer.objects.filter(text="Importé par le worker").count() == 2

    response = upload(client, setup["bid"], answered_form(setup["form"], compliance="Peut-être"))
    assert response.status_code == 400
    assert "Feuille « Exigences », ligne 2, colonne E" in json.dumps(response.json(), ensure_ascii=False)
    assert Answer.objects.filter(text="Importé par le worker").count() == 2  # nothing half-imported

    response = upload(client, setup["bid"], cell_bomb(setup["form"]))
    assert response.status_code == 400 and ImportJob.objects.count() == 2


@integration
@pytest.mark.usefixtures("worker")
def test_with_a_real_worker_a_longer_job_is_followed_at_its_address(buyer, setup, settings):
    settings.IMPORT_WAIT_SECONDS = 0
    client = lead(buyer)
    response = upload(client, setup["bid"], answered_form(setup["form"]))
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while (state := client.get(response.json()["url"]).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert (state["status"], state["status_code"], state["result"]["imported"]) == ("done", 200, 2)


def test_the_bid_page_shows_the_price_schedule_progress_then_the_new_price(buyer, tender, library, no_worker):
    schedule_tender(tender, library)
    publish(tender)
    bid = Bid.objects.create(tender=tender, vendor="Alpha Santé", price=Decimal("1"))
    client = Client()
    client.force_login(buyer)
    page_url = f"/evaluation/tenders/{tender.pk}/bids/{bid.pk}/"
    response = client.post(
        page_url, {"action": "price_schedule", "file": _file(filled(tender, [1200.5, "15 000,00", 99.99]))}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(f"{page_url}?import={job.pk}")
    page = client.get(f"{page_url}?import={job.pk}").content.decode()
    assert "Import du bordereau des prix de Alpha Santé en cours" in page
    bid.refresh_from_db()
    assert bid.price == Decimal("1")  # nothing imported in the request

    imports.import_run(job_id=job.pk)
    page = client.get(f"{page_url}?import={job.pk}", follow=True).content.decode()
    assert "Bordereau des prix importé : 3 lignes" in page and 'id="import-progress"' not in page
    bid.refresh_from_db()
    assert bid.price == Decimal("72619.04") and bid.price_source == "price_schedule"

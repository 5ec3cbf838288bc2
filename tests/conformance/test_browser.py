"""In headless Chromium: a declared evaluator opens the scoring grid and sees, beside the criterion drawn from
the Patient clause, that the vendor's uploaded CapabilityStatement fails its check, with the evidence."""

import json
import os

import pytest
from django.test import Client
from django.utils import timezone

from conformance import services
from scoring.models import Bid, Criterion, Evaluator

from .conftest import INFERNO, SMART_22, fixture_json, fixture_text, make_probe_tender, without_search_type

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/conformance-grid.png"


@pytest.fixture
def chromium():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.skip(f"Chromium not found at {executable}")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def open_as(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.problems = []
    # A missing resource is reported by the response listener (the favicon aside), not twice.
    page.on(
        "console",
        lambda m: (
            page.problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
        ),
    )
    page.on(
        "response",
        lambda r: page.problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    return page


def test_it_shows_the_evaluator_a_failed_check_beside_its_criterion(
    chromium, live_server, hospital, library, buyer, evaluator
):
    evaluator.first_name, evaluator.last_name = "Élise", "Martin"
    evaluator.save()
    tender, clauses = make_probe_tender(hospital, library)
    Evaluator.objects.create(tender=tender, user=evaluator, declared_at=timezone.now())
    Criterion.objects.create(
        tender=tender, name="Accès aux patients", kind="scored", weight=50, position=1, tender_clause=clauses["patient"]
    )
    Criterion.objects.create(
        tender=tender, name="Autorisation SMART", kind="scored", weight=50, position=2, tender_clause=clauses["smart"]
    )
    bid = Bid.objects.create(tender=tender, vendor="Alpha Santé", price=100000)
    # The vendor's own document with `search-type` taken off Patient; the probe's job runs here, synchronously.
    report = services.probe_request(
        user=buyer,
        bid=bid,
        files={
            "capability_statement": json.dumps(without_search_type(fixture_json(INFERNO))).encode(),
            "smart_configuration": fixture_text(SMART_22).encode(),
        },
    )
    from conformance.tasks import run_probe

    run_probe.apply(args=[report.pk])

    page = open_as(chromium, live_server, evaluator)
    page.goto(f"{live_server.url}/evaluation/tenders/{tender.pk}/grid/")
    patient_row = page.locator("tr", has=page.get_by_role("rowheader", name="Accès aux patients"))
    probe = patient_row.get_by_role("group", name="Vérification automatique de Alpha Santé pour Accès aux patients")
    failed = probe.locator(".probe-outcome-fail")
    assert failed.count() == 1
    assert "Non conforme" in failed.inner_text()
    assert "Ressource Patient — interactions read, search-type" in failed.inner_text()
    # The evidence is folded away until asked for, then shows the JSON path and the excerpt.
    evidence = failed.locator("details")
    assert not evidence.locator("code").first.is_visible()
    evidence.locator("summary").focus()
    page.keyboard.press("Enter")
    assert evidence.locator("code").first.is_visible()
    assert "$.rest[0].resource" in evidence.inner_text()
    # The other clause's checks all pass, beside their own criterion.
    smart_row = page.locator("tr", has=page.get_by_role("rowheader", name="Autorisation SMART"))
    assert (
        smart_row.locator(".probe-outcome-pass").count() == 4 and smart_row.locator(".probe-outcome-fail").count() == 0
    )
    # The score input still sits first in the cell, labelled as before.
    assert page.get_by_label("Note de Alpha Santé pour Accès aux patients", exact=True).is_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert not page.problems


def test_it_lets_the_lead_upload_the_documents_and_read_the_report(chromium, live_server, probed, eager, tmp_path):
    statement = tmp_path / "metadata.json"
    statement.write_text(json.dumps(without_search_type(fixture_json(INFERNO))), encoding="utf-8")
    smart = tmp_path / "smart-configuration.json"
    smart.write_text(fixture_text(SMART_22), encoding="utf-8")
    page = open_as(chromium, live_server, probed.lead)
    page.goto(f"{live_server.url}/evaluation/tenders/{probed.tender.pk}/bids/")
    page.get_by_role("link", name="Alpha Santé").click()
    assert page.get_by_role("button", name="Lancer la vérification").is_disabled()  # no FHIR base URL yet
    page.get_by_label("CapabilityStatement (JSON, réponse de /metadata)").set_input_files(str(statement))
    page.get_by_label("Configuration SMART (JSON, réponse de /.well-known/smart-configuration)").set_input_files(
        str(smart)
    )
    page.get_by_role("button", name="Téléverser et vérifier").click()
    page.get_by_role("status").filter(has_text="Terminé").wait_for(timeout=5000)
    report = page.locator(".probe-report")
    assert "9 conformes, 1 non conformes, 0 non vérifiables" in report.inner_text()
    assert report.locator(".probe-outcome-fail").count() == 1
    assert "Ressource Patient" in report.locator(".probe-outcome-fail").inner_text()
    page.screenshot(path="/tmp/conformance-bid.png", full_page=True)
    assert not page.problems

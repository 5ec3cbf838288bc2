"""In headless Chromium, a buyer splits a tender into two lots through the pages (docs/LOTS.md): lots added,
a clause kept to one lot, one criteria tree per lot, publication, bids entered per lot, and each lot's
results ranked on their own, equal to hand-computed totals."""

import os

import pytest
from django.test import Client

from scoring.models import Bid, Criterion, Evaluator, Score
from tenders.models import Lot, Tender, TenderClause

from ..factories import make_clause, member

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.skip(f"Chromium not found at {executable}")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def open_as(browser, live_server, user, width=1280):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.errors = []
    page.on("response", lambda r: page.errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return page


def test_a_buyer_splits_a_tender_into_two_lots_through_the_pages(chromium, live_server, hospital, library):
    buyer = member(hospital, "buyer", username="acheteuse")
    evaluator = member(hospital, "evaluator", username="evaluatrice")
    tender = Tender.objects.create(organization=hospital, reference="AO-LOTS", title="SI patient", created_by=buyer)
    api = make_clause(library, key="api", title="API FHIR", requirement="scored")
    bulk = make_clause(library, key="bulk", title="Export de masse", requirement="scored")
    for position, clause in enumerate((api, bulk)):
        TenderClause.objects.create(tender=tender, clause=clause, version=clause.current, position=position)
    base = f"{live_server.url}/tenders/{tender.pk}"
    page = open_as(chromium, live_server, buyer, width=390)  # the buyer works from a phone

    page.goto(f"{base}/lots/")
    for title in ("Dossier patient", "Entrepôt de données"):
        page.locator("#lot-new").get_by_label("Intitulé").fill(title)
        page.get_by_role("button", name="Ajouter le lot").click()
        page.get_by_role("heading", name=f"— {title}").wait_for()
    first, second = Lot.objects.filter(tender=tender).order_by("number")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing wider than the phone
    page.get_by_label("Lot 2 : Export de masse").check()
    page.get_by_role("button", name="Enregistrer la répartition").click()
    page.get_by_text("Répartition des clauses entre les lots enregistrée.").wait_for()
    assert list(TenderClause.objects.get(clause=bulk).lots.all()) == [second]

    page.goto(f"{live_server.url}/evaluation/tenders/{tender.pk}/criteria/")
    page.get_by_role("button", name="Construire").click()
    page.get_by_text("Critères construits à partir des clauses.").wait_for()
    assert Criterion.objects.filter(tender=tender, lot=first, tender_clause__clause=bulk).count() == 0
    assert Criterion.objects.filter(tender=tender, lot=second, tender_clause__clause=bulk).count() == 1
    page.goto(f"{base}/publish/")
    page.get_by_role("button", name="Oui, publier et figer l'appel d'offres").click()
    page.wait_for_url(f"{base}/**")
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED  # with lots, no single-lot reason is asked

    offers = {first: [("Alpha", "100000"), ("Bravo", "125000")], second: [("Alpha", "50000"), ("Charlie", "40000")]}
    page.goto(f"{live_server.url}/evaluation/tenders/{tender.pk}/bids/")
    for lot, bids in offers.items():
        page.get_by_label("Lot affiché").select_option(str(lot.pk))
        page.get_by_role("button", name="Afficher").click()
        for vendor, price in bids:
            page.get_by_label("Candidat", exact=True).fill(vendor)
            page.get_by_label("Prix (€ HT)").fill(price)
            page.get_by_role("button", name="Enregistrer", exact=True).click()
            page.get_by_text("Offre enregistrée.").first.wait_for()
    assert sorted(Bid.objects.filter(lot=second).values_list("vendor", flat=True)) == ["Alpha", "Charlie"]

    # One evaluator scores the technical leaves (the grid is tested on its own): 4/5 and 5/5 on lot 1's API leaf.
    Evaluator.objects.create(tender=tender, user=evaluator, declared_at="2026-12-01T10:00:00Z")
    values = {("Alpha", first): 4, ("Bravo", first): 5, ("Alpha", second): 3, ("Charlie", second): 5}
    for (vendor, lot), value in values.items():
        bid = Bid.objects.get(vendor=vendor, lot=lot)
        for criterion in Criterion.objects.filter(lot=lot, tender_clause__isnull=False, kind="scored"):
            Score.objects.create(bid=bid, criterion=criterion, evaluator=evaluator, value=value, comment="Vu.")

    page.goto(f"{live_server.url}/evaluation/tenders/{tender.pk}/results/?lot={first.pk}")
    table = page.locator("table").first.inner_text()
    # lot 1: technical 60 on the API leaf alone; Alpha 4/5 × 60 + 40 = 88; Bravo 60 + 100 000 / 125 000 × 40 = 92
    assert "92,00" in table and "88,00" in table and "Charlie" not in table
    page.get_by_label("Lot affiché").select_option(str(second.pk))
    page.get_by_role("button", name="Afficher").click()
    table = page.locator("table").first.inner_text()
    # lot 2: two leaves of 30 each; Alpha 3/5 × 60 + 40 000 / 50 000 × 40 = 68; Charlie 60 + 40 = 100
    assert "100,00" in table and "68,00" in table and "Bravo" not in table
    assert page.errors == []

"""In headless Chromium: the lead simulates the scoring method and sees the flip; then handles an abnormally low offer."""

import os

import pytest

from scoring.models import Criterion, LowOfferReview

from .test_browser import chromium, open_as  # noqa: F401 (chromium is a fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_simulates_three_bids_and_reports_the_flip(chromium, live_server, tender, buyer):  # noqa: F811
    Criterion.objects.create(tender=tender, name="Valeur technique", kind="scored", weight=60, position=1)
    Criterion.objects.create(tender=tender, name="Prix", kind="price", weight=40, position=2)
    page = open_as(chromium, live_server, buyer)
    page.goto(f"{live_server.url}/evaluation/tenders/{tender.pk}/")
    page.get_by_role("link", name="Simuler la méthode de notation sur des offres hypothétiques").click()
    for n, (name, price, level) in enumerate((("A", "80000", "3"), ("B", "100000", "4"), ("C", "125000", "90%")), 1):
        page.get_by_label(f"Nom de l'offre {n}", exact=True).fill(name)
        page.get_by_label(f"Prix de l'offre {n}", exact=True).fill(price)
        page.get_by_label(f"Note de l'offre {n} sur « Valeur technique »", exact=True).fill(level)
    page.get_by_role("button", name="Simuler").click()
    alert = page.locator("#simulation-flips")
    alert.wait_for(timeout=5000)
    text = alert.inner_text()
    assert "Avec la formule par écart" in text and "l'offre classée première aussi" in text
    assert "« Prix » vers « Valeur technique »" in text
    assert page.locator("#simulation-ce2013").count() == 0
    assert page.locator("table.simulation-table").count() == 5  # three formulas, two weight moves
    assert not page.problems


def test_it_records_the_request_and_the_rejection_of_an_abnormally_low_offer(chromium, live_server, evaluation):  # noqa: F811
    page = open_as(chromium, live_server, evaluation.lead)
    page.goto(f"{live_server.url}/evaluation/tenders/{evaluation.tender.pk}/results/")
    assert page.locator("#results-provisional").is_visible()
    page.get_by_label("Demande de justification (objet)").fill("Détaillez le coût de l'hébergement.")
    page.get_by_role("button", name="Enregistrer la demande de justification").click()
    page.get_by_label("Rejeter l'offre").check()
    page.get_by_label("Motif (obligatoire pour un rejet)").fill("Prix intenable.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    page.get_by_text("Rejetée : offre anormalement basse — Prix intenable.").wait_for(timeout=5000)
    assert page.locator("#results-provisional").count() == 0
    assert LowOfferReview.objects.get().decision == "rejected"
    assert not page.problems

"""A buyer starts a tender from "Dossier patient / Recommandé" in headless Chromium, sees the completeness
panel full, removes the only clause covering a topic, sees the gap and closes it in one click."""

import json
import os

import pytest

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.services import library_import
from tenders.guidance import tender_completeness
from tenders.models import Tender

from ..factories import PASSWORD, OrganizationFactory, member
from .test_browser import page  # noqa: F401  (the Chromium page fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/clausier-completeness-gap.png"


@pytest.fixture
def setup():
    group = OrganizationFactory(name="Groupement Achats", kind="purchasing_group")
    hospital = OrganizationFactory(name="CHU Démo")
    curator = member(group, "curator", username="curatrice")
    buyer = member(hospital, "buyer", username="acheteuse")
    library = library_import(
        user=curator, organization=group, data=json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    )
    library.visibility = "shared"
    library.save()
    library.shared_with.add(hospital)
    return buyer, library


def test_it_starts_from_a_set_and_closes_a_gap_in_one_click(page, live_server, setup):  # noqa: F811
    from playwright.sync_api import expect

    buyer, library = setup
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", buyer.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.goto(live_server.url + "/tenders/new/")
    page.get_by_label("Référence").fill("AO-DPI-ENS")
    page.get_by_label("Objet").fill("Dossier patient informatisé")
    page.get_by_label("Partir d'un ensemble recommandé").select_option(label="Dossier patient — Recommandé")
    page.get_by_role("button", name="Créer l'appel d'offres").click()
    page.wait_for_url("**/tenders/*/#completeness")
    tender = Tender.objects.get(reference="AO-DPI-ENS")
    expected = [
        key
        for s in json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))["sets"]
        if s["key"] == "patient-record-recommended"
        for key in s["clauses"]
    ]
    assert list(tender.clauses.order_by("position").values_list("clause__key", flat=True)) == expected

    panel = page.get_by_role("complementary", name="Complétude de l'interopérabilité")
    expect(panel.locator("#completeness-summary")).to_have_text("39 / 39 thèmes couverts")
    expect(panel.locator(".completeness-topic.is-missing")).to_have_count(0)
    expect(page.locator("#completeness-title")).to_be_focused()

    # Remove the only clause covering one topic.
    summary = tender_completeness(buyer, tender)
    topic = next(t for t in summary["topics"] if len(t["tender_clauses"]) == 1)
    removed = tender.clauses.select_related("version").get(pk=topic["tender_clauses"][0])
    page.get_by_role("button", name=f"Retirer « {removed.version.title} »").click()
    expect(panel.locator("#completeness-summary")).to_have_text("38 / 39 thèmes couverts")
    row = panel.locator(f"#topic-{topic['key']}")
    expect(row).to_have_attribute("data-covered", "false")
    expect(row).to_contain_text("Manquant :")
    add = row.get_by_role("button", name=f"Ajouter la clause recommandée pour « {topic['title']} »")
    expect(add).to_be_visible()
    add.scroll_into_view_if_needed()
    panel.screenshot(path=SCREENSHOT)

    # One click, from the keyboard: the gap closes.
    add.focus()
    page.keyboard.press("Enter")
    expect(panel.locator("#completeness-summary")).to_have_text("39 / 39 thèmes couverts")
    expect(panel.locator(f"#topic-{topic['key']}")).to_have_attribute("data-covered", "true")
    expect(panel.get_by_role("button", name="Ajouter la clause recommandée")).to_have_count(0)
    assert tender_completeness(buyer, tender)["covered"] == 39
    panel.screenshot(path=SCREENSHOT.replace("gap", "full"))
    assert page.problems == []

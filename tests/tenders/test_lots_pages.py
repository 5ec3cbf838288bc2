"""The lots page of a tender (docs/LOTS.md): rules, lots, clauses per lot; refusals keep what was typed."""

import pytest
from django.urls import reverse

from tenders.models import Lot

from ..factories import make_clause
from .conftest import add_clause, make_tender

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(hospital, buyer):
    return make_tender(hospital, buyer, single_lot_reason="")


def url(name, tender, *args):
    return reverse(f"tenders:{name}", args=[tender.pk, *args])


def test_a_buyer_adds_edits_and_removes_lots_on_the_page(client, buyer, draft):
    client.force_login(buyer)
    page = client.get(url("tender_lots", draft))
    assert page.status_code == 200
    assert "Aucun lot" in page.content.decode()

    response = client.post(url("tender_lot_add", draft), {"new-title": "Dossier patient", "new-description": "DPI"})
    lot = Lot.objects.get(tender=draft)
    assert response.status_code == 302 and response["Location"].endswith(f"#lot-{lot.pk}")
    assert (lot.number, lot.title, lot.description) == (1, "Dossier patient", "DPI")

    prefix = f"lot-{lot.pk}"
    client.post(url("tender_lot_edit", draft, lot.pk), {f"{prefix}-number": "3", f"{prefix}-title": "DPI et soins"})
    lot.refresh_from_db()
    assert (lot.number, lot.title) == (3, "DPI et soins")
    body = client.get(url("tender_lots", draft)).content.decode()
    assert "Lot n° 3 — DPI et soins" in body

    assert client.post(url("tender_lot_delete", draft, lot.pk)).status_code == 302
    assert not draft.lots.exists()


def test_a_refused_lot_keeps_what_was_typed_and_names_the_field(client, buyer, draft):
    client.force_login(buyer)
    Lot.objects.create(tender=draft, number=1, title="Dossier patient")
    response = client.post(
        url("tender_lot_add", draft), {"new-number": "1", "new-title": "Entrepôt", "new-description": "Texte tapé"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Le lot n° 1 existe déjà." in body
    assert 'id="id_new-number-error"' in body and 'aria-invalid="true"' in body
    assert "Texte tapé" in body and 'value="Entrepôt"' in body
    assert draft.lots.count() == 1

    blank = client.post(url("tender_lot_add", draft), {"new-title": ""})
    assert blank.status_code == 400
    assert draft.lots.count() == 1


def test_the_rules_form_records_the_reason_and_the_limit(client, buyer, draft):
    client.force_login(buyer)
    response = client.post(
        url("tender_allotment", draft),
        {"allotment-single_lot_reason": "Progiciel intégré indivisible.", "allotment-max_lots_per_bidder": "2"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.single_lot_reason, draft.max_lots_per_bidder) == ("Progiciel intégré indivisible.", 2)

    refused = client.post(
        url("tender_allotment", draft),
        {"allotment-single_lot_reason": "Autre motif", "allotment-max_lots_per_bidder": "0"},
    )
    assert refused.status_code == 400
    assert "Autre motif" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.max_lots_per_bidder == 2


def test_clauses_are_assigned_to_lots_in_one_post(client, buyer, draft, library):
    client.force_login(buyer)
    first = Lot.objects.create(tender=draft, number=1, title="Dossier patient")
    second = Lot.objects.create(tender=draft, number=2, title="Entrepôt")
    api = add_clause(draft, make_clause(library, key="api", title="API FHIR"))
    bulk = add_clause(draft, make_clause(library, key="bulk", title="Export de masse"))
    response = client.post(url("tender_lot_clauses", draft), {f"lots-{bulk.pk}": [str(second.pk)]})
    assert response.status_code == 302
    assert list(api.lots.all()) == [] and list(bulk.lots.all()) == [second]

    page = client.get(url("tender_lots", draft)).content.decode()
    assert f'id="lots-{bulk.pk}-{second.pk}" checked' in page
    assert f'id="lots-{bulk.pk}-{first.pk}" checked' not in page

    refused = client.post(
        url("tender_lot_clauses", draft), {f"lots-{api.pk}": [str(first.pk)], f"lots-{bulk.pk}": ["999999"]}
    )
    assert refused.status_code == 400
    assert list(api.lots.all()) == [] and list(bulk.lots.all()) == [second]  # nothing half-saved


def test_evaluators_read_the_page_outsiders_get_404(client, evaluator, outsider, draft):
    client.force_login(evaluator)
    assert client.get(url("tender_lots", draft)).status_code == 200
    assert client.post(url("tender_lot_add", draft), {"new-title": "X"}).status_code == 403
    assert not draft.lots.exists()
    client.force_login(outsider)
    assert client.get(url("tender_lots", draft)).status_code == 404
    assert client.post(url("tender_lot_add", draft), {"new-title": "X"}).status_code == 404


def test_the_page_reads_in_english(client, buyer, draft):
    client.force_login(buyer)
    Lot.objects.create(tender=draft, number=1, title="Patient record")
    body = client.get(url("tender_lots", draft), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Lot no. 1 — Patient record" in body
    assert "Division into lots of tender AO-2026-014" in body
    assert "Add the lot" in body

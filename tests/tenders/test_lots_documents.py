"""One lot's pieces (docs/LOTS.md): the annex, the answer form and the price schedule asked for with `"lot"` hold
the clauses that apply to that lot, keep the whole tender's article numbers and name the lot on their cover."""

import pytest

from documents import registry
from documents.models import Document
from tenders.models import Lot

from ..factories import make_clause
from .conftest import add_clause, make_tender
from .test_tender_file_pieces import Progress, docx_text, pdf_pages, xlsx_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def lotted(hospital, buyer, library):
    """Lot 1 « Dossier patient », lot 2 « Entrepôt »; API FHIR for every lot, Export de masse for lot 1 only,
    Réplication for lot 2 only."""
    tender = make_tender(hospital, buyer, single_lot_reason="")
    first = Lot.objects.create(tender=tender, number=1, title="Dossier patient")
    second = Lot.objects.create(tender=tender, number=2, title="Entrepôt")
    add_clause(tender, make_clause(library, key="api", title="API FHIR", question="Décrivez votre API FHIR."))
    bulk = add_clause(tender, make_clause(library, key="bulk", title="Export de masse", question="Décrivez l'export."))
    replica = add_clause(
        tender, make_clause(library, key="replica", title="Réplication", question="Décrivez la réplication.")
    )
    bulk.lots.set([first])
    replica.lots.set([second])
    return tender, first, second


def build_for(tender, kind, fmt, lot):
    document = Document.objects.create(tender=tender, lot=lot, kind=kind, format=fmt, draft=tender.is_draft)
    return registry.builder_for(kind, fmt)(document, Progress())[0]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_lot_s_annex_holds_the_clauses_of_that_lot_with_the_tender_s_numbers(fmt, lotted):
    tender, _first, second = lotted
    content = build_for(tender, "annex", fmt, second)
    text = " ".join(pdf_pages(content)) if fmt == "pdf" else " ".join(docx_text(content).split())
    assert "Lot n° 2 — Entrepôt" in text
    assert "API FHIR" in text and "Réplication" in text
    assert "Export de masse" not in text  # lot 1 only
    assert "1.3" in text  # Réplication keeps the number it has in the whole tender


def test_a_lot_s_answer_form_asks_only_the_questions_of_that_lot(lotted):
    tender, first, _second = lotted
    text = xlsx_text(build_for(tender, "questionnaire", "xlsx", first))
    assert "Décrivez votre API FHIR." in text and "Décrivez l'export." in text
    assert "Décrivez la réplication." not in text


def test_pieces_are_asked_for_per_lot_through_the_api(api, buyer, lotted, other_tender):
    tender, _first, second = lotted
    url = f"/api/v1/tenders/{tender.pk}/documents/"
    response = api(buyer).post(url, {"kind": "annex", "format": "pdf", "lot": second.pk}, format="json")
    assert response.status_code == 202, response.json()
    assert Document.objects.get(pk=response.json()["id"]).lot == second

    foreign = Lot.objects.create(tender=other_tender, number=1, title="Autre")
    refused = api(buyer).post(url, {"kind": "annex", "format": "pdf", "lot": foreign.pk}, format="json")
    assert refused.status_code == 400 and "lot" in refused.json()
    whole_only = api(buyer).post(url, {"kind": "rc", "format": "pdf", "lot": second.pk}, format="json")
    assert whole_only.status_code == 400 and "lot" in whole_only.json()
    assert Document.objects.filter(tender=tender).count() == 1  # nothing made for the refused requests

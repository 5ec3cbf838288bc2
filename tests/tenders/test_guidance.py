"""Recommended sets and the completeness check, through the API."""

import json

import pytest

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.models import Library
from clause_library.services import library_import
from tenders.models import TenderClause
from tenders.services import tender_create, tender_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def default_library(group, curator, hospital):
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    library = library_import(user=curator, organization=group, data=data)
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    return library


@pytest.fixture
def draft(hospital, buyer):
    return tender_create(
        single_lot_reason="Prestation indivisible.", user=buyer, organization=hospital, reference="AO-1", title="DPI"
    )


def test_a_recommended_set_fills_the_completeness_panel(api, default_library, draft, buyer):
    client = api(buyer)
    empty = client.get(f"/api/v1/tenders/{draft.pk}/completeness/?library={default_library.pk}").data
    assert empty["covered"] == 0 and empty["total"] == 39

    response = client.post(
        f"/api/v1/tenders/{draft.pk}/apply-set/",
        {"library": default_library.pk, "set": "patient-record-recommended"},
        format="json",
    )
    assert response.status_code == 201, response.data
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    expected = next(s for s in data["sets"] if s["key"] == "patient-record-recommended")["clauses"]
    assert len(response.data["added"]) == len(expected)
    assert [tc.clause.key for tc in TenderClause.objects.filter(tender=draft).order_by("position")] == expected

    full = client.get(f"/api/v1/tenders/{draft.pk}/completeness/").data
    assert full["library"] == default_library.pk
    missing = [t["key"] for t in full["topics"] if not t["covered"]]
    assert missing == [], missing

    # Remove the only clause covering one topic: the gap shows, with the clause to add back.
    topic = next(t for t in full["topics"] if len(t["tender_clauses"]) == 1)
    client.delete(f"/api/v1/tenders/{draft.pk}/clauses/{topic['tender_clauses'][0]}/")
    gap = client.get(f"/api/v1/tenders/{draft.pk}/completeness/").data
    row = next(t for t in gap["topics"] if t["key"] == topic["key"])
    assert row["covered"] is False and gap["covered"] == gap["total"] - 1
    assert row["recommended_clause"] is not None and row["recommended_clause_in_tender"] is False

    # One click adds it back.
    added = client.post(f"/api/v1/tenders/{draft.pk}/clauses/", {"clause": row["recommended_clause"]}, format="json")
    assert added.status_code == 201, added.data
    assert client.get(f"/api/v1/tenders/{draft.pk}/completeness/").data["covered"] == gap["total"]


def test_applying_a_set_twice_adds_nothing_new(api, default_library, draft, buyer):
    client = api(buyer)
    body = {"library": default_library.pk, "set": "any-essential"}
    first = client.post(f"/api/v1/tenders/{draft.pk}/apply-set/", body, format="json")
    assert first.status_code == 201 and first.data["added"]
    assert client.post(f"/api/v1/tenders/{draft.pk}/apply-set/", body, format="json").data["added"] == []


def test_unknown_sets_and_hidden_libraries_are_clear_errors(
    api, default_library, draft, buyer, outsider, other_hospital
):
    client = api(buyer)
    response = client.post(
        f"/api/v1/tenders/{draft.pk}/apply-set/", {"library": default_library.pk, "set": "nope"}, format="json"
    )
    assert response.status_code == 400 and "nope" in str(response.data["set"])
    private = Library.objects.create(organization=other_hospital, name="Privée")
    response = client.post(f"/api/v1/tenders/{draft.pk}/apply-set/", {"library": private.pk, "set": "x"}, format="json")
    assert response.status_code == 400 and "library" in response.data
    assert client.get(f"/api/v1/tenders/{draft.pk}/completeness/?library={private.pk}").status_code == 400
    assert TenderClause.objects.count() == 0


def test_other_organisations_get_404_and_evaluators_cannot_apply(api, default_library, draft, outsider, evaluator):
    body = {"library": default_library.pk, "set": "any-essential"}
    assert api(outsider).get(f"/api/v1/tenders/{draft.pk}/completeness/").status_code == 404
    assert api(outsider).post(f"/api/v1/tenders/{draft.pk}/apply-set/", body, format="json").status_code == 404
    assert api(evaluator).get(f"/api/v1/tenders/{draft.pk}/completeness/").status_code == 200
    assert api(evaluator).post(f"/api/v1/tenders/{draft.pk}/apply-set/", body, format="json").status_code == 403


def test_a_published_tender_refuses_a_set(api, default_library, draft, buyer):
    from tenders.services import tender_clause_add

    tender_clause_add(user=buyer, tender=draft, clause=default_library.clauses.get(key="fhir-api-rest-r4"))
    tender_publish(user=buyer, tender=draft)
    response = api(buyer).post(
        f"/api/v1/tenders/{draft.pk}/apply-set/", {"library": default_library.pk, "set": "any-essential"}, format="json"
    )
    assert response.status_code == 409


def test_completeness_runs_the_same_queries_at_any_size(api, default_library, draft, buyer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for set_key in ("any-essential", "patient-record-advanced"):
        api(buyer).post(
            f"/api/v1/tenders/{draft.pk}/apply-set/", {"library": default_library.pk, "set": set_key}, format="json"
        )
        client = api(type(buyer).objects.get(pk=buyer.pk))
        with CaptureQueriesContext(connection) as context:
            assert client.get(f"/api/v1/tenders/{draft.pk}/completeness/").status_code == 200
        counts.append(len(context))
    assert counts[0] == counts[1], counts


def test_the_completeness_annex_appears_in_the_buyers_note_when_asked(api, default_library, draft, buyer):
    import io

    from docx import Document as WordDocument
    from pypdf import PdfReader

    from documents.rendering.docx import render_piece_docx, render_tender_docx
    from documents.rendering.html import render_piece_html, render_tender_html
    from documents.rendering.pdf import render_pdf
    from tenders.selectors import tender_document

    client = api(buyer)
    client.post(
        f"/api/v1/tenders/{draft.pk}/apply-set/", {"library": default_library.pk, "set": "any-essential"}, format="json"
    )
    draft.refresh_from_db()
    assert "completeness" not in tender_document(draft)

    response = client.patch(f"/api/v1/tenders/{draft.pk}/", {"completeness_annex": True}, format="json")
    assert response.status_code == 200 and response.data["completeness_annex"] is True
    draft.refresh_from_db()
    doc = tender_document(draft)
    api_view = client.get(f"/api/v1/tenders/{draft.pk}/completeness/").data
    annex = doc["completeness"]
    assert (annex["covered"], annex["total"]) == (api_view["covered"], api_view["total"])
    assert [t["covered"] for t in annex["topics"]] == [t["covered"] for t in api_view["topics"]]
    assert 0 < annex["covered"] < annex["total"]  # the essentials leave some topics open
    covered = next(t for t in annex["topics"] if t["covered"])
    assert covered["articles"] and all(a.count(".") == 1 for a in covered["articles"])

    # Buyer-only: the published annex does not carry it, the buyer's note does.
    assert "Complétude" not in render_tender_html(doc, for_print=True)
    assert not any("Complétude" in p.text for p in WordDocument(io.BytesIO(render_tender_docx(doc))).paragraphs)
    note = render_pdf(render_piece_html(doc, "buyer_note", for_print=True))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(note)).pages)
    assert (
        "Complétude de l'interopérabilité" in text
        and f"{annex['covered']} thèmes couverts sur {annex['total']}" in text
    )
    word = WordDocument(io.BytesIO(render_piece_docx(doc, "buyer_note")))
    assert any(
        p.text == "Annexe — Complétude de l'interopérabilité" and p.style.name == "Heading 1" for p in word.paragraphs
    )
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "Thème")  # the last is the traceability page
    assert table.rows[0].cells[0].text == "Thème" and len(table.rows) == annex["total"] + 1

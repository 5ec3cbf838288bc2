"""The answer form of a tender started from the default library's recommended "dossier patient" set:
no library key and no parameter code in it, only the improvable values asked, « Partiel » and roadmap
rows only where the clause is deferrable; filled as a vendor would, it imports back."""

import io
import json

import docx
import pytest

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.models import Library
from clause_library.parameters import normalize_definition
from clause_library.services import library_import
from documents.rendering.docx import render_questionnaire_docx
from documents.rendering.xlsx import render_questionnaire_xlsx
from scoring.models import Answer, Bid
from scoring.services import criteria_from_clauses
from tenders.guidance import tender_set_apply
from tenders.models import TenderClause
from tenders.selectors import tender_document
from tenders.services import tender_create

from .answer_form_helpers import answered_form, reopen, upload
from .conftest import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpi(group, curator, hospital, buyer):
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    library = library_import(user=curator, organization=group, data=data)
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    tender = tender_create(
        single_lot_reason="Prestation indivisible.",
        user=buyer,
        organization=hospital,
        reference="AO-DPI",
        title="Dossier patient informatisé",
    )
    tender_set_apply(user=buyer, tender=tender, library_id=library.pk, set_key="patient-record-recommended")
    criteria_from_clauses(user=buyer, tender=tender)
    doc = tender_document(tender)
    clauses = list(TenderClause.objects.filter(tender=tender).select_related("version__clause"))
    return {"tender": tender, "doc": doc, "clauses": clauses}


def words(dpi):
    """Every library key and parameter code of the clauses in the tender that cannot be a plain word
    (a hyphen or an underscore in it: "fhir-write-back", "delai_integration_minutes")."""
    keys = {tc.version.clause.key for tc in dpi["clauses"]}
    codes = {normalize_definition(p)["name"] for tc in dpi["clauses"] for p in tc.version.parameters}
    return {word for word in keys | codes if "-" in word or "_" in word}


def test_the_form_prints_no_key_and_no_code_and_asks_only_improvable_values(dpi):
    workbook = reopen(render_questionnaire_xlsx(dpi["doc"]))
    cells = [
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None and sheet.title != "meta"
    ]
    document = docx.Document(io.BytesIO(render_questionnaire_docx(dpi["doc"])))
    texts = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    ]
    for word in sorted(words(dpi)):
        assert not [text for text in cells if word in text], word
        assert not [text for text in texts if word in text], word

    by_number = {a["number"]: a for s in dpi["doc"]["sections"] for a in s["articles"]}
    asked = [(row[0], row[2]) for row in workbook["Valeurs engagées"].iter_rows(min_row=2, values_only=True)]
    assert asked, "the recommended set has values vendors may improve"
    for article, label in asked:
        parameter = next(p for p in by_number[article]["parameters"] if p["label"] == label)
        assert parameter["improvable"] and parameter["direction"] in ("max", "min")
        assert by_number[article]["requirement"] in ("mandatory", "scored")
    roadmap = [row[0] for row in workbook["Feuille de route"].iter_rows(min_row=2, values_only=True)]
    assert roadmap == [n for n, a in by_number.items() if a["deferrable"] and a["requirement"] == "scored"]
    requirements = workbook["Exigences"]
    partial = [
        requirements[cell].row
        for validation in requirements.data_validations.dataValidation
        if "Partiel" in validation.formula1
        for cell in str(validation.sqref).split()
    ]
    assert sorted(requirements.cell(row=row, column=1).value for row in partial) == sorted(roadmap)


def test_filled_as_a_vendor_would_it_imports_back(api, buyer, dpi):
    form = render_questionnaire_xlsx(dpi["doc"])
    publish(dpi["tender"])
    bid = Bid.objects.create(tender=dpi["tender"], vendor="Alpha", price=1000)
    response = upload(api(buyer), bid, answered_form(form))
    assert response.status_code == 200, response.json()
    assert response.json()["below_requirement"] == 0  # the required values, committed as shown
    assert response.json()["committed_values"] == reopen(form)["Valeurs engagées"].max_row - 1
    assert Answer.objects.filter(bid=bid).exists()

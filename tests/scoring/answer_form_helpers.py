"""The answer form ("cadre de réponse") of a tender, filled with openpyxl as a vendor would, and sent to
the import endpoint: shared by the import tests here, the writer's tests (tests/tenders) and the hostile
uploads (tests/hostile)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from documents.rendering.xlsx import render_questionnaire_xlsx
from scoring.models import Bid
from scoring.services import criteria_from_clauses
from tenders.selectors import tender_document

from .conftest import publish
from .test_api_criteria import add_clause

SIRET = "73282932000074"  # a valid SIRET (Luhn key)
# Column B of the "Candidat" sheet, rows 2 to 7 in this order (row 8: the commitment text, row 9: "Oui").
CANDIDATE = {
    "name": "Alpha Santé SAS",
    "siret": SIRET,
    "address": "1 rue de la Paix, 75002 Paris",
    "signatory_name": "Jeanne Martin",
    "signatory_role": "Présidente",
    "email": "jeanne@alpha.example",
}


def reopen(data):
    return load_workbook(io.BytesIO(data))


def saved(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_candidate(workbook, **values):
    """The "Candidat" sheet filled validly (`CANDIDATE`, `values` replacing some) and the commitment accepted."""
    sheet = workbook["Candidat"]
    for row, (key, value) in enumerate({**CANDIDATE, **values}.items(), start=2):
        assert key in CANDIDATE, key
        sheet.cell(row=row, column=2).value = value
    sheet["B9"] = "Oui"
    return workbook


def answered_form(form, *, answer="Réponse", compliance="Oui", name=CANDIDATE["name"]):
    """Any generated form filled validly, as a vendor would: the candidate sheet, `compliance` and
    `answer` on every requirement, the required value committed for every parameter, every
    requirement "Natif" on the roadmap."""
    workbook = fill_candidate(reopen(form), name=name)
    for row in workbook["Exigences"].iter_rows(min_row=2):
        row[4].value, row[5].value = compliance, answer
    for row in workbook["Valeurs engagées"].iter_rows(min_row=2):
        row[5].value = row[4].value
    for row in workbook["Feuille de route"].iter_rows(min_row=2):
        row[2].value = "Natif"
    return saved(workbook)


def row_of(sheet, article):
    """The row of a requirement sheet that holds `article` (an article number) in column A."""
    return next(row[0].row for row in sheet.iter_rows(min_row=2) if row[0].value == article)


def upload(client, bid, content, name="reponse.xlsx"):
    return client.post(
        f"/api/v1/bids/{bid.pk}/questionnaire/",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
        format="multipart",
    )


def three_requirements_form(tender, library, buyer, **api_clause):
    """A tender with three requirements — "api" (scored, `api_clause` adding to its content), "hds"
    (mandatory: eliminatory) and "info" (informative) —, criteria made from them, its answer form
    rendered, then published with one bid. Returns {"form", "doc" (the form's plain document),
    "bid", "api", "hds", "info" (the TenderClause rows)}."""
    clauses = {
        "api": add_clause(
            tender,
            library,
            "api",
            title="API FHIR",
            requirement="scored",
            default_weight=10,
            question="Décrivez votre API FHIR.",
            **api_clause,
        ),
        "hds": add_clause(
            tender,
            library,
            "hds",
            title="Hébergement HDS",
            requirement="mandatory",
            default_weight=None,
            question="Êtes-vous certifié HDS ?",
        ),
        "info": add_clause(
            tender,
            library,
            "info",
            title="Contexte",
            requirement="informative",
            default_weight=None,
            question="Remarques ?",
        ),
    }
    criteria_from_clauses(user=buyer, tender=tender)
    doc = tender_document(tender)
    form = render_questionnaire_xlsx(doc)
    publish(tender)
    bid = Bid.objects.create(tender=tender, vendor="Alpha", price=1000)
    return {"form": form, "doc": doc, "bid": bid, **clauses}

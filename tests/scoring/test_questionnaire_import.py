"""POST /api/v1/bids/{id}/questionnaire/: the generated answer form, filled with openpyxl, imports back exactly.

Since issue 14 the form identifies requirements by article number on the "Exigences" sheet (the former
"Questionnaire" sheet with hidden TC- ids is gone); tests/scoring/test_answer_form.py covers the rest."""

import io
import zipfile

import pytest

from scoring.models import Answer
from tenders.selectors import tender_document

from .answer_form_helpers import answered_form, reopen, saved, three_requirements_form, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tender, library, buyer):
    return three_requirements_form(tender, library, buyer)


def filled(form, answers):
    """The form answered validly, then with answers typed in: {"1.1": ("answer", "Oui", "evidence")}."""
    workbook = reopen(answered_form(form, answer="", compliance="Oui"))
    sheet = workbook["Exigences"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in answers:
            row[5].value, row[4].value, row[6].value = answers[row[0].value]
    return saved(workbook)


def number(tender_clause):
    doc = tender_document(tender_clause.tender)
    return next(a["number"] for s in doc["sections"] for a in s["articles"] if a["id"] == tender_clause.stable_id)


def test_it_imports_the_filled_form_back_exactly(api, buyer, setup):
    content = filled(
        setup["form"],
        {
            number(setup["api"]): (
                "Serveur HAPI FHIR R4, documentation publique.",
                "Oui",
                "https://example.org/doc",
            ),
            number(setup["hds"]): ("Certifié HDS depuis 2021.", "Non", "certificat.pdf"),
            number(setup["info"]): ("Rien à signaler", "", ""),
        },
    )
    response = upload(api(buyer), setup["bid"], content)
    assert response.status_code == 200, response.json()
    assert response.json()["imported"] == 2 and response.json()["skipped"] == 1
    answers = {a.criterion.tender_clause_id: a for a in Answer.objects.select_related("criterion")}
    assert (answers[setup["api"].pk].text, answers[setup["api"].pk].compliant, answers[setup["api"].pk].evidence) == (
        "Serveur HAPI FHIR R4, documentation publique.",
        True,
        "https://example.org/doc",
    )
    assert (answers[setup["hds"].pk].text, answers[setup["hds"].pk].compliant) == ("Certifié HDS depuis 2021.", False)


def test_it_refuses_a_wrong_article_number_and_stores_nothing(api, buyer, setup):
    workbook = reopen(filled(setup["form"], {}))
    workbook["Exigences"]["A3"].value = "9.99"
    response = upload(api(buyer), setup["bid"], saved(workbook))
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert message.startswith("Feuille « Exigences », ligne 3, colonne A : ") and "9.99" in message
    assert not Answer.objects.exists()


def test_it_refuses_a_workbook_without_the_sheet(api, buyer, setup):
    workbook = reopen(setup["form"])
    workbook["Exigences"].title = "Feuil1"
    response = upload(api(buyer), setup["bid"], saved(workbook))
    assert response.status_code == 400 and "Exigences" in response.json()["file"][0]
    assert not Answer.objects.exists()


def test_it_refuses_a_file_that_is_not_xlsx(api, buyer, setup):
    response = upload(api(buyer), setup["bid"], b"%PDF-1.7 not a workbook")
    assert response.status_code == 400 and "file" in response.json()
    assert not Answer.objects.exists()


def test_it_refuses_an_oversized_file(api, buyer, setup, settings):
    settings.QUESTIONNAIRE_MAX_BYTES = len(setup["form"]) + 100
    response = upload(api(buyer), setup["bid"], setup["form"] + b"\0" * 2000)
    assert response.status_code == 400 and "volumineux" in response.json()["file"][0]
    assert not Answer.objects.exists()


def test_it_stops_a_body_over_the_request_limit_before_reading_it(api, buyer, setup, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    response = upload(api(buyer), setup["bid"], setup["form"])
    assert response.status_code == 413
    assert not Answer.objects.exists()


def test_it_refuses_a_zip_bomb(api, buyer, setup):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    response = upload(api(buyer), setup["bid"], buffer.getvalue())
    assert response.status_code == 400 and "file" in response.json()
    assert not Answer.objects.exists()


def test_it_lets_only_the_lead_import(api, evaluator, outsider, setup):
    content = filled(setup["form"], {})
    assert upload(api(evaluator), setup["bid"], content).status_code == 403
    assert upload(api(outsider), setup["bid"], content).status_code == 404

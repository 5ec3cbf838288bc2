"""Rejection letters, answers on request and the award notice: a ZIP refused while provisional."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document as WordDocument
from openpyxl import load_workbook
from pypdf import PdfReader

from documents.models import Document
from documents.rendering.xlsx import render_questionnaire_xlsx
from documents.services import RenderError
from scoring.models import EliminatoryDecision
from tenders.selectors import tender_document

from .answer_form_helpers import answered_form
from .reporting import build, flat, make_decided

pytestmark = pytest.mark.django_db

DOCUMENTS = "/api/v1/tenders/{}/documents/"


@pytest.fixture
def decided(evaluation):
    return make_decided(evaluation)


def letters_zip(evaluation):
    return zipfile.ZipFile(io.BytesIO(build(evaluation, "zip", kind="rejection_letters")))


def docx_text(content):
    word = WordDocument(io.BytesIO(content))
    return flat(
        "\n".join(
            [p.text for p in word.paragraphs]
            + [cell.text for table in word.tables for row in table.rows for cell in row.cells]
        )
    )


def test_the_zip_holds_a_docx_and_a_pdf_per_letter_and_a_manifest(decided):
    archive = letters_zip(decided)
    manifest = json.loads(archive.read("manifest.json"))
    files = {row["file"] for row in manifest}
    assert files | {"manifest.json"} == set(archive.namelist())
    kinds = sorted((row["vendor"], row["kind"], row["format"]) for row in manifest)
    assert kinds == sorted(
        [
            ("Bravo", "rejet", "docx"),
            ("Bravo", "rejet", "pdf"),
            ("Bravo", "avantages-offre-retenue", "docx"),
            ("Bravo", "avantages-offre-retenue", "pdf"),
            ("Charlie", "rejet", "docx"),
            ("Charlie", "rejet", "pdf"),
            ("Alpha", "attribution", "docx"),
            ("Alpha", "attribution", "pdf"),
        ]
    )


def _letter(archive, vendor, kind, format):
    manifest = json.loads(archive.read("manifest.json"))
    (row,) = [r for r in manifest if r["vendor"] == vendor and r["kind"] == kind and r["format"] == format]
    return archive.read(row["file"])


def test_a_ranked_tenderer_s_letter_names_the_awardee_its_score_the_standstill_date_and_the_appeals(decided):
    archive = letters_zip(decided)
    text = docx_text(_letter(archive, "Bravo", "rejet", "docx"))
    assert "Le marché est attribué à Alpha" in text and "86,20 points sur 100" in text
    # sent electronically on 4 December 2026: not signed before 15 December 2026 (R2182-1, 11 days)
    assert "le 4 décembre 2026, le marché ne sera pas signé avant le 15 décembre 2026" in text
    assert "Votre offre, régulière, a été classée 2 avec 74,00 points sur 100." in text
    assert "API FHIR complète et documentée" in text  # why the awardee's offer was chosen
    assert "Référé précontractuel (article L551-1 du code de justice administrative)" in text
    assert "Tarn-et-Garonne, n° 358994" in text and "tribunal administratif de Paris" in text
    pdf = flat(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(_letter(archive, "Bravo", "rejet", "pdf"))).pages)
    )
    assert "Alpha" in pdf and "15 décembre 2026" in pdf


def test_sent_otherwise_than_electronically_the_standstill_is_16_days(decided):
    decided.tender.procedure_record.letters_electronic = False
    decided.tender.procedure_record.save()
    text = docx_text(_letter(letters_zip(decided), "Bravo", "rejet", "docx"))
    assert "ne sera pas signé avant le 20 décembre 2026" in text and "16 jours" in text


def test_an_eliminated_bid_s_letter_gives_its_legal_qualification_and_the_buyer_s_reason(decided):
    text = docx_text(_letter(letters_zip(decided), "Charlie", "rejet", "docx"))
    assert "déclarée offre irrégulière (article L2152-2 du code de la commande publique)" in text
    assert "Aucun certificat HDS fourni." in text and "Notre hébergeur maison suffit" not in text


def test_a_letter_of_an_english_tender_is_in_english(decided):
    decided.tender.language = "en"
    decided.tender.save()
    text = docx_text(_letter(letters_zip(decided), "Charlie", "rejet", "docx"))
    assert "Your bid was classified as an irregular bid (article L2152-2 of the French Public Procurement Code)" in text
    assert "Remedies and time limits" in text and "pre-contractual summary proceedings" in text.lower()
    assert "Votre offre" not in text
    # English typography: no space before a colon.
    assert "Addressee: Charlie" in text and "Addressee :" not in text


def test_the_answer_on_request_gives_the_retained_offer_s_characteristics(decided):
    text = docx_text(_letter(letters_zip(decided), "Bravo", "avantages-offre-retenue", "docx"))
    assert "R2181-2" in text and "Alpha" in text and "Offre retenue" in text and "86,20" in text


def test_the_award_notice_goes_to_the_awardee(decided):
    text = docx_text(_letter(letters_zip(decided), "Alpha", "attribution", "docx"))
    assert "votre offre est retenue" in text and "100 000,00 € HT" in text


def test_letters_are_refused_while_provisional(decided, api, monkeypatch):
    from tenders import services

    monkeypatch.setattr(services, "document_enqueue", lambda *, document: True)
    EliminatoryDecision.objects.filter(bid=decided.alpha).delete()
    response = api(decided.lead).post(
        DOCUMENTS.format(decided.tender.pk), {"kind": "rejection_letters", "format": "zip"}, format="json"
    )
    assert response.status_code == 409
    assert "résultats définitifs" in response.json()["kind"][0] and "Alpha" in response.json()["kind"][0]
    assert not Document.objects.filter(kind="rejection_letters").exists()
    with pytest.raises(RenderError, match="résultats définitifs"):
        build(decided, "zip", kind="rejection_letters")


def test_letters_are_queued_once_results_are_final(decided, api, monkeypatch):
    from tenders import services

    monkeypatch.setattr(services, "document_enqueue", lambda *, document: True)
    response = api(decided.lead).post(
        DOCUMENTS.format(decided.tender.pk), {"kind": "rejection_letters", "format": "zip"}, format="json"
    )
    assert response.status_code == 202


# The addressee: the candidate as it identified itself in its answer form ---------------------------


def pdf_text(content):
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def test_letters_are_addressed_to_the_candidate_as_it_identified_itself(decided, api):
    form = answered_form(render_questionnaire_xlsx(tender_document(decided.tender)), name="Alpha Santé SAS")
    workbook = load_workbook(io.BytesIO(form))
    workbook["Candidat"]["B4"] = "1 rue de la Paix\n75002 Paris"  # typed on two lines
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("reponse.xlsx", buffer.getvalue(), content_type="application/octet-stream")
    response = api(decided.lead).post(
        f"/api/v1/bids/{decided.alpha.pk}/questionnaire/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 200, response.json()

    archive = letters_zip(decided)
    addressee = [
        "Destinataire : Alpha Santé SAS",
        "SIRET : 732 829 320 00074",
        "À l’attention de : Jeanne Martin, Présidente",
        "Adresse du destinataire : 1 rue de la Paix, 75002 Paris",
        "Courriel : jeanne@alpha.example",
    ]
    notice = docx_text(_letter(archive, "Alpha", "attribution", "docx"))
    assert " ".join(addressee) in notice
    # The PDF lays the facts out as a two-column list: the labels read first, then the values.
    notice_pdf = pdf_text(_letter(archive, "Alpha", "attribution", "pdf"))
    labels, values = zip(*(line.split(" : ") for line in addressee), strict=True)
    assert " ".join(labels) in notice_pdf and " ".join(values) in notice_pdf

    # Bravo imported no answer form: the name the buyer recorded, and nothing it did not tell.
    rejection = docx_text(_letter(archive, "Bravo", "rejet", "docx"))
    rejection_pdf = pdf_text(_letter(archive, "Bravo", "rejet", "pdf"))
    assert "Destinataire : Bravo Date d’envoi : 4 décembre 2026" in rejection
    assert "Destinataire Date d’envoi" in rejection_pdf and "Bravo 4 décembre 2026" in rejection_pdf
    for content in (rejection, rejection_pdf):
        assert "SIRET" not in content and "À l’attention de" not in content and "Adresse du destinataire" not in content
        # The awardee is named as it identified itself.
        assert "Le marché est attribué à Alpha Santé SAS, dont l’offre obtient 86,20 points" in content
    answer = docx_text(_letter(archive, "Bravo", "avantages-offre-retenue", "docx"))
    assert "Destinataire : Bravo" in answer and "celle de Alpha Santé SAS" in answer

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
from scoring.models import Award, Consensus, EliminatoryDecision, EvaluationState, Score
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


def pdf_text(content):
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def test_the_zip_holds_one_letter_per_bid_not_retained_as_docx_and_pdf_and_a_manifest(decided):
    archive = letters_zip(decided)
    manifest = json.loads(archive.read("manifest.json"))
    files = {row["file"] for row in manifest}
    assert files | {"manifest.json"} == set(archive.namelist())
    kinds = sorted((row["vendor"], row["kind"], row["format"]) for row in manifest)
    # One letter per bid not retained; the awardee's letter is its own document (award_notice).
    assert kinds == [
        ("Bravo", "rejet", "docx"),
        ("Bravo", "rejet", "pdf"),
        ("Charlie", "rejet", "docx"),
        ("Charlie", "rejet", "pdf"),
    ]


def _letter(archive, vendor, kind, format):
    manifest = json.loads(archive.read("manifest.json"))
    (row,) = [r for r in manifest if r["vendor"] == vendor and r["kind"] == kind and r["format"] == format]
    return archive.read(row["file"])


def test_a_ranked_tenderer_s_letter_names_the_awardee_its_points_the_standstill_and_the_remedies(decided):
    archive = letters_zip(decided)
    text = docx_text(_letter(archive, "Bravo", "rejet", "docx"))
    assert "Le marché est attribué à Alpha" in text and "86,20 points sur 100" in text
    # Sent electronically on 4 December 2026: 11 days counted from the 5th, up to the 15th included (R2182-1).
    assert "le 4 décembre 2026, le délai de suspension de 11 jours" in text
    assert "court jusqu’au 15 décembre 2026 inclus : le marché ne sera pas signé avant le 16 décembre 2026" in text
    # The rank in words, among the ranked offers, with the points per criterion beside the awardee's.
    assert "Votre offre, régulière, a été classée deuxième sur 2 offres classées, avec 74,00 points sur 100." in text
    assert "classée 2 " not in text
    assert "1.1 API FHIR 12,00 27,00" in text and "Total sur 100 74,00 86,20" in text
    # Why the awardee's offer was chosen: the lead's own summary.
    assert "Interface FHIR native couvrant tous les flux demandés." in text
    assert "Plan de réversibilité le plus complet." in text
    assert "article L551-1 du code de justice administrative" in text
    assert "article L551-13 du code de justice administrative" in text
    assert "Tarn-et-Garonne, n° 358994" in text and "tribunal administratif de Paris" in text
    # R2181-4: no deadline on the request; the buyer answers within fifteen days of it.
    assert (
        "Vous pouvez demander par écrit les caractéristiques et avantages relatifs de l’offre retenue "
        "(article R2181-4 du code de la commande publique) ; l’acheteur vous les communique dans un délai de "
        "quinze jours à compter de la réception de votre demande."
    ) in text
    assert "dans un délai de quinze jours à compter de la réception de cette lettre" not in text
    assert "R2181-2" not in text
    pdf = pdf_text(_letter(archive, "Bravo", "rejet", "pdf"))
    assert "Alpha" in pdf and "16 décembre 2026" in pdf and "deuxième" in pdf and "L551-13" in pdf


def test_sent_otherwise_than_electronically_the_standstill_is_16_days(decided):
    decided.tender.procedure_record.letters_electronic = False
    decided.tender.procedure_record.save()
    text = docx_text(_letter(letters_zip(decided), "Bravo", "rejet", "docx"))
    assert "délai de suspension de 16 jours" in text
    assert "jusqu’au 20 décembre 2026 inclus : le marché ne sera pas signé avant le 21 décembre 2026" in text


def test_an_eliminated_bid_s_letter_gives_its_reasons_without_the_r2181_4_offer(decided):
    text = docx_text(_letter(letters_zip(decided), "Charlie", "rejet", "docx"))
    assert "déclarée offre irrégulière (article L2152-2 du code de la commande publique)" in text
    assert "Aucun certificat HDS fourni." in text and "Notre hébergeur maison suffit" not in text
    assert "écartée sans être notée" in text and "classée" not in text
    # The awardee's name, points and the lead's summary are still given (R2181-3) ...
    assert "Le marché est attribué à Alpha" in text and "Total sur 100 86,20" in text
    assert "Interface FHIR native" in text
    # ... but not the offer to ask for the retained offer's advantages (R2181-4 excludes irregular offers).
    assert "R2181-4" not in text and "Vous pouvez demander" not in text


def test_a_letter_of_an_english_tender_is_in_english(decided):
    decided.tender.language = "en"
    decided.tender.save()
    archive = letters_zip(decided)
    text = docx_text(_letter(archive, "Charlie", "rejet", "docx"))
    assert "Your bid was classified as an irregular bid (article L2152-2 of the French Public Procurement Code)" in text
    assert "Remedies and time limits" in text and "pre-contractual summary proceedings" in text.lower()
    assert "contractual summary proceedings (article l551-13" in text.lower()
    assert "Votre offre" not in text
    # English typography: no space before a colon.
    assert "Addressee: Charlie" in text and "Addressee :" not in text
    assert "ranked second" in docx_text(_letter(archive, "Bravo", "rejet", "docx"))


def test_no_evaluator_comment_nor_consensus_justification_reaches_any_letter(decided, api, monkeypatch):
    # A distinctive comment in every score and every consensus of every bid.
    secrets = []
    for score in Score.objects.filter(bid__tender=decided.tender):
        score.comment = f"NOTE-INTERNE-{score.pk}-lecture-erronée"
        score.save()
        secrets.append(score.comment)
    for consensus in Consensus.objects.filter(bid__tender=decided.tender):
        consensus.justification = f"CONSENSUS-INTERNE-{consensus.pk}"
        consensus.save()
        secrets.append(consensus.justification)
    Consensus.objects.create(
        bid=decided.alpha, criterion=decided.criteria.doc, value=7, justification="CONSENSUS-INTERNE-alpha"
    )
    secrets.append("CONSENSUS-INTERNE-alpha")
    archive = letters_zip(decided)
    texts = []
    for name in archive.namelist():
        if name.endswith(".docx"):
            texts.append(docx_text(archive.read(name)))
        elif name.endswith(".pdf"):
            texts.append(pdf_text(archive.read(name)))
    texts += [
        docx_text(build(decided, "docx", kind="award_notice")),
        pdf_text(build(decided, "pdf", kind="award_notice")),
    ]
    assert len(texts) == 6
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert "INTERNE" not in text
    # The report, an internal record, keeps those of the scored offers (Charlie was set aside unscored).
    report = docx_text(build(decided, "docx"))
    kept = [s.comment for s in Score.objects.filter(bid__tender=decided.tender).exclude(bid=decided.charlie)] + [
        "CONSENSUS-INTERNE-alpha"
    ]
    assert all(secret in report for secret in kept)


def test_the_award_notice_goes_to_the_awardee_as_pdf_or_docx(decided):
    text = docx_text(build(decided, "docx", kind="award_notice"))
    assert "votre offre est retenue" in text and "100 000,00 € HT" in text
    assert "Destinataire : Alpha" in text and "Total sur 100 86,20" in text
    assert "le marché ne sera pas signé avant le 16 décembre 2026" in text
    assert "Alpha" in pdf_text(build(decided, "pdf", kind="award_notice"))


def test_control_characters_in_any_evaluation_text_never_break_the_documents(decided):
    Score.objects.filter(bid__tender=decided.tender).update(comment="Bon\x01 dossier\x0b\x1f fin")
    Consensus.objects.update(justification="Accord\x07 trouvé")
    EliminatoryDecision.objects.filter(bid=decided.charlie).update(reason="Certificat\x0c absent\x1b.")
    Award.objects.filter(tender=decided.tender).update(advantages="Meilleure\x08 offre\x01.")
    text = docx_text(_letter(letters_zip(decided), "Charlie", "rejet", "docx"))
    assert "Certificat absent." in text and "Meilleure offre." in text
    report = docx_text(build(decided, "docx"))
    assert "Bon dossier fin" in report and "Accord trouvé" in report
    load_workbook(io.BytesIO(build(decided, "xlsx")))  # opens
    assert pdf_text(build(decided, "pdf", kind="award_notice"))


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


def test_letters_are_addressed_to_the_candidate_as_it_identified_itself(decided, api):
    form = answered_form(render_questionnaire_xlsx(tender_document(decided.tender)), name="Alpha Santé SAS")
    workbook = load_workbook(io.BytesIO(form))
    workbook["Candidat"]["B4"] = "1 rue de la Paix\n75002 Paris"  # typed on two lines
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("reponse.xlsx", buffer.getvalue(), content_type="application/octet-stream")
    # Imports are frozen once technical scoring is closed: the form came in before.
    closed = EvaluationState.objects.filter(tender=decided.tender)
    closed_at = closed.get().technical_closed_at
    closed.update(technical_closed_at=None)
    response = api(decided.lead).post(
        f"/api/v1/bids/{decided.alpha.pk}/questionnaire/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    closed.update(technical_closed_at=closed_at)

    archive = letters_zip(decided)
    addressee = [
        "Destinataire : Alpha Santé SAS",
        "SIRET : 732 829 320 00074",
        "À l’attention de : Jeanne Martin, Présidente",
        "Adresse du destinataire : 1 rue de la Paix, 75002 Paris",
        "Courriel : jeanne@alpha.example",
    ]
    notice = docx_text(build(decided, "docx", kind="award_notice"))
    assert " ".join(addressee) in notice
    # The PDF lays the facts out as a two-column table: each label beside its own value.
    notice_pdf = pdf_text(build(decided, "pdf", kind="award_notice"))
    assert " ".join(line.replace(" : ", " ") for line in addressee) in notice_pdf

    # Bravo imported no answer form: the name the buyer recorded, and nothing it did not tell.
    rejection = docx_text(_letter(archive, "Bravo", "rejet", "docx"))
    rejection_pdf = pdf_text(_letter(archive, "Bravo", "rejet", "pdf"))
    assert "Destinataire : Bravo Date d’envoi : 4 décembre 2026" in rejection
    assert "Destinataire Bravo Date d’envoi 4 décembre 2026" in rejection_pdf
    for content in (rejection, rejection_pdf):
        assert "SIRET" not in content and "À l’attention de" not in content and "Adresse du destinataire" not in content
        # The awardee is named as it identified itself.
        assert "Le marché est attribué à Alpha Santé SAS, dont l’offre obtient 86,20 points" in content

"""After close-technical, every input of the ranking is frozen like the scores (409 until a reopening), and
every text of the evaluation is cleaned of the characters DOCX/XLSX cannot hold."""

import datetime
import io
import zipfile

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from docx import Document as WordDocument
from openpyxl import load_workbook

from documents.models import Document
from documents.rendering.xlsx import render_questionnaire_xlsx
from scoring.models import AuditEvent, Bid, EvaluationState, LowOfferReview, Score
from tenders.selectors import tender_document

from .answer_form_helpers import answered_form, upload
from .test_api_results import fill

pytestmark = pytest.mark.django_db


def close(api, evaluation):
    response = api(evaluation.lead).post(f"/api/v1/tenders/{evaluation.tender.pk}/close-technical/")
    assert response.status_code == 200, response.json()


def reopen(api, evaluation):
    response = api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/reopen/", {"reason": "Erreur de saisie"}, format="json"
    )
    assert response.status_code == 200, response.json()


def flag_charlie(evaluation):
    Bid.objects.filter(pk=evaluation.charlie.pk).update(price=50000)


@pytest.mark.usefixtures("scoring_settled")
def test_low_offer_request_and_decision_are_frozen_by_close_technical_until_a_reopening(api, evaluation):
    flag_charlie(evaluation)
    close(api, evaluation)
    request = f"/api/v1/bids/{evaluation.charlie.pk}/low-offer/request/"
    response = api(evaluation.lead).post(request, {"note": "Décomposez le prix."}, format="json")
    assert response.status_code == 409 and "réouverture motivée" in str(response.json()["detail"])
    assert not LowOfferReview.objects.exists()
    reopen(api, evaluation)
    body = {"note": "Décomposez le prix.", "sent_on": "2026-11-02", "deadline": "2026-11-12"}
    response = api(evaluation.lead).post(request, body, format="json")
    assert response.status_code == 200, response.json()
    close(api, evaluation)
    decision = f"/api/v1/bids/{evaluation.charlie.pk}/low-offer/decision/"
    body = {"decision": "kept", "received_on": "2026-11-10"}
    assert api(evaluation.lead).post(decision, body, format="json").status_code == 409
    reopen(api, evaluation)
    response = api(evaluation.lead).post(decision, body, format="json")
    assert response.status_code == 200, response.json()
    review = LowOfferReview.objects.get()
    assert (review.sent_on, review.deadline, review.received_on) == (
        datetime.date(2026, 11, 2),
        datetime.date(2026, 11, 12),
        datetime.date(2026, 11, 10),
    )
    listed = api(evaluation.lead).get(f"/api/v1/tenders/{evaluation.tender.pk}/low-offers/").json()["results"][0]
    assert listed["review"]["sent_on"] == "2026-11-02" and listed["review"]["received_on"] == "2026-11-10"


def test_low_offer_dates_are_checked(api, evaluation):
    flag_charlie(evaluation)
    request = f"/api/v1/bids/{evaluation.charlie.pk}/low-offer/request/"
    body = {"note": "Décomposez le prix.", "sent_on": "2026-11-10", "deadline": "2026-11-02"}
    response = api(evaluation.lead).post(request, body, format="json")
    assert response.status_code == 400 and "deadline" in response.json()
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = api(evaluation.lead).post(request, {"note": "x", "sent_on": future}, format="json")
    assert response.status_code == 400 and "sent_on" in response.json()


@pytest.mark.usefixtures("scoring_settled")
def test_answers_are_frozen_by_close_technical_until_a_reopening(api, evaluation):
    close(api, evaluation)
    url = f"/api/v1/bids/{evaluation.alpha.pk}/answers/"
    body = {"criterion": evaluation.criteria.hds.pk, "text": "Certifié", "compliant": True}
    response = api(evaluation.lead).post(url, body, format="json")
    assert response.status_code == 409 and "réponse du candidat" in str(response.json()["detail"])
    reopen(api, evaluation)
    assert api(evaluation.lead).post(url, body, format="json").status_code in (200, 201)


@pytest.mark.usefixtures("scoring_settled")
def test_answer_form_import_is_frozen_by_close_technical_until_a_reopening(api, evaluation):
    form = answered_form(render_questionnaire_xlsx(tender_document(evaluation.tender)))
    close(api, evaluation)
    response = upload(api(evaluation.lead), evaluation.alpha, form)
    assert response.status_code == 409 and "cadre de réponse" in str(response.json()["detail"])
    assert Bid.objects.get(pk=evaluation.alpha.pk).candidate_name == ""
    reopen(api, evaluation)
    response = upload(api(evaluation.lead), evaluation.alpha, form)
    assert response.status_code == 200, response.json()


def test_control_characters_are_cleaned_at_write_time(api, evaluation):
    url = f"/api/v1/bids/{evaluation.alpha.pk}/scores/{evaluation.criteria.api.pk}/"
    response = api(evaluation.eval1).put(
        url, {"value": 4, "comment": "Bonne\x0b API\x1f\x7f documentée"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Score.objects.get().comment == "Bonne API documentée"
    response = api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/reveal/", format="json"
    )  # any write path: the consensus too
    url = f"/api/v1/bids/{evaluation.alpha.pk}/consensus/{evaluation.criteria.api.pk}/"
    response = api(evaluation.lead).put(url, {"value": 4, "justification": "Accord\x08 unanime"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["justification"] == "Accord unanime"


def test_documents_made_before_this_version_are_stale(evaluation):
    from importlib import import_module

    fill(evaluation)
    old = Document.objects.create(tender=evaluation.tender, kind="rejection_letters", format="zip")
    Document.objects.create(
        tender=evaluation.tender,
        kind="annex",
        format="pdf",
    )
    migration = import_module("scoring.migrations.0008_award_sequence")
    before = AuditEvent.objects.count()
    migration.outdate_evaluation_documents(django_apps, None)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.tender_id == evaluation.tender.pk and event.action == "documents.outdated"
    old.refresh_from_db()
    assert old.source_version < event.pk


def docx_text(content):
    word = WordDocument(io.BytesIO(content))
    return " ".join([p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells])


def test_old_rows_with_control_characters_still_make_readable_documents(evaluation):
    from .reporting import build, make_decided

    make_decided(evaluation)
    # Rows written before the cleaning (an update bypasses it, as the old code did).
    Score.objects.filter(bid=evaluation.alpha).update(comment="Très\x01 bien\x1b")
    EvaluationState.objects.filter(tender=evaluation.tender).update(reopen_reason="x\x0c")
    report = docx_text(build(evaluation, "docx"))
    assert "Très bien" in report
    load_workbook(io.BytesIO(build(evaluation, "xlsx")))
    archive = zipfile.ZipFile(io.BytesIO(build(evaluation, "zip", kind="rejection_letters")))
    assert all(archive.read(name) for name in archive.namelist())


def test_the_results_page_records_the_low_offer_procedure_s_legal_dates(evaluation):
    from django.test import Client

    flag_charlie(evaluation)
    client = Client()
    client.force_login(evaluation.lead)
    base = f"/evaluation/tenders/{evaluation.tender.pk}/"
    client.post(
        base + "low-offers/request/",
        {"bid": evaluation.charlie.pk, "note": "Décomposez.", "sent_on": "2026-11-02", "deadline": "2026-11-12"},
    )
    client.post(
        base + "low-offers/decision/",
        {"bid": evaluation.charlie.pk, "decision": "kept", "reason": "Convaincant.", "received_on": "2026-11-09"},
    )
    review = LowOfferReview.objects.get()
    assert (review.sent_on, review.deadline, review.received_on) == (
        datetime.date(2026, 11, 2),
        datetime.date(2026, 11, 12),
        datetime.date(2026, 11, 9),
    )
    html = client.get(base + "results/").content.decode()
    assert "12 novembre 2026" in html and "9 novembre 2026" in html

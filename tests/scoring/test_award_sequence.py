"""The award sequence (API.md, "Evaluation (round 2)"): decision → certificates → letters → sent → standstill.

Each step is refused (409, saying what is missing) until the one before is done; each is audited; only the
lead may take them.
"""

import datetime

import pytest
from django.utils import timezone

from documents.models import Document
from scoring.models import AuditEvent, Award, EvaluationState

from .test_api_results import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def final(evaluation, monkeypatch):
    """Final results (Alpha first), technical scoring closed; documents are queued without a broker."""
    from tenders import services

    monkeypatch.setattr(services, "document_enqueue", lambda *, document: True)
    fill(evaluation)
    EvaluationState.objects.update_or_create(
        tender=evaluation.tender, defaults={"technical_closed_at": timezone.now() - datetime.timedelta(days=10)}
    )
    return evaluation


def award_url(evaluation, tail=""):
    return f"/api/v1/tenders/{evaluation.tender.pk}/award/{tail}"


def decide(api, evaluation, **body):
    body = {"bid": evaluation.alpha.pk, "decided_on": "2026-12-01", "advantages": "Interface FHIR native.", **body}
    return api(evaluation.lead).put(award_url(evaluation), body, format="json")


def certificates(api, evaluation, **body):
    return api(evaluation.lead).put(
        award_url(evaluation, "certificates/"), body or {"received_on": "2026-12-02"}, format="json"
    )


def request_letters(api, evaluation, kind="rejection_letters", format="zip"):
    return api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/documents/", {"kind": kind, "format": format}, format="json"
    )


def letters_sent(api, evaluation, **body):
    return api(evaluation.lead).post(
        f"/api/v1/tenders/{evaluation.tender.pk}/letters-sent/", body or {"sent_on": "2026-12-04"}, format="json"
    )


def letters_made(evaluation):
    """A done rejection_letters document (the worker's result), made now."""
    Document.objects.filter(tender=evaluation.tender, kind="rejection_letters").update(
        status="done", file="documents/x.zip", sha256="0" * 64, progress=100
    )


def results(api, evaluation):
    return api(evaluation.lead).get(f"/api/v1/tenders/{evaluation.tender.pk}/results/").json()


def test_the_whole_sequence_in_order_sets_the_standstill(api, final):
    response = decide(api, final)
    assert response.status_code == 200, response.json()
    assert response.json()["bid"] == final.alpha.pk and response.json()["standstill_until"] is None
    assert certificates(api, final).status_code == 200
    assert request_letters(api, final).status_code == 202
    assert request_letters(api, final, "award_notice", "pdf").status_code == 202
    letters_made(final)
    response = letters_sent(api, final)
    assert response.status_code == 200, response.json()
    # Sent electronically on 4 December: 11 days counted from the 5th, the standstill ends on the 15th.
    assert response.json()["standstill_until"] == "2026-12-15"
    body = results(api, final)
    assert body["standstill_until"] == "2026-12-15" and body["award"]["letters_sent_on"] == "2026-12-04"
    actions = list(
        AuditEvent.objects.filter(tender=final.tender, action__startswith="award.").values_list("action", flat=True)
    )
    assert actions == ["award.decide", "award.certificates", "award.letters_sent"]


def test_sixteen_days_when_the_letters_did_not_go_electronically(api, final):
    decide(api, final)
    certificates(api, final)
    request_letters(api, final)
    letters_made(final)
    response = letters_sent(api, final, sent_on="2026-12-04", electronic=False)
    assert response.json()["standstill_until"] == "2026-12-20"


def test_the_decision_waits_for_final_results_and_retains_the_bid_ranked_first(api, final):
    EvaluationState.objects.filter(tender=final.tender).update(technical_closed_at=None)
    response = decide(api, final)
    assert response.status_code == 409 and "provisoires" in str(response.json())
    EvaluationState.objects.filter(tender=final.tender).update(technical_closed_at=timezone.now())
    response = decide(api, final, bid=final.bravo.pk)
    assert response.status_code == 409 and "Alpha" in str(response.json()["bid"])
    assert decide(api, final, advantages="  ").status_code == 400
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = decide(api, final, decided_on=future)
    assert response.status_code == 400 and "decided_on" in response.json()
    assert not Award.objects.exists()


def test_certificates_are_refused_before_the_decision(api, final):
    response = certificates(api, final)
    assert response.status_code == 409 and "décision d'attribution" in str(response.json())
    decide(api, final)
    response = api(final.lead).put(award_url(final, "certificates/"), {}, format="json")
    assert response.status_code == 400
    response = certificates(api, final, waived_reason="Certificats déjà détenus par l'acheteur (R2144-7).")
    assert response.status_code == 200 and response.json()["certificates_waived_reason"].startswith("Certificats")


def test_letters_and_the_award_notice_are_refused_until_decision_and_certificates(api, final):
    for kind, format in (("rejection_letters", "zip"), ("award_notice", "pdf"), ("award_notice", "docx")):
        response = request_letters(api, final, kind, format)
        assert response.status_code == 409 and "décision d'attribution" in response.json()["kind"][0]
    decide(api, final)
    for kind, format in (("rejection_letters", "zip"), ("award_notice", "docx")):
        response = request_letters(api, final, kind, format)
        assert response.status_code == 409 and "certificats" in response.json()["kind"][0]
    assert not Document.objects.filter(tender=final.tender).exists()


def test_letters_sent_is_refused_until_the_letters_are_made(api, final):
    response = letters_sent(api, final)
    assert response.status_code == 409 and "décision d'attribution" in str(response.json())
    decide(api, final)
    response = letters_sent(api, final)
    assert response.status_code == 409 and "certificats" in str(response.json())
    certificates(api, final)
    response = letters_sent(api, final)
    assert response.status_code == 409 and "Lettres de rejet" in str(response.json())
    request_letters(api, final)
    letters_made(final)
    response = letters_sent(api, final, sent_on="2026-11-30")  # before the decision
    assert response.status_code == 400 and "sent_on" in response.json()


def test_once_sent_the_decision_no_longer_changes(api, final):
    decide(api, final)
    certificates(api, final)
    request_letters(api, final)
    letters_made(final)
    letters_sent(api, final)
    assert decide(api, final, advantages="Autre texte").status_code == 409
    assert certificates(api, final).status_code == 409


def test_sending_does_not_outdate_the_letters_but_outdates_the_report(api, final):
    decide(api, final)
    certificates(api, final)
    request_letters(api, final)
    request_letters(api, final, "evaluation_report", "pdf")
    letters_made(final)
    letters_sent(api, final)
    documents = {
        d["kind"]: d for d in api(final.lead).get(f"/api/v1/tenders/{final.tender.pk}/documents/").json()["results"]
    }
    assert documents["rejection_letters"]["stale"] is False
    assert documents["evaluation_report"]["stale"] is True


def test_only_the_lead_takes_the_steps(api, final, outsider):
    for user, status in ((final.eval1, 403), (outsider, 404)):
        assert (
            api(user)
            .put(
                award_url(final), {"bid": final.alpha.pk, "decided_on": "2026-12-01", "advantages": "x"}, format="json"
            )
            .status_code
            == status
        )
        assert (
            api(user).put(award_url(final, "certificates/"), {"received_on": "2026-12-02"}, format="json").status_code
            == status
        )
        assert (
            api(user)
            .post(f"/api/v1/tenders/{final.tender.pk}/letters-sent/", {"sent_on": "2026-12-04"}, format="json")
            .status_code
            == status
        )
    assert not AuditEvent.objects.filter(action__startswith="award.").exists()


def test_results_give_no_points_to_an_offer_set_aside(api, final):
    charlie = next(b for b in results(api, final)["bids"] if b["bid"] == final.charlie.pk)
    assert charlie["eligible"] is False
    assert (charlie["technical_points"], charlie["price_points"], charlie["total"]) == (None, None, None)


# The results page ----------------------------------------------------------------------------------


def browser(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def page(evaluation, name="results/"):
    return f"/evaluation/tenders/{evaluation.tender.pk}/{name}"


def test_the_results_page_walks_the_lead_through_the_sequence(final):
    client = browser(final.lead)
    html = client.get(page(final)).content.decode()
    assert 'id="award-decide-form"' in html and 'id="award-certificates-form"' not in html
    assert "Les lettres suivent la décision d" in html  # why the letters wait
    # Out of order: certificates before the decision are refused with the reason, nothing recorded.
    response = client.post(page(final, "award/certificates/"), {"received_on": "2026-12-02"}, follow=True)
    assert "Enregistrez d" in response.content.decode() and not Award.objects.exists()
    response = client.post(
        page(final, "award/"),
        {"bid": final.alpha.pk, "decided_on": "2026-12-01", "advantages": "Interface FHIR native."},
    )
    assert response.status_code == 302 and response["Location"].endswith("results/#award")
    html = client.get(page(final)).content.decode()
    assert "Interface FHIR native." in html and 'id="award-certificates-form"' in html
    assert "R2144-4" in html and 'id="award-sent-form"' not in html
    client.post(page(final, "award/certificates/"), {"waived_reason": "Déjà détenus (R2144-7)."})
    html = client.get(page(final)).content.decode()
    assert "Déjà détenus" in html and 'id="award-sent-form"' in html
    # Sending before the letters are made: refused, said on the page.
    response = client.post(
        page(final, "award/letters-sent/"), {"sent_on": "2026-12-04", "electronic": "on"}, follow=True
    )
    assert "Préparez d" in response.content.decode()
    Document.objects.create(
        tender=final.tender,
        kind="rejection_letters",
        format="zip",
        status="done",
        file="documents/y.zip",
        sha256="0" * 64,
        progress=100,
    )
    client.post(page(final, "award/letters-sent/"), {"sent_on": "2026-12-04"})  # not electronic: 16 days
    html = client.get(page(final)).content.decode()
    assert 'id="standstill-until"' in html and "20 décembre 2026" in html
    assert 'id="award-decide-form"' not in html  # sent: the decision no longer changes


def test_the_award_forms_are_the_lead_s(final, outsider):
    body = {"bid": final.alpha.pk, "decided_on": "2026-12-01", "advantages": "x"}
    assert browser(final.eval1).post(page(final, "award/"), body).status_code == 403
    assert browser(outsider).post(page(final, "award/"), body).status_code == 404
    assert not Award.objects.exists()
    Award.objects.create(tender=final.tender, bid=final.alpha, decided_on=datetime.date(2026, 12, 1), advantages="x")
    EvaluationState.objects.filter(tender=final.tender).update(revealed_at=timezone.now())
    html = browser(final.eval1).get(page(final)).content.decode()
    assert 'id="award-decision"' in html and 'id="award-decide-form"' not in html


def test_reading_the_award_before_the_decision_answers_an_empty_object(api, final):
    response = api(final.lead).get(award_url(final))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == {}
    assert decide(api, final).status_code == 200
    assert api(final.lead).get(award_url(final)).json()["bid"] == final.alpha.pk

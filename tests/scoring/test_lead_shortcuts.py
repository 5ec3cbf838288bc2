"""The lead's work: accept in one click every requirement the vendor declared met; the answer form of
another company refused unless replaced explicitly."""

import pytest

from scoring.models import Answer, AuditEvent, Criterion, EliminatoryDecision

from .conftest import decide

pytestmark = pytest.mark.django_db


def accept_url(bid):
    return f"/api/v1/bids/{bid.pk}/eliminatory/accept-declared/"


@pytest.fixture
def three_requirements(evaluation):
    """Three eliminatory requirements (HDS and two more), all undecided for Alpha; Alpha declares two met."""
    c = evaluation.criteria
    extra = [
        Criterion.objects.create(
            tender=evaluation.tender, name=name, kind="eliminatory", scale_max=1, position=50 + index
        )
        for index, name in enumerate(("RGPD", "Réversibilité"))
    ]
    EliminatoryDecision.objects.filter(bid=evaluation.alpha).delete()
    Answer.objects.create(bid=evaluation.alpha, criterion=c.hds, text="Certifié", compliant=True)
    Answer.objects.create(bid=evaluation.alpha, criterion=extra[0], text="Conforme", compliant=True)
    Answer.objects.create(bid=evaluation.alpha, criterion=extra[1], text="Partiellement", compliant=False)
    evaluation.extra = extra
    return evaluation


def test_it_accepts_every_undecided_requirement_declared_met_with_one_audit_entry_each(api, three_requirements):
    ev = three_requirements
    decide(ev.alpha, ev.extra[0], "non_compliant", user=ev.lead)  # already decided: untouched
    before = AuditEvent.objects.count()
    response = api(ev.lead).post(accept_url(ev.alpha))
    assert response.status_code == 200, response.json()
    assert [row["criterion"] for row in response.json()] == [ev.criteria.hds.pk]
    assert EliminatoryDecision.objects.get(bid=ev.alpha, criterion=ev.criteria.hds).decision == "compliant"
    assert EliminatoryDecision.objects.get(bid=ev.alpha, criterion=ev.extra[0]).decision == "non_compliant"
    assert not EliminatoryDecision.objects.filter(bid=ev.alpha, criterion=ev.extra[1]).exists()  # declared not met
    events = AuditEvent.objects.filter(pk__gt=before)
    assert [e.action for e in events] == ["elimination.decide"]
    # Again: nothing left to accept.
    assert api(ev.lead).post(accept_url(ev.alpha)).json() == []


def test_only_the_lead_accepts_and_not_after_close(api, three_requirements, outsider):
    ev = three_requirements
    assert api(ev.eval1).post(accept_url(ev.alpha)).status_code == 403
    assert api(outsider).post(accept_url(ev.alpha)).status_code == 404
    from django.utils import timezone

    from scoring.models import EvaluationState

    EvaluationState.objects.update_or_create(tender=ev.tender, defaults={"technical_closed_at": timezone.now()})
    assert api(ev.lead).post(accept_url(ev.alpha)).status_code == 409
    assert not EliminatoryDecision.objects.filter(bid=ev.alpha).exists()


def test_the_bid_page_accepts_them_in_one_click(three_requirements):
    from django.test import Client

    ev = three_requirements
    client = Client()
    client.force_login(ev.lead)
    url = f"/evaluation/tenders/{ev.tender.pk}/bids/{ev.alpha.pk}/"
    assert 'id="accept-declared-form"' in client.get(url).content.decode()
    response = client.post(url, {"action": "accept_declared"}, follow=True)
    assert "Exigences déclarées satisfaites acceptées : 2." in response.content.decode()
    assert EliminatoryDecision.objects.filter(bid=ev.alpha, decision="compliant").count() == 2


# Another company's answer form ---------------------------------------------------------------------


def test_another_company_s_form_is_refused_naming_both_unless_replaced_explicitly(api, evaluation):
    from documents.rendering.xlsx import render_questionnaire_xlsx
    from scoring.models import Bid
    from tenders.selectors import tender_document

    from .answer_form_helpers import SIRET, answered_form, fill_candidate, reopen, saved, upload

    form = render_questionnaire_xlsx(tender_document(evaluation.tender))
    alpha_form = answered_form(form)
    assert upload(api(evaluation.lead), evaluation.alpha, alpha_form).status_code == 200
    # The same company again (a corrected file): accepted.
    assert upload(api(evaluation.lead), evaluation.alpha, alpha_form).status_code == 200
    other = saved(fill_candidate(reopen(alpha_form), name="Bravo Informatique SA", siret="35600000000048"))
    response = upload(api(evaluation.lead), evaluation.alpha, other)
    assert response.status_code == 409
    message = str(response.json())
    assert "Bravo Informatique SA (SIRET 35600000000048)" in message and f"Alpha Santé SAS (SIRET {SIRET})" in message
    assert Bid.objects.get(pk=evaluation.alpha.pk).candidate_name == "Alpha Santé SAS"
    client = api(evaluation.lead)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/api/v1/bids/{evaluation.alpha.pk}/questionnaire/?confirm=replace",
        {"file": SimpleUploadedFile("r.xlsx", other, content_type="application/octet-stream")},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert Bid.objects.get(pk=evaluation.alpha.pk).candidate_name == "Bravo Informatique SA"
    event = AuditEvent.objects.get(action="bid.answer_form_replace")
    assert "Alpha Santé SAS" in event.old and "Bravo Informatique SA" in event.new

"""A three-bid evaluation with 27 eliminatory requirements, driven through the pages as the lead would:
bulk acceptance, the one real non-compliance, close refused then allowed, award, certificates, letters and
award notice, sending date. Counts the lead's posts (goal: under 20). Pages through Django's test client
(the same flow in headless Chromium, through the requirements matrix: tests/browser/test_evaluation_lead.py)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from documents.models import Document
from scoring.models import Answer, Award, Consensus, Criterion, EliminatoryDecision, EvaluationState, Score

from .test_api_results import fill

pytestmark = pytest.mark.django_db


class CountingClient(Client):
    posts = 0

    def post(self, *args, **kwargs):
        self.posts += 1
        return super().post(*args, **kwargs)


def test_a_three_bid_evaluation_with_27_requirements_takes_the_lead_under_20_posts(evaluation, monkeypatch):
    from tenders import services as tender_services

    monkeypatch.setattr(tender_services, "document_enqueue", lambda *, document: True)
    ev = evaluation
    extra = [
        Criterion.objects.create(
            tender=ev.tender, name=f"Exigence {n}", kind="eliminatory", scale_max=1, position=100 + n
        )
        for n in range(26)
    ]
    fill(ev)  # both evaluators score everything; a consensus settles Bravo's dispersed cell
    Consensus.objects.all().delete()  # ... which the lead will settle itself
    EliminatoryDecision.objects.all().delete()
    for bid in (ev.alpha, ev.bravo, ev.charlie):
        for criterion in extra:
            Answer.objects.create(bid=bid, criterion=criterion, text="Oui", compliant=True)
    assert Criterion.objects.filter(tender=ev.tender, kind="eliminatory").count() == 27

    client = CountingClient()
    client.force_login(ev.lead)
    base = f"/evaluation/tenders/{ev.tender.pk}/"
    # 1. Bulk acceptance: one post per bid (Charlie declared HDS not met: left for the lead).
    for bid in (ev.alpha, ev.bravo, ev.charlie):
        client.post(f"{base}bids/{bid.pk}/", {"action": "accept_declared"})
    assert EliminatoryDecision.objects.count() == 27 + 27 + 26
    # 2. The one real decision.
    client.post(
        f"{base}bids/{ev.charlie.pk}/",
        {
            "action": "eliminatory",
            "criterion": ev.criteria.hds.pk,
            "decision": "non_compliant",
            "qualification": "irregular",
            "reason": "Aucun certificat HDS.",
        },
    )
    # 3. Close refused while Bravo's dispersed cell has no consensus, then the consensus, then close.
    response = client.post(f"{base}close-technical/", {"confirm": "on"}, follow=True)
    assert "Bravo (API FHIR)" in response.content.decode()
    assert not EvaluationState.objects.filter(technical_closed_at__isnull=False).exists()
    Consensus.objects.create(bid=ev.bravo, criterion=ev.criteria.api, value=2, justification="Démo", set_by=ev.lead)
    client.posts += 1  # the consensus page's post (its own tests cover the page)
    client.post(f"{base}close-technical/", {"confirm": "on"})
    assert EvaluationState.objects.get().technical_closed_at is not None
    # 4. Award, certificates, letters and award notice, sending date.
    today = timezone.localdate()
    client.post(f"{base}award/", {"bid": ev.alpha.pk, "decided_on": today.isoformat(), "advantages": "API native."})
    client.post(f"{base}award/certificates/", {"received_on": today.isoformat()})
    client.post(f"{base}report/", {"kind": "rejection_letters", "format": "zip"})
    client.post(f"{base}report/", {"kind": "award_notice", "format": "pdf"})
    assert set(Document.objects.values_list("kind", flat=True)) == {"rejection_letters", "award_notice"}
    for document in Document.objects.all():  # what the worker does
        Document.objects.filter(pk=document.pk).update(
            status="done", file=f"documents/{document.pk}.{document.format}", sha256="0" * 64, progress=100
        )
    client.post(f"{base}award/letters-sent/", {"sent_on": today.isoformat(), "electronic": "on"})
    award = Award.objects.get()
    assert award.letters_sent_on == today
    html = client.get(f"{base}results/").content.decode()
    assert 'id="standstill-until"' in html
    assert (today + datetime.timedelta(days=11)).strftime("%Y") in html
    assert Score.objects.count() == 18
    assert client.posts < 20, client.posts
    assert (
        client.posts == 12
    )  # 3 bulk, 1 decision, close refused, consensus, close, award, certificates, 2 letters, sent

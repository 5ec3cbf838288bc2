"""The requirements × bids matrix: the lead decides every eliminatory requirement of every bid in one post (with
the legal qualification a non-compliant offer needs), all or nothing, keeping what was chosen and typed when a
cell is refused; the per-bid "accept what the vendor declared met" buttons sit on it. Lead only."""

from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scoring.models import Answer, AuditEvent, Bid, Criterion, EliminatoryDecision, EvaluationState

from ..factories import member

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def matrix_url(evaluation):
    return f"/evaluation/tenders/{evaluation.tender.pk}/requirements/"


def add_requirements(evaluation, count):
    return [
        Criterion.objects.create(
            tender=evaluation.tender, name=f"Exigence {n}", kind="eliminatory", scale_max=1, position=100 + n
        )
        for n in range(count)
    ]


def cell(bid, criterion):
    return f"{bid.pk}-{criterion.pk}"


@pytest.fixture
def undecided(evaluation):
    """Three bids, three eliminatory requirements (HDS and two more), nothing decided."""
    evaluation.extra = add_requirements(evaluation, 2)
    EliminatoryDecision.objects.all().delete()
    return evaluation


def test_it_shows_every_requirement_against_every_bid_with_what_each_vendor_declared(undecided):
    ev = undecided
    Answer.objects.create(bid=ev.alpha, criterion=ev.criteria.hds, text="Certifié", compliant=True)
    Answer.objects.create(bid=ev.bravo, criterion=ev.criteria.hds, text="En cours", compliant=False)
    response = browser(ev.lead).get(matrix_url(ev))
    html = unescape(response.content.decode())
    assert response.status_code == 200
    for bid in (ev.alpha, ev.bravo, ev.charlie):
        for criterion in (ev.criteria.hds, *ev.extra):
            assert f'name="d-{cell(bid, criterion)}"' in html
            assert f'name="q-{cell(bid, criterion)}"' in html
        assert f'id="accept-declared-{bid.pk}"' in html
    alpha_hds = html.split(f'data-cell="{cell(ev.alpha, ev.criteria.hds)}"')[1].split("</td>")[0]
    bravo_hds = html.split(f'data-cell="{cell(ev.bravo, ev.criteria.hds)}"')[1].split("</td>")[0]
    assert "se déclare conforme" in alpha_hds and "se déclare non conforme" in bravo_hds
    assert 'data-undecided="3"' in html
    assert 'class="matrix-scroll table-scroll"' in html  # the scrolling table whose header row stays in view


def test_one_post_decides_many_requirements_with_one_audit_entry_each(undecided):
    ev = undecided
    before = AuditEvent.objects.count()
    data = {f"d-{cell(bid, c)}": "compliant" for bid in (ev.alpha, ev.bravo) for c in (ev.criteria.hds, *ev.extra)}
    data.update(
        {
            f"d-{cell(ev.charlie, ev.criteria.hds)}": "non_compliant",
            f"q-{cell(ev.charlie, ev.criteria.hds)}": "irregular",
            f"r-{cell(ev.charlie, ev.criteria.hds)}": "Aucun certificat HDS fourni.",
        }
    )
    response = browser(ev.lead).post(matrix_url(ev), data, follow=True)
    assert response.redirect_chain[-1][0].endswith("/requirements/")
    assert "7 décisions enregistrées." in unescape(response.content.decode())
    assert EliminatoryDecision.objects.filter(decision="compliant").count() == 6
    refused = EliminatoryDecision.objects.get(bid=ev.charlie, criterion=ev.criteria.hds)
    assert (refused.decision, refused.qualification, refused.reason) == (
        "non_compliant",
        "irregular",
        "Aucun certificat HDS fourni.",
    )
    assert not EliminatoryDecision.objects.filter(bid=ev.charlie, criterion__in=ev.extra).exists()  # left undecided
    events = AuditEvent.objects.filter(pk__gt=before)
    assert events.count() == 7 and set(events.values_list("action", flat=True)) == {"elimination.decide"}
    # Posting the same page again changes nothing and writes no audit entry.
    again = browser(ev.lead).post(matrix_url(ev), data, follow=True)
    assert "Aucune décision nouvelle" in unescape(again.content.decode())
    assert AuditEvent.objects.filter(pk__gt=before).count() == 7


def test_a_non_compliant_cell_without_qualification_refuses_the_whole_post_and_keeps_what_was_typed(undecided):
    ev = undecided
    before = (EliminatoryDecision.objects.count(), AuditEvent.objects.count())
    bad = cell(ev.bravo, ev.extra[0])
    data = {
        f"d-{cell(ev.alpha, ev.criteria.hds)}": "compliant",
        f"d-{bad}": "non_compliant",
        f"r-{bad}": "Réversibilité non prévue au contrat",
    }
    response = browser(ev.lead).post(matrix_url(ev), data)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert (EliminatoryDecision.objects.count(), AuditEvent.objects.count()) == before  # all or nothing
    assert "1 décision refusée" in html and "rien n'a été enregistré" in html
    bad_cell = html.split(f'data-cell="{bad}"')[1].split("</td>")[0]
    assert "Qualifiez l'offre non conforme" in bad_cell and 'aria-invalid="true"' in bad_cell
    assert 'value="Réversibilité non prévue au contrat"' in bad_cell
    assert '<option value="non_compliant" selected>' in bad_cell
    good_cell = html.split(f'data-cell="{cell(ev.alpha, ev.criteria.hds)}"')[1].split("</td>")[0]
    assert '<option value="compliant" selected>' in good_cell  # the other choices are kept too


def test_garbage_in_a_cell_is_a_form_error_and_a_regularisation_is_asked_for_on_the_bid_page(undecided):
    ev = undecided
    response = browser(ev.lead).post(
        matrix_url(ev),
        {
            f"d-{cell(ev.alpha, ev.criteria.hds)}": "peut-être",
            f"d-{cell(ev.bravo, ev.criteria.hds)}": "regularisation_requested",
        },
    )
    html = unescape(response.content.decode())
    assert response.status_code == 200 and "rien n'a été enregistré" in html
    assert "Une régularisation se demande depuis la page de l'offre" in html
    assert not EliminatoryDecision.objects.exists()


def test_the_matrix_is_frozen_once_prices_are_opened(undecided):
    ev = undecided
    EvaluationState.objects.update_or_create(tender=ev.tender, defaults={"technical_closed_at": timezone.now()})
    response = browser(ev.lead).post(matrix_url(ev), {f"d-{cell(ev.alpha, ev.criteria.hds)}": "compliant"})
    assert response.status_code == 409
    assert "réouverture motivée" in unescape(response.content.decode())
    assert '<option value="compliant" selected>' in unescape(response.content.decode())
    assert not EliminatoryDecision.objects.exists()


def test_each_bid_s_declared_requirements_are_accepted_from_the_matrix(undecided):
    ev = undecided
    Answer.objects.create(bid=ev.alpha, criterion=ev.criteria.hds, text="Oui", compliant=True)
    Answer.objects.create(bid=ev.alpha, criterion=ev.extra[0], text="Oui", compliant=True)
    Answer.objects.create(bid=ev.alpha, criterion=ev.extra[1], text="Non", compliant=False)
    Answer.objects.create(bid=ev.bravo, criterion=ev.criteria.hds, text="Oui", compliant=True)
    response = browser(ev.lead).post(matrix_url(ev), {"action": "accept_declared", "bid": ev.alpha.pk}, follow=True)
    assert "Alpha : exigences déclarées satisfaites acceptées : 2." in unescape(response.content.decode())
    assert set(EliminatoryDecision.objects.values_list("bid_id", "criterion_id", "decision")) == {
        (ev.alpha.pk, ev.criteria.hds.pk, "compliant"),
        (ev.alpha.pk, ev.extra[0].pk, "compliant"),
    }
    assert browser(ev.lead).post(matrix_url(ev), {"action": "accept_declared", "bid": 999999}).status_code == 404


def test_only_the_lead_opens_or_posts_the_matrix(undecided, outsider, hospital):
    ev = undecided
    post = {f"d-{cell(ev.alpha, ev.criteria.hds)}": "compliant"}
    assert browser(outsider).get(matrix_url(ev)).status_code == 404
    assert browser(outsider).post(matrix_url(ev), post).status_code == 404
    assert browser(ev.eval1).get(matrix_url(ev)).status_code == 403
    assert browser(ev.eval1).post(matrix_url(ev), post).status_code == 403
    stranger = member(hospital, "evaluator", username="eval9")
    assert browser(stranger).get(matrix_url(ev)).status_code == 403
    assert not EliminatoryDecision.objects.exists()


def test_another_tender_s_bid_is_not_a_cell_of_this_matrix(undecided, other_tender):
    ev = undecided
    foreign = Bid.objects.create(tender=other_tender, vendor="Zulu", price=1)
    response = browser(ev.lead).post(matrix_url(ev), {f"d-{foreign.pk}-{ev.criteria.hds.pk}": "compliant"})
    assert response.status_code == 302
    assert not EliminatoryDecision.objects.exists()


def test_the_page_reads_in_a_fixed_number_of_queries(undecided):
    ev = undecided

    def count():
        client = browser(ev.lead)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(matrix_url(ev)).status_code == 200
        return len(queries)

    small = count()
    more = add_requirements(ev, 24)
    for n in range(5):
        bid = Bid.objects.create(tender=ev.tender, vendor=f"Offre {n}", price=90000 + n)
        for criterion in more:
            Answer.objects.create(bid=bid, criterion=criterion, text="Oui", compliant=True)
    assert count() == small


def test_it_speaks_english_and_is_linked_from_the_evaluation_home(undecided):
    ev = undecided
    client = browser(ev.lead)
    home = unescape(client.get(f"/evaluation/tenders/{ev.tender.pk}/").content.decode())
    assert 'id="matrix-link"' in home and matrix_url(ev) in home
    client.cookies["django_language"] = "en"
    html = client.get(matrix_url(ev)).content.decode()
    assert "Save the decisions" in html and "Enregistrer les décisions" not in html


def test_a_large_matrix_posts_in_one_go(undecided):
    """10 bids × 40 requirements: 1,200 cell fields, more than Django's default limit of 1,000 fields."""
    ev = undecided
    more = add_requirements(ev, 37)
    bids = [ev.alpha, ev.bravo, ev.charlie] + [
        Bid.objects.create(tender=ev.tender, vendor=f"Offre {n}", price=90000 + n) for n in range(7)
    ]
    requirements = [ev.criteria.hds, *ev.extra, *more]
    data = {f"{prefix}-{cell(bid, c)}": "" for bid in bids for c in requirements for prefix in ("d", "q", "r")}
    data[f"d-{cell(bids[-1], requirements[-1])}"] = "compliant"
    assert len(data) == 1200
    response = browser(ev.lead).post(matrix_url(ev), data, follow=True)
    assert response.status_code == 200
    assert "1 décision enregistrée." in unescape(response.content.decode())
    assert EliminatoryDecision.objects.get().bid_id == bids[-1].pk


# The same batch over HTTP -----------------------------------------------------------------------------


def batch_url(evaluation):
    return f"/api/v1/tenders/{evaluation.tender.pk}/eliminatory/"


def test_the_api_decides_a_batch_all_or_nothing(api, undecided):
    ev = undecided
    good = {"bid": ev.alpha.pk, "criterion": ev.criteria.hds.pk, "decision": "compliant"}
    bad = {"bid": ev.bravo.pk, "criterion": ev.extra[0].pk, "decision": "non_compliant", "reason": "Absente."}
    response = api(ev.lead).post(batch_url(ev), {"decisions": [good, bad]}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "cells": {
            cell(ev.bravo, ev.extra[0]): ["Qualifiez l'offre non conforme : irregular, unacceptable ou inappropriate."]
        }
    }
    assert not EliminatoryDecision.objects.exists()
    bad["qualification"] = "irregular"
    response = api(ev.lead).post(batch_url(ev), {"decisions": [good, bad]}, format="json")
    assert response.status_code == 200, response.json()
    assert [(row["bid"], row["decision"], row["qualification"]) for row in response.json()] == [
        (ev.alpha.pk, "compliant", None),
        (ev.bravo.pk, "non_compliant", "irregular"),
    ]
    assert AuditEvent.objects.filter(action="elimination.decide").count() == 2


def test_the_api_batch_refuses_another_tender_s_bid_a_scored_criterion_and_other_people(
    api, undecided, other_tender, outsider
):
    ev = undecided
    foreign = Bid.objects.create(tender=other_tender, vendor="Zulu", price=1)
    for item in (
        {"bid": foreign.pk, "criterion": ev.criteria.hds.pk, "decision": "compliant"},
        {"bid": ev.alpha.pk, "criterion": ev.criteria.api.pk, "decision": "compliant"},
    ):
        response = api(ev.lead).post(batch_url(ev), {"decisions": [item]}, format="json")
        assert response.status_code == 400 and "decisions" in response.json()
    good = {"decisions": [{"bid": ev.alpha.pk, "criterion": ev.criteria.hds.pk, "decision": "compliant"}]}
    assert api(ev.eval1).post(batch_url(ev), good, format="json").status_code == 403
    assert api(outsider).post(batch_url(ev), good, format="json").status_code == 404
    EvaluationState.objects.update_or_create(tender=ev.tender, defaults={"technical_closed_at": timezone.now()})
    assert api(ev.lead).post(batch_url(ev), good, format="json").status_code == 409
    assert not EliminatoryDecision.objects.exists()

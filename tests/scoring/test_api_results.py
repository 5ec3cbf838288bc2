"""GET /api/v1/tenders/{id}/results/: the hand-computed example of test_rules.py, through the database."""

import pytest

from scoring.models import Answer, Bid, Consensus, Criterion, Score

from ..factories import member
from .conftest import decide

pytestmark = pytest.mark.django_db


def url(tender):
    return f"/api/v1/tenders/{tender.pk}/results/"


def fill(evaluation):
    """Alpha 46.2 technical, Bravo 42 (consensus 2 over a mean of 3), Charlie 55.2 but not HDS compliant."""
    c = evaluation.criteria
    values = {
        evaluation.alpha: {c.api: (4, 5), c.export: (3, 3), c.doc: (8, 6)},
        evaluation.bravo: {c.api: (5, 1), c.export: (5, 5), c.doc: (10, 10)},
        evaluation.charlie: {c.api: (5, 5), c.export: (4, 4), c.doc: (9, 9)},
    }
    for bid, by_criterion in values.items():
        for criterion, (first, second) in by_criterion.items():
            Score.objects.create(bid=bid, criterion=criterion, evaluator=evaluation.eval1, value=first)
            Score.objects.create(bid=bid, criterion=criterion, evaluator=evaluation.eval2, value=second)
        Answer.objects.create(bid=bid, criterion=c.hds, text="HDS", compliant=bid is not evaluation.charlie)
    # Charlie's own "non" only suggests; the lead's recorded decision is what eliminates (issue 14).
    decide(evaluation.charlie, c.hds, "non_compliant", user=evaluation.lead)
    Consensus.objects.create(bid=evaluation.bravo, criterion=c.api, value=2, justification="Démo décevante")


def test_it_answers_the_ranked_results_in_the_contract_shape(api, evaluation):
    fill(evaluation)
    response = api(evaluation.lead).get(url(evaluation.tender))
    assert response.status_code == 200, response.json()
    body = response.json()
    c = evaluation.criteria
    assert body["price_formula"] == "proportional"
    alpha, bravo, charlie = body["bids"]
    assert {
        k: alpha[k]
        for k in ("bid", "vendor", "eligible", "eliminated_by", "technical_points", "price_points", "total", "rank")
    } == {
        "bid": evaluation.alpha.pk,
        "vendor": "Alpha",
        "eligible": True,
        "eliminated_by": [],
        "technical_points": 46.2,
        "price_points": 40.0,
        "total": 86.2,
        "rank": 1,
    }
    assert [(row["criterion"], row["score"], row["points"]) for row in alpha["criteria"]] == [
        (c.technical.pk, None, 46.2),
        (c.api.pk, 4.5, 27.0),
        (c.export.pk, 3.0, 10.8),
        (c.doc.pk, 7.0, 8.4),
        (c.price.pk, None, 40.0),
        (c.hds.pk, None, None),
    ]
    assert (bravo["technical_points"], bravo["price_points"], bravo["total"], bravo["rank"]) == (42.0, 32.0, 74.0, 2)
    assert (charlie["eligible"], charlie["eliminated_by"], charlie["rank"]) == (False, [c.hds.pk], None)


def test_it_applies_the_tender_price_formula(api, evaluation):
    fill(evaluation)
    evaluation.tender.price_formula = "linear"
    evaluation.tender.save()
    bravo = api(evaluation.lead).get(url(evaluation.tender)).json()["bids"][1]
    assert (bravo["vendor"], bravo["price_points"], bravo["total"]) == ("Bravo", 30.0, 72.0)


def test_it_names_the_level_and_its_sum_when_weights_do_not_add_up(api, evaluation):
    Criterion.objects.filter(pk=evaluation.criteria.export.pk).update(weight=25)
    response = api(evaluation.lead).get(url(evaluation.tender), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response.json() == {
        "criteria": ["Les poids des sous-critères de « Valeur technique » totalisent 95 % au lieu de 100 %."]
    }


def test_it_names_the_top_level_when_it_does_not_add_up(api, evaluation):
    Criterion.objects.filter(pk=evaluation.criteria.price.pk).update(weight="30.5")
    response = api(evaluation.lead).get(url(evaluation.tender))
    assert response.status_code == 400
    assert "niveau supérieur" in response.json()["criteria"][0] and "90,5 %" in response.json()["criteria"][0]


def test_it_shows_results_to_evaluators_only_after_reveal_and_never_to_outsiders(api, evaluation, outsider, hospital):
    fill(evaluation)
    assert api(evaluation.eval1).get(url(evaluation.tender)).status_code == 403
    assert api(outsider).get(url(evaluation.tender)).status_code == 404
    assert api(member(hospital, "curator", username="cur")).get(url(evaluation.tender)).status_code == 403
    api(evaluation.lead).post(f"/api/v1/tenders/{evaluation.tender.pk}/reveal/")
    assert api(evaluation.eval1).get(url(evaluation.tender)).status_code == 200


def test_it_computes_results_in_a_fixed_number_of_queries(api, evaluation, django_assert_num_queries):
    fill(evaluation)
    fresh = type(evaluation.lead).objects.get
    client = api(fresh(pk=evaluation.lead.pk))
    # roles, tender, its lots, is the lead an evaluator?, criteria, bids, scores, consensus, answers, eliminatory
    # decisions, scores per evaluator, evaluators (the last two for `blocking`), the award
    with django_assert_num_queries(13):
        client.get(url(evaluation.tender))
    criteria = evaluation.criteria
    for n in range(15):
        bid = Bid.objects.create(tender=evaluation.tender, vendor=f"V{n}", price=100000 + n)
        for criterion in (criteria.api, criteria.export):
            Score.objects.create(bid=bid, criterion=criterion, evaluator=evaluation.eval1, value=n % 6)
        Answer.objects.create(bid=bid, criterion=criteria.hds, compliant=True)
    client = api(fresh(pk=evaluation.lead.pk))
    with django_assert_num_queries(13):
        assert len(client.get(url(evaluation.tender)).json()["bids"]) == 18

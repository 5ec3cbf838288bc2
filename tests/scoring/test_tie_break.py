"""Bids tied first on the total: the tender announces in its RC how the tie is settled (best technical
score then lowest price, or the reverse); the award applies that rule, ranks stay shared (API.md), and
a tie the rule cannot settle keeps the results provisional with no awardee."""

from decimal import Decimal

import pytest

from scoring import selectors
from scoring.rules import BidResult
from tenders.models import TieBreak

from .conftest import make_tender

pytestmark = pytest.mark.django_db


def result(bid, vendor, technical, price_points, price, rank=1):
    technical, price_points = Decimal(technical), Decimal(price_points)
    return BidResult(
        bid=bid,
        vendor=vendor,
        eligible=True,
        eliminated_by=[],
        criteria=[],
        technical_points=technical,
        price_points=price_points,
        total=technical + price_points,
        rank=rank,
        price=Decimal(price),
    )


def tied():
    # 52 + 28 = 50 + 30: Alpha is better technically, Bravo cheaper; Charlie third.
    return [
        result(1, "Alpha", "52", "28", "150000"),
        result(2, "Bravo", "50", "30", "140000"),
        result(3, "Charlie", "40", "25", "168000", rank=3),
    ]


@pytest.mark.parametrize(("rule", "retained"), [(TieBreak.TECHNICAL, 1), (TieBreak.PRICE, 2)])
def test_the_announced_rule_settles_a_tie_for_first_and_the_retained_bid_leads(rule, retained):
    outcome = selectors.Outcome(tied(), {}, None, tie_break=rule)

    assert (outcome.provisional, outcome.blocking, outcome.awardee) == (False, [], retained)
    assert [r.rank for r in outcome.results] == [1, 1, 3]  # ranks stay shared
    assert outcome.results[0].bid == retained
    assert outcome.tie["bids"] == [1, 2] and outcome.tie["retained"] == retained
    assert "Alpha, Bravo" in outcome.tie["message"]
    assert ("Alpha" if retained == 1 else "Bravo") + " est retenue" in outcome.tie["message"]


def test_a_tie_the_rule_cannot_settle_keeps_the_results_provisional():
    twins = [result(1, "Alpha", "50", "30", "140000"), result(2, "Bravo", "50", "30", "140000")]
    for rule in TieBreak.values:
        outcome = selectors.Outcome(twins, {}, None, tie_break=rule)
        assert outcome.awardee is None and outcome.tie is None and outcome.provisional
        assert [item["code"] for item in outcome.blocking] == ["tie_for_first"]


def test_no_tie_no_tie_break():
    outcome = selectors.Outcome(tied()[1:], {}, None)
    assert outcome.tie is None and outcome.awardee == 2


def test_the_tender_api_takes_the_rule_and_names_a_wrong_one(api, buyer, hospital):
    tender = make_tender(hospital)
    url = f"/api/v1/tenders/{tender.pk}/"
    assert api(buyer).get(url).json()["tie_break"] == "technical"
    assert api(buyer).patch(url, {"tie_break": "price"}, format="json").json()["tie_break"] == "price"
    response = api(buyer).patch(url, {"tie_break": "lots"}, format="json")
    assert response.status_code == 400 and "tie_break" in response.json()
    tender.refresh_from_db()
    assert tender.tie_break == "price"


def test_the_results_api_says_null_without_a_tie(api, evaluation):
    body = api(evaluation.lead).get(f"/api/v1/tenders/{evaluation.tender.pk}/results/").json()
    assert body["tie_break"] is None


def test_the_tender_form_offers_the_rule_with_what_it_does(buyer, hospital):
    from django.test import Client

    client = Client()
    client.force_login(buyer)
    page = client.get("/tenders/new/").content.decode()
    assert 'name="tie_break"' in page and "Départage des offres à égalité" in page
    assert "Meilleure note technique, puis prix le plus bas" in page
    assert "annoncée dans le règlement de la consultation" in page

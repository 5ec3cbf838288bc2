"""Simulation before publishing: a three-bid example computed by hand, through the rules, the API and the page.

The tender: "Valeur technique" 60 (one scored leaf, scale 0–5), "Prix" 40, "HDS" eliminatory.
The hypothetical bids:
    A  80 000 €, technical level 3/5   → 3/5 × 60 = 36 technical points
    B 100 000 €, technical level 4/5   → 48
    C 125 000 €, technical "90%" = 4.5 → 54
Price points (share 40, P_min 80 000, P_max 125 000):
    proportional P_min/P × 40:            A 40       B 32          C 25.6      → B 80, C 79.6, A 76
    linear (1 − (P − P_min)/P_min) × 40:  A 40       B 30          C 17.5      → B 78, A 76, C 71.5 (order flips)
    range (P_max − P)/(P_max − P_min) × 40: A 40     B 22.222222   C 0         → A 76, B 70.222222, C 54 (winner flips)
Weight moves of 5 points under the tender's formula (proportional):
    Prix → Valeur technique (65/35): A 39 + 35 = 74, B 52 + 28 = 80, C 58.5 + 22.4 = 80.9 → C, B, A (winner flips)
    Valeur technique → Prix (55/45): A 33 + 45 = 78, B 44 + 36 = 80, C 49.5 + 28.8 = 78.3 → B, C, A (no flip)
"""

from decimal import Decimal

import pytest
from django.test import Client

from scoring import rules, simulation
from scoring.models import AuditEvent, Criterion

from ..factories import member
from .conftest import publish

pytestmark = pytest.mark.django_db

C = rules.Criterion
CRITERIA = [
    C(1, "Valeur technique", "scored", 60, position=1),
    C(2, "Prix", "price", 40, position=2),
    C(3, "HDS", "eliminatory", None, scale_max=1, position=3),
]


def example_bids(technical=1):
    return [
        {"name": "A", "price": 80000, "scores": {str(technical): 3}},
        {"name": "B", "price": 100000, "scores": {str(technical): "4"}},
        {"name": "C", "price": 125000, "scores": {str(technical): "90%"}},
    ]


def table(ranking):
    return [(row["name"], row["rank"], row["total"]) for row in ranking]


def test_it_ranks_the_example_under_the_three_formulas_as_computed_by_hand():
    out = simulation.as_json(simulation.simulate(criteria=CRITERIA, bids=example_bids()))
    formulas = {f["formula"]: f for f in out["formulas"]}
    assert table(out["baseline"]["ranking"]) == [("B", 1, 80.0), ("C", 2, 79.6), ("A", 3, 76.0)]
    assert table(formulas["proportional"]["ranking"]) == [("B", 1, 80.0), ("C", 2, 79.6), ("A", 3, 76.0)]
    assert table(formulas["linear"]["ranking"]) == [("B", 1, 78.0), ("A", 2, 76.0), ("C", 3, 71.5)]
    assert table(formulas["range"]["ranking"]) == [("A", 1, 76.0), ("B", 2, 70.222222), ("C", 3, 54.0)]
    assert [r["price_points"] for r in formulas["range"]["ranking"]] == [40.0, 22.222222, 0.0]
    assert [(f["flip"], f["winner_changed"]) for f in out["formulas"]] == [(False, False), (True, False), (True, True)]
    assert formulas["range"]["winner"] == ["A"]


def test_it_moves_five_points_between_top_level_criteria_and_reports_the_flip():
    out = simulation.as_json(simulation.simulate(criteria=CRITERIA, bids=example_bids(), step=5))
    moves = {(m["from"], m["to"]): m for m in out["weight_changes"]}
    assert set(moves) == {(1, 2), (2, 1)}
    to_technical = moves[(2, 1)]
    assert to_technical["weights"] == {"1": 65.0, "2": 35.0}
    assert table(to_technical["ranking"]) == [("C", 1, 80.9), ("B", 2, 80.0), ("A", 3, 74.0)]
    assert (to_technical["flip"], to_technical["winner_changed"]) == (True, True)
    to_price = moves[(1, 2)]
    assert table(to_price["ranking"]) == [("B", 1, 80.0), ("C", 2, 78.3), ("A", 3, 78.0)]
    assert to_price["flip"] is False
    assert [(f["kind"], f.get("formula"), f["winner_changed"]) for f in out["flips"]] == [
        ("formula", "linear", False),
        ("formula", "range", True),
        ("weights", None, True),
    ]
    assert "« Prix » vers « Valeur technique »" in out["flips"][2]["message"]


def test_it_checks_that_the_lowest_price_gets_the_full_price_mark():
    out = simulation.simulate(criteria=CRITERIA, bids=example_bids())
    assert all(f["lowest_price_gets_full_share"] for f in out["formulas"])
    assert out["warnings"] == []
    assert all(simulation.formula_gives_full_share_to_lowest(f) for f in rules.PRICE_FORMULAS)


def test_it_warns_when_a_formula_would_not_give_the_lowest_price_the_full_mark(monkeypatch):
    real = rules.price_points

    def capped(price, *, formula, p_min, p_max, share):  # a formula that never gives more than 90 %
        points = real(price, formula=formula, p_min=p_min, p_max=p_max, share=share)
        return points * Decimal("0.9") if formula == "range" else points

    monkeypatch.setattr(rules, "price_points", capped)
    out = simulation.simulate(criteria=CRITERIA, bids=example_bids())
    assert [w["formula"] for w in out["warnings"] if w["code"] == "ce_2013"] == ["range"]
    assert "370789" in out["warnings"][0]["message"]
    assert [f["lowest_price_gets_full_share"] for f in out["formulas"]] == [True, True, False]


def test_it_warns_when_there_is_no_price_criterion():
    criteria = [C(1, "Valeur technique", "scored", 100)]
    out = simulation.simulate(criteria=criteria, bids=example_bids())
    assert [w["code"] for w in out["warnings"]] == ["no_price"]
    assert out["formulas"][0]["lowest_price_gets_full_share"] is None


def test_it_generates_three_profiles_from_the_criteria():
    profiles = simulation.profiles(CRITERIA)
    assert [(p["profile"], p["price"], p["scores"]) for p in profiles] == [
        ("cheap_weak", Decimal("80000.00"), {"1": "40%"}),
        ("expensive_strong", Decimal("130000.00"), {"1": "90%"}),
        ("balanced", Decimal("100000.00"), {"1": "70%"}),
    ]
    out = simulation.as_json(simulation.simulate(criteria=CRITERIA, bids=profiles))
    # 40 % → 2/5 × 60 = 24 + 40 = 64; 90 % → 54 + 80000/130000 × 40 = 78.615385; 70 % → 42 + 32 = 74
    assert table(out["baseline"]["ranking"]) == [
        ("Plus chère et solide", 1, 78.615385),
        ("Équilibrée", 2, 74.0),
        ("Moins chère et faible", 3, 64.0),
    ]


def test_it_names_the_bid_and_criterion_of_a_bad_level():
    with pytest.raises(simulation.SimulationError) as caught:
        simulation.simulate(criteria=CRITERIA, bids=[{"name": "X", "price": 10, "scores": {"1": 6}}])
    assert caught.value.errors["bids"] == [
        "Offre « X », critère « Valeur technique » : La note doit être comprise entre 0 et 5."
    ]
    with pytest.raises(simulation.SimulationError):
        simulation.simulate(criteria=CRITERIA, bids=[{"name": "X", "price": 10, "scores": {"3": 1}}])
    with pytest.raises(simulation.SimulationError):
        simulation.simulate(criteria=CRITERIA, bids=[{"name": "X", "price": 0}])


# Through the API and the page -----------------------------------------------------------------------


@pytest.fixture
def tender_criteria(tender):
    technical = Criterion.objects.create(tender=tender, name="Valeur technique", kind="scored", weight=60, position=1)
    Criterion.objects.create(tender=tender, name="Prix", kind="price", weight=40, position=2)
    Criterion.objects.create(tender=tender, name="HDS", kind="eliminatory", scale_max=1, position=3)
    return technical


def url(tender):
    return f"/api/v1/tenders/{tender.pk}/simulate/"


def test_it_simulates_through_the_api_before_and_after_publishing_and_writes_nothing(
    api, tender, buyer, tender_criteria
):
    events = AuditEvent.objects.count()
    body = {"bids": example_bids(tender_criteria.pk), "step": 5}
    draft = api(buyer).post(url(tender), body, format="json")
    assert draft.status_code == 200, draft.json()
    result = draft.json()
    assert table(result["formulas"][2]["ranking"]) == [("A", 1, 76.0), ("B", 2, 70.222222), ("C", 3, 54.0)]
    assert [(f["kind"], f["winner_changed"]) for f in result["flips"]] == [
        ("formula", False),
        ("formula", True),
        ("weights", True),
    ]
    publish(tender)
    assert api(buyer).post(url(tender), body, format="json").json() == result
    assert AuditEvent.objects.count() == events


def test_it_simulates_the_generated_profiles_when_no_bid_is_given(api, tender, buyer, tender_criteria):
    response = api(buyer).post(url(tender), {}, format="json")
    assert response.status_code == 200
    assert [b["name"] for b in response.json()["bids"]] == [
        "Moins chère et faible",
        "Plus chère et solide",
        "Équilibrée",
    ]


def test_it_refuses_a_bad_simulation_with_readable_reasons(api, tender, buyer, tender_criteria):
    bad = api(buyer).post(url(tender), {"bids": [{"name": "X", "price": 10, "scores": {"999": 1}}]}, format="json")
    assert bad.status_code == 400 and "999" in bad.json()["bids"][0]
    Criterion.objects.filter(name="Prix").update(weight=30)
    unusable = api(buyer).post(url(tender), {"bids": example_bids(tender_criteria.pk)}, format="json")
    assert unusable.status_code == 400 and "90 %" in unusable.json()["criteria"][0]


def test_it_lets_only_the_lead_of_the_organisation_simulate(
    api, tender, buyer, hospital, hospital_admin, evaluator, outsider, tender_criteria
):
    body = {"bids": example_bids(tender_criteria.pk)}
    assert api(hospital_admin).post(url(tender), body, format="json").status_code == 200
    assert api(evaluator).post(url(tender), body, format="json").status_code == 403
    assert api(member(hospital, "curator", username="cur")).post(url(tender), body, format="json").status_code == 403
    assert api(outsider).post(url(tender), body, format="json").status_code == 404


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def page_url(tender):
    return f"/evaluation/tenders/{tender.pk}/simulation/"


def form(technical):
    data = {}
    for index, bid in enumerate(example_bids(technical)):
        data[f"bid-{index}-name"] = bid["name"]
        data[f"bid-{index}-price"] = str(bid["price"])
        data[f"bid-{index}-c{technical}"] = str(bid["scores"][str(technical)])
    return data


def test_it_shows_the_flip_and_the_rankings_on_the_page(tender, buyer, tender_criteria):
    client = page_client(buyer)
    empty = client.get(page_url(tender))
    assert empty.status_code == 200 and 'name="bid-5-name"' in empty.content.decode()
    response = client.post(page_url(tender), {**form(tender_criteria.pk), "step": "5"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="simulation-flips"' in html and 'role="alert"' in html
    assert "le classement change et l&#x27;offre classée première aussi" in html
    assert "« Prix » vers « Valeur technique »" in html
    assert "70,22" in html and "80,90" in html  # range: B 70.22; Prix → technique: C 80.90
    assert 'id="simulation-ce2013"' not in html


def test_it_fills_the_form_with_the_generated_profiles(tender, buyer, tender_criteria):
    html = page_client(buyer).get(page_url(tender), {"profiles": "1"}).content.decode()
    assert 'value="Moins chère et faible"' in html and 'value="90%"' in html


def test_it_links_the_simulation_from_the_overview_and_hides_it_from_others(
    tender, buyer, evaluator, outsider, tender_criteria
):
    overview = page_client(buyer).get(f"/evaluation/tenders/{tender.pk}/").content.decode()
    assert f'href="{page_url(tender)}"' in overview
    assert page_client(evaluator).get(page_url(tender)).status_code == 403
    assert page_client(outsider).get(page_url(tender)).status_code == 404
    assert page_client(outsider).post(page_url(tender), form(tender_criteria.pk)).status_code == 404


def test_it_shows_the_conseil_d_etat_banner_when_price_does_not_count(tender, buyer):
    technical = Criterion.objects.create(tender=tender, name="Valeur technique", kind="scored", weight=100)
    html = page_client(buyer).post(page_url(tender), form(technical.pk)).content.decode()
    assert 'id="simulation-ce2013"' in html and "Aucun critère de prix pondéré" in html


def test_it_explains_on_the_page_why_a_simulation_cannot_run(tender, buyer, tender_criteria):
    data = {**form(tender_criteria.pk), f"bid-0-c{tender_criteria.pk}": "7"}
    response = page_client(buyer).post(page_url(tender), data)
    assert response.status_code == 400
    assert (
        "Offre « A », critère « Valeur technique » : La note doit être comprise entre 0 et 5."
        in response.content.decode()
    )


def test_it_simulates_in_a_number_of_queries_that_does_not_grow_with_the_bids(api, tender, buyer, tender_criteria):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(bids):
        client = api(type(buyer).objects.get(pk=buyer.pk))
        with CaptureQueriesContext(connection) as captured:
            assert client.post(url(tender), {"bids": bids}, format="json").status_code == 200
        return len(captured)

    three = example_bids(tender_criteria.pk)
    assert (
        count(three) == count(three + [{**b, "name": b["name"] + "2"} for b in three]) == 4
    )  # roles, tender, is the lead an evaluator?, criteria

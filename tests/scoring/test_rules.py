"""The scoring arithmetic, checked against examples computed by hand and against properties."""

import random
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import rules
from scoring.rules import Bid, Criterion

D = Decimal


def tree():
    """Two levels: technical value (60) with three sub-criteria, price (40), one eliminatory requirement.

    Shares of the 100 points: API FHIR 60 × 50 % = 30, Export 60 × 30 % = 18, Documentation 60 × 20 % = 12,
    Price 40.
    """
    return [
        Criterion(1, "Valeur technique", "scored", 60, position=1),
        Criterion(11, "API FHIR", "scored", 50, parent=1, position=1),
        Criterion(12, "Export", "scored", 30, parent=1, position=2),
        Criterion(13, "Documentation", "scored", 20, parent=1, scale_max=10, position=3),
        Criterion(2, "Prix", "price", 40, position=2),
        Criterion(3, "Hébergement HDS", "eliminatory", None, position=3),
    ]


BIDS = [Bid(101, "Alpha", 100_000), Bid(102, "Bravo", 125_000), Bid(103, "Charlie", 80_000)]
SCORES = {
    # Alpha: API (4+5)/2 = 4.5 → 4.5/5 × 30 = 27; Export 3 → 3/5 × 18 = 10.8; Doc (8+6)/2 = 7 → 7/10 × 12 = 8.4
    (101, 11): [4, 5],
    (101, 12): [3, 3],
    (101, 13): [8, 6],
    # Bravo: API mean 3 but consensus 2 → 2/5 × 30 = 12; Export 5 → 18; Doc 10 → 12
    (102, 11): [5, 1],
    (102, 12): [5, 5],
    (102, 13): [10, 10],
    # Charlie: API 5 → 30; Export 4 → 14.4; Doc 9 → 10.8 (but eliminated: not compliant with HDS)
    (103, 11): [5, 5],
    (103, 12): [4, 4],
    (103, 13): [9, 9],
}
CONSENSUS = {(102, 11): D(2)}
COMPLIANCE = {(101, 3): True, (102, 3): True, (103, 3): False}


def results(formula, **overrides):
    arguments = {
        "criteria": tree(),
        "bids": BIDS,
        "scores": SCORES,
        "consensus": CONSENSUS,
        "compliance": COMPLIANCE,
        "price_formula": formula,
    }
    arguments.update(overrides)
    body = rules.results_as_dict(rules.compute_results(**arguments), formula)
    return {row["vendor"]: row for row in body["bids"]}, body


def points(row):
    return {c["criterion"]: c["points"] for c in row["criteria"]}


def test_it_computes_technical_points_from_means_and_consensus():
    by_vendor, _body = results("proportional")
    alpha, bravo, charlie = by_vendor["Alpha"], by_vendor["Bravo"], by_vendor["Charlie"]
    assert points(alpha) == {1: 46.2, 11: 27.0, 12: 10.8, 13: 8.4, 2: 40.0, 3: None}
    assert alpha["technical_points"] == 46.2
    # the consensus (2) overrides the mean of 5 and 1 (3)
    assert {c["criterion"]: c["score"] for c in bravo["criteria"]}[11] == 2.0
    assert points(bravo)[11] == 12.0
    assert bravo["technical_points"] == 42.0
    assert charlie["technical_points"] == 55.2


def test_it_eliminates_a_non_compliant_bid_and_leaves_it_unranked():
    by_vendor, body = results("proportional")
    charlie = by_vendor["Charlie"]
    assert charlie["eligible"] is False
    assert charlie["eliminated_by"] == [3]
    assert charlie["rank"] is None
    assert [row["vendor"] for row in body["bids"]] == ["Alpha", "Bravo", "Charlie"]


def test_it_applies_the_proportional_formula_over_eligible_prices():
    # P_min = 100 000 (Alpha; Charlie's 80 000 is not eligible). Alpha 40; Bravo 100/125 × 40 = 32.
    by_vendor, body = results("proportional")
    assert body["price_formula"] == "proportional"
    assert by_vendor["Alpha"]["price_points"] == 40.0
    assert by_vendor["Bravo"]["price_points"] == 32.0
    assert by_vendor["Alpha"]["total"] == 86.2
    assert by_vendor["Bravo"]["total"] == 74.0
    assert (by_vendor["Alpha"]["rank"], by_vendor["Bravo"]["rank"]) == (1, 2)


def test_it_applies_the_linear_formula():
    # Bravo: 1 − (125 000 − 100 000) / 100 000 = 0.75 → 30 points
    by_vendor, _body = results("linear")
    assert by_vendor["Alpha"]["price_points"] == 40.0
    assert by_vendor["Bravo"]["price_points"] == 30.0
    assert by_vendor["Bravo"]["total"] == 72.0


def test_it_floors_the_linear_formula_at_zero():
    bids = [Bid(101, "Alpha", 100_000), Bid(102, "Bravo", 250_000), Bid(103, "Charlie", 80_000)]
    by_vendor, _body = results("linear", bids=bids)
    assert by_vendor["Bravo"]["price_points"] == 0.0


def test_it_applies_the_range_formula():
    # P_max = 125 000, P_min = 100 000: Alpha (125−100)/(125−100) = 1 → 40; Bravo 0
    by_vendor, _body = results("range")
    assert by_vendor["Alpha"]["price_points"] == 40.0
    assert by_vendor["Bravo"]["price_points"] == 0.0
    assert by_vendor["Bravo"]["total"] == 42.0


def test_it_gives_the_full_share_under_range_when_all_prices_are_equal():
    bids = [Bid(101, "Alpha", 90_000), Bid(102, "Bravo", 90_000)]
    by_vendor, _body = results("range", bids=bids)
    assert by_vendor["Alpha"]["price_points"] == by_vendor["Bravo"]["price_points"] == 40.0


def test_it_never_gives_an_ineligible_cheaper_bid_more_than_the_price_share():
    by_vendor, _body = results("proportional")
    assert by_vendor["Charlie"]["price_points"] == 40.0
    assert by_vendor["Charlie"]["total"] == 95.2


def test_it_eliminates_on_a_consensus_of_zero():
    consensus = {**CONSENSUS, (101, 3): D(0)}
    by_vendor, _body = results("proportional", consensus=consensus)
    assert by_vendor["Alpha"]["eligible"] is False
    assert by_vendor["Alpha"]["eliminated_by"] == [3]
    # Bravo is now the only eligible bid: the cheapest, full price share, rank 1
    assert by_vendor["Bravo"]["price_points"] == 40.0
    assert by_vendor["Bravo"]["rank"] == 1


def test_it_shares_ranks_on_ties_and_skips_the_next():
    criteria = [Criterion(1, "Qualité", "scored", 100)]
    bids = [Bid(1, "W"), Bid(2, "X"), Bid(3, "Y"), Bid(4, "Z")]
    scores = {(1, 1): [5], (2, 1): [4], (3, 1): [4, 4], (4, 1): [3]}
    out = rules.compute_results(criteria=criteria, bids=bids, scores=scores)
    assert [(r.vendor, r.rank, rules.as_number(r.total)) for r in out] == [
        ("W", 1, 100.0),
        ("X", 2, 80.0),
        ("Y", 2, 80.0),
        ("Z", 4, 60.0),
    ]


def test_it_ties_totals_that_are_equal_on_paper_despite_rounding():
    # X: a = mean(1, 2, 2) = 5/3 → 5/3 / 5 × 60 = 20, b = 5 → 40: total 60 (computed with a repeating decimal)
    # Y: a = 5 → 60, b = 0: total 60
    criteria = [Criterion(1, "a", "scored", 60), Criterion(2, "b", "scored", 40)]
    bids = [Bid(1, "X"), Bid(2, "Y")]
    scores = {(1, 1): [1, 2, 2], (1, 2): [5], (2, 1): [5], (2, 2): [0]}
    out = rules.compute_results(criteria=criteria, bids=bids, scores=scores)
    assert [r.rank for r in out] == [1, 1]
    assert [rules.as_number(r.total) for r in out] == [60.0, 60.0]


def test_it_counts_an_unscored_leaf_as_zero_points_with_no_score():
    criteria = [Criterion(1, "a", "scored", 50), Criterion(2, "b", "scored", 50)]
    out = rules.compute_results(criteria=criteria, bids=[Bid(1, "X")], scores={(1, 1): [5]})
    row = out[0].as_dict()
    assert row["criteria"] == [
        {"criterion": 1, "score": 5.0, "points": 50.0, "dispersion": False},
        {"criterion": 2, "score": None, "points": 0.0, "dispersion": False},
    ]
    assert row["total"] == 50.0


def test_it_computes_shares_through_ancestors():
    assert rules.shares(tree()) == {1: D(60), 11: D(30), 12: D(18), 13: D(12), 2: D(40)}


def test_it_names_the_top_level_and_its_sum_when_weights_do_not_add_up():
    criteria = [Criterion(1, "a", "scored", 50), Criterion(2, "Prix", "price", 40)]
    with translation.override("fr"), pytest.raises(rules.CriteriaError) as error:
        rules.check_criteria(criteria)
    (problem,) = error.value.problems
    assert problem.level is None and problem.total == 90
    assert problem.message == "Les poids du niveau supérieur totalisent 90 % au lieu de 100 %."


def test_it_names_the_parent_and_its_sum_for_a_sub_level():
    criteria = tree()
    criteria[3] = Criterion(13, "Documentation", "scored", D("15.5"), parent=1)
    with translation.override("fr"), pytest.raises(rules.CriteriaError) as error:
        rules.check_criteria(criteria)
    (problem,) = error.value.problems
    assert problem.level == "Valeur technique" and problem.total == D("95.5")
    assert "« Valeur technique »" in problem.message and "95,5 %" in problem.message


def test_it_reports_every_level_that_does_not_sum_to_100():
    criteria = [Criterion(1, "a", "scored", 50), Criterion(2, "b", "scored", 30, parent=1)]
    problems = rules.validate_weights(criteria)
    assert [(p.level, p.total) for p in problems] == [(None, 50), ("a", 30)]


def test_it_requires_the_top_level_to_sum_to_100_even_when_empty():
    assert [(p.level, p.total) for p in rules.validate_weights([])] == [(None, 0)]


def test_it_refuses_a_weight_on_an_eliminatory_criterion():
    problems = rules.validate_structure([Criterion(1, "HDS", "eliminatory", 10)])
    assert [p.code for p in problems] == ["weight"]


def test_it_refuses_a_missing_weight_on_a_scored_criterion():
    problems = rules.validate_structure([Criterion(1, "a", "scored", None)])
    assert [p.code for p in problems] == ["weight"]


def test_it_refuses_two_price_criteria_and_a_nested_price():
    criteria = [
        Criterion(1, "Prix", "price", 50),
        Criterion(2, "Technique", "scored", 50),
        Criterion(3, "Prix bis", "price", 100, parent=2),
    ]
    codes = sorted(p.code for p in rules.validate_structure(criteria))
    assert codes == ["price", "price"]


def test_it_refuses_children_under_a_price_or_eliminatory_criterion():
    criteria = [Criterion(1, "Prix", "price", 100), Criterion(2, "x", "scored", 100, parent=1)]
    assert "parent" in [p.code for p in rules.validate_structure(criteria)]


def test_it_refuses_a_cycle():
    criteria = [Criterion(1, "a", "scored", 100, parent=2), Criterion(2, "b", "scored", 100, parent=1)]
    assert "cycle" in [p.code for p in rules.validate_structure(criteria)]


def test_it_refuses_a_price_that_is_not_positive():
    bids = [Bid(101, "Alpha", 0), Bid(102, "Bravo", 125_000), Bid(103, "Charlie", 80_000)]
    with pytest.raises(rules.PriceError) as error:
        results("proportional", bids=bids)
    assert error.value.bid == 101


def test_it_ignores_a_missing_price_of_an_eliminated_bid():
    bids = [Bid(101, "Alpha", 100_000), Bid(102, "Bravo", 125_000), Bid(103, "Charlie", None)]
    by_vendor, _body = results("proportional", bids=bids)
    assert by_vendor["Charlie"]["price_points"] == 0.0


@pytest.mark.parametrize(
    ("values", "scale_max", "flagged"),
    [
        ([1, 3], 5, True),
        ([1, 2.9], 5, False),
        ([4], 5, False),
        ([2, 5, 3], 5, True),
        ([2, 5], 10, False),
        ([2, 6], 10, True),
        ([0, 8], 20, True),
        ([0, 7.9], 20, False),
    ],
)
def test_it_flags_dispersion_at_two_fifths_of_the_scale(values, scale_max, flagged):
    assert rules.is_dispersed(values, scale_max) is flagged


def test_it_flags_dispersion_in_results():
    by_vendor, _body = results("proportional")
    assert {c["criterion"]: c["dispersion"] for c in by_vendor["Bravo"]["criteria"]}[11] is True
    assert {c["criterion"]: c["dispersion"] for c in by_vendor["Alpha"]["criteria"]}[11] is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([1, 1, 1], ["33.34", "33.33", "33.33"]),
        ([10, 20], ["33.33", "66.67"]),
        ([0, 0], ["50.00", "50.00"]),
        ([5], ["100.00"]),
        ([1] * 7, ["14.29"] * 4 + ["14.28"] * 3),
    ],
)
def test_it_normalises_weights_to_exactly_100(raw, expected):
    weights = rules.normalise_weights(raw)
    assert weights == [D(e) for e in expected]
    assert sum(weights) == 100


# ---------------------------------------------------------------------------
# Properties


@st.composite
def evaluations(draw):
    criteria, next_id = [], 1
    top_kinds = ["scored"] * draw(st.integers(1, 3)) + (["price"] if draw(st.booleans()) else [])
    top_weights = rules.normalise_weights(
        draw(st.lists(st.integers(1, 100), min_size=len(top_kinds), max_size=len(top_kinds)))
    )
    for position, (kind, weight) in enumerate(zip(top_kinds, top_weights, strict=True)):
        scale = draw(st.sampled_from([5, 10, 20])) if kind == "scored" else 5
        parent = Criterion(next_id, f"c{next_id}", kind, weight, scale_max=scale, position=position)
        criteria.append(parent)
        next_id += 1
        if kind == "scored":
            children = draw(st.integers(0, 3))
            child_weights = rules.normalise_weights(
                draw(st.lists(st.integers(1, 100), min_size=children, max_size=children))
            )
            for child_position, child_weight in enumerate(child_weights):
                criteria.append(
                    Criterion(
                        next_id,
                        f"c{next_id}",
                        "scored",
                        child_weight,
                        parent=parent.id,
                        scale_max=draw(st.sampled_from([5, 10])),
                        position=child_position,
                    )
                )
                next_id += 1
    if draw(st.booleans()):
        criteria.append(Criterion(next_id, f"c{next_id}", "eliminatory", None, position=99))
        next_id += 1
    bids = [Bid(1000 + i, f"vendor{i}", draw(st.integers(1, 1_000_000))) for i in range(draw(st.integers(1, 5)))]
    tree_ = rules.Tree(criteria)
    scores, consensus, compliance = {}, {}, {}
    for bid in bids:
        for criterion in criteria:
            key = (bid.id, criterion.id)
            if criterion.kind == "eliminatory":
                compliance[key] = draw(st.sampled_from([True, False, None]))
            elif tree_.is_scored_leaf(criterion):
                halves = st.integers(0, int(criterion.scale_max) * 2).map(lambda n: D(n) / 2)
                scores[key] = draw(st.lists(halves, max_size=3))
                if draw(st.booleans()):
                    consensus[key] = draw(halves)
    formula = draw(st.sampled_from(rules.PRICE_FORMULAS))
    return {
        "criteria": criteria,
        "bids": bids,
        "scores": scores,
        "consensus": consensus,
        "compliance": compliance,
        "price_formula": formula,
    }


@settings(max_examples=150, deadline=None)
@given(evaluations())
def test_it_keeps_every_total_within_0_and_100(evaluation):
    for result in rules.compute_results(**evaluation):
        assert 0 <= rules.rounded(result.total) <= 100
        assert 0 <= rules.rounded(result.technical_points) <= 100


@settings(max_examples=150, deadline=None)
@given(evaluations())
def test_it_gives_the_cheapest_eligible_bid_the_full_price_share_under_proportional(evaluation):
    evaluation["price_formula"] = "proportional"
    price = next((c for c in evaluation["criteria"] if c.kind == "price"), None)
    results_ = rules.compute_results(**evaluation)
    eligible = [r for r in results_ if r.eligible]
    if price is None or not eligible:
        return
    cheapest = min(r.price for r in eligible)
    for result in eligible:
        if result.price == cheapest:
            assert result.price_points == price.weight
        else:
            assert result.price_points < price.weight


@settings(max_examples=150, deadline=None)
@given(evaluations(), st.randoms(use_true_random=False))
def test_it_does_not_depend_on_the_order_of_criteria_or_bids(evaluation, rnd: random.Random):
    def summary(evaluation_):
        out = rules.compute_results(**evaluation_)
        return {r.vendor: (rules.as_number(r.total), r.rank, r.eligible, rules.as_number(r.price_points)) for r in out}

    before = summary(evaluation)
    # Same criteria and bids, created in another order: other ids, other list order.
    criterion_ids = [c.id for c in evaluation["criteria"]]
    new_ids = dict(
        zip(criterion_ids, rnd.sample(range(500, 500 + len(criterion_ids)), len(criterion_ids)), strict=True)
    )
    bid_ids = [b.id for b in evaluation["bids"]]
    new_bids = dict(zip(bid_ids, rnd.sample(range(5000, 5000 + len(bid_ids)), len(bid_ids)), strict=True))
    criteria = [
        Criterion(new_ids[c.id], c.name, c.kind, c.weight, new_ids.get(c.parent), c.scale_max, c.position)
        for c in evaluation["criteria"]
    ]
    bids = [Bid(new_bids[b.id], b.vendor, b.price) for b in evaluation["bids"]]
    rnd.shuffle(criteria)
    rnd.shuffle(bids)

    def remap(mapping):
        items = list(mapping.items())
        rnd.shuffle(items)
        return {(new_bids[b], new_ids[c]): v for (b, c), v in items}

    after = summary(
        {
            "criteria": criteria,
            "bids": bids,
            "scores": remap(evaluation["scores"]),
            "consensus": remap(evaluation["consensus"]),
            "compliance": remap(evaluation["compliance"]),
            "price_formula": evaluation["price_formula"],
        }
    )
    assert after == before

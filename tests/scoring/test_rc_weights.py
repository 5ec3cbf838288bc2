"""Weights the RC prints are the weights scoring applies (issue 22, item 5): property-based.

A tree of criteria (every level summing to 100, weights in hundredths as the model stores them) goes
through scoring's provider arithmetic (rules.shares → rules.exact_weight_text) and the RC writer
(documents.rendering.html.rc_criteria); the printed figures are read back and compared with what
rules.compute_results applies. The default tree (`from-clauses`) is rounded so that every printed
weight is whole cents.
"""

import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from documents.rendering.html import rc_criteria
from scoring import rules

SETTINGS = settings(max_examples=60, deadline=None)


def parse_percent(text):
    return Decimal(text.replace("\u00a0%", "").replace("\u202f", "").replace(" ", "").replace(",", "."))


@st.composite
def trees(draw):
    """[rules.Criterion] depth-first: up to 4 top-level criteria, each with up to 4 children, some with
    grandchildren; each level's weights are hundredths summing to exactly 100; a price criterion."""
    criteria, next_id = [], [1]

    def level(parent, depth, count):
        raw = draw(st.lists(st.integers(1, 97), min_size=count, max_size=count))
        for weight in rules.normalise_weights(raw):
            node_id = next_id[0]
            next_id[0] += 1
            criteria.append(rules.Criterion(id=node_id, name=f"c{node_id}", weight=weight, parent=parent))
            if depth < 2 and draw(st.booleans()):
                level(node_id, depth + 1, draw(st.integers(1, 4)))

    top = draw(st.integers(1, 4))
    raw = draw(st.lists(st.integers(1, 97), min_size=top + 1, max_size=top + 1))
    weights = rules.normalise_weights(raw)
    price_id = 1000
    criteria.append(rules.Criterion(id=price_id, name="Prix", kind=rules.PRICE, weight=weights[-1]))
    for weight in weights[:-1]:
        node_id = next_id[0]
        next_id[0] += 1
        criteria.append(rules.Criterion(id=node_id, name=f"c{node_id}", weight=weight))
        if draw(st.booleans()):
            level(node_id, 1, draw(st.integers(1, 4)))
    return criteria


def document_rows(criteria):
    """The rows scoring's provider gives the tender document (selectors.criteria_for_document), from pure data."""
    tree = rules.Tree(criteria)
    shares = rules.shares(criteria)
    rows = []
    for node, depth in tree.depth_first():
        rows.append(
            {
                "number": str(node.id),
                "name": node.name,
                "kind": node.kind,
                "weight": float(node.weight),
                "global_weight": float(rules.rounded(shares[node.id], 2)),
                "rounded_global_weight": rules.exact_weight_text(shares[node.id]),
                "depth": depth,
                "article": None,
                "id": node.id,
                "parent": node.parent,
            }
        )
    return rows, shares


@SETTINGS
@given(trees())
def test_the_rc_prints_the_weights_scoring_applies_and_they_add_up_exactly(criteria):
    rules.check_criteria(criteria)
    rows, shares = document_rows(criteria)
    rc = rc_criteria({"language": "fr", "criteria": rows})
    printed = {row["id"]: parse_percent(row["global_weight_display"]) for row in rc["rows"]}
    # Printed == applied, to the last decimal, at every level.
    assert printed == {node_id: share for node_id, share in shares.items()}
    # Two decimals at least, never rounded.
    for row in rc["rows"]:
        assert len(row["global_weight_display"].split(",")[1].replace("\u00a0%", "")) >= 2
    # The top level adds up to exactly 100.00 and the children of each criterion to its printed weight.
    assert sum(printed[row["id"]] for row in rows if row["depth"] == 0) == Decimal("100")
    assert parse_percent(rc["total_display"]) == Decimal("100")
    for row in rows:
        children = [printed[child["id"]] for child in rows if child["parent"] == row["id"]]
        if children:
            assert sum(children) == printed[row["id"]]


@SETTINGS
@given(trees(), st.data())
def test_points_computed_from_the_printed_weights_are_the_points_of_the_results(criteria, data):
    rows, _shares = document_rows(criteria)
    rc = rc_criteria({"language": "fr", "criteria": rows})
    printed = {row["id"]: parse_percent(row["global_weight_display"]) for row in rc["rows"]}
    tree = rules.Tree(criteria)
    leaves = [c for c in criteria if c.kind == rules.SCORED and tree.is_scored_leaf(c)]
    scores = {(1, leaf.id): [data.draw(st.integers(0, 5))] for leaf in leaves}
    (result,) = rules.compute_results(
        criteria=criteria, bids=[rules.Bid(id=1, vendor="A", price=Decimal(100))], scores=scores
    )
    points = {row["criterion"]: row["points"] for row in result.criteria}
    for leaf in leaves:
        # Points = note / note maximale × poids dans la note finale, with the RC's printed weight.
        assert points[leaf.id] == Decimal(scores[(1, leaf.id)][0]) / Decimal(5) * printed[leaf.id]


@SETTINGS
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=60),
    st.integers(1, 99_99).map(lambda cents: Decimal(cents) / 100),
)
def test_the_default_tree_rounds_the_sub_criteria_so_that_their_final_weights_are_whole_cents(raw, parent):
    weights = rules.exact_share_weights(raw, parent)
    assert len(weights) == len(raw)
    assert sum(weights) == Decimal("100.00")
    assert all(weight == weight.quantize(Decimal("0.01")) and weight >= 0 for weight in weights)
    units = math.gcd(int(parent * 100), 10000)
    if units >= 20 * len(raw):
        # Whole cents of the final mark: what the RC prints (two decimals) is exactly what is applied.
        for weight in weights:
            share = parent * weight / 100
            assert share == share.quantize(Decimal("0.01"))
        assert sum(parent * weight / 100 for weight in weights) == parent
        # Still proportional to the clauses' default weights, within one step.
        total = sum(raw) or len(raw)
        values = raw if sum(raw) else [1] * len(raw)
        step = Decimal(100) / units
        for value, weight in zip(values, weights, strict=True):
            assert abs(Decimal(value) * 100 / total - weight) <= step
    else:
        assert weights == rules.normalise_weights(raw)


def test_where_the_weights_were_already_exact_nothing_changes():
    """Shares already exact to the cent print with two decimals and the results are those of before."""
    assert rules.exact_share_weights([1, 1], Decimal(60)) == [Decimal("50.00"), Decimal("50.00")]
    assert rules.exact_share_weights([10, 10, 10], Decimal(100)) == rules.normalise_weights([10, 10, 10])
    assert rules.exact_weight_text(Decimal("30.0000")) == "30.00"
    assert rules.exact_weight_text(Decimal("1.464")) == "1.464"
    # The case: two sub-criteria of 2.44 % under a 60 % parent were printed 1.47 % and 1.46 % while
    # 1.464 % was applied to both; the default tree now gives weights whose final shares are whole cents.
    for weight in rules.exact_share_weights([244] * 2 + [9512], Decimal(60)):
        assert (Decimal(60) * weight / 100) % Decimal("0.01") == 0

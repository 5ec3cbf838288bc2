"""The rules that keep results provisional (scoring/provisional.py), on plain values: no database."""

from decimal import Decimal

from scoring import provisional
from scoring.rules import BidResult
from tenders.models import TieBreak


def result(bid, vendor, total, *, rank=1, eligible=True, undecided=(), dispersed=(), price="100000"):
    return BidResult(
        bid=bid,
        vendor=vendor,
        eligible=eligible,
        eliminated_by=[],
        criteria=[],
        technical_points=Decimal(total) - 30,
        price_points=Decimal(30),
        total=Decimal(total),
        rank=rank,
        price=Decimal(price),
        undecided=list(undecided),
        dispersed=list(dispersed),
    )


def test_an_evaluator_who_has_not_declared_or_scored_everything_blocks_by_name():
    evaluators = [
        provisional.EvaluatorProgress(name="Élise Martin", declared=False, scored=6),
        provisional.EvaluatorProgress(name="Paul Durand", declared=True, scored=4),
        provisional.EvaluatorProgress(name="Anne Fini", declared=True, scored=6),
    ]
    [reason] = provisional.pending_evaluators(evaluators, expected=6, unscored=0)
    assert reason["code"] == "evaluator_pending"
    assert "Élise Martin n'a pas déclaré" in reason["message"]
    assert "Paul Durand : 2 note(s) manquante(s)" in reason["message"]
    assert "Anne Fini" not in reason["message"]


def test_without_a_named_evaluator_the_unscored_cells_block_and_none_leaves_nothing():
    [reason] = provisional.pending_evaluators([], expected=0, unscored=3)
    assert "Aucun évaluateur désigné : 3 note(s) manquante(s)" in reason["message"]
    assert provisional.pending_evaluators([], expected=0, unscored=0) == []


def test_a_dispersed_leaf_blocks_only_without_consensus_and_only_for_a_bid_in_the_running():
    results = [result(1, "Alpha", 80, dispersed=[10, 11]), result(2, "Bravo", 70, rank=2, dispersed=[10])]
    names = {10: "API FHIR", 11: "Export"}
    [reason] = provisional.missing_consensus(results, {1}, {10, 11}, {(1, 11): Decimal(5)}, names)
    assert reason["message"] == "Notes trop dispersées sans consensus : Alpha (API FHIR)."


def test_an_undecided_requirement_of_an_eliminated_bid_does_not_block():
    names = {5: "Hébergement HDS"}
    results = [
        result(1, "Alpha", 80, eligible=None, undecided=[5]),
        result(2, "Bravo", 0, eligible=False, undecided=[5]),
    ]
    [reason] = provisional.undecided_requirements(results, names)
    assert reason["message"] == "Exigences éliminatoires non décidées : Alpha (Hébergement HDS)."


def test_the_verdict_keeps_the_other_reasons_first_and_names_no_awardee_while_any_remains():
    results = [result(1, "Alpha", 80), result(2, "Bravo", 70, rank=2)]
    final = provisional.verdict(results, [])
    assert (final.provisional, final.awardee, final.tie) == (False, 1, None)
    held = provisional.verdict(results, [{"code": "technical_open", "message": "…"}])
    assert held.provisional and held.awardee is None


def test_a_tie_the_rule_settles_puts_the_retained_bid_first_and_one_it_cannot_blocks_last():
    tied = [result(1, "Alpha", 80, price="120000"), result(2, "Bravo", 80, price="110000")]
    settled = provisional.verdict(tied, [], TieBreak.PRICE)
    assert [r.bid for r in settled.results] == [2, 1] and settled.awardee == 2
    assert settled.tie["retained"] == 2 and [r.rank for r in settled.results] == [1, 1]
    twins = [result(1, "Alpha", 80), result(2, "Bravo", 80)]
    held = provisional.verdict(twins, [{"code": "reopened", "message": "…"}], TieBreak.PRICE)
    assert [b["code"] for b in held.blocking] == ["reopened", "tie_for_first"] and held.awardee is None

"""The requirements × bids matrix: every eliminatory requirement of a tender against every bid, with what the
vendor declared and the lead's decision, read in a fixed number of queries (criteria, bids, answers,
decisions) whatever the number of bids or requirements. The page is scoring/views/matrix.py; the writes go
through `services.eliminatory_decide_many`."""

from . import selectors
from .models import Answer, Criterion, EliminatoryDecision


def cell_key(bid_id, criterion_id) -> str:
    """The name suffix of a cell's fields (`d-`, `q-`, `r-` + key) and the key of its errors."""
    return f"{bid_id}-{criterion_id}"


def requirement_matrix(tender) -> dict:
    """{"bids": [Bid], "rows": [{"criterion", "number", "cells": [{"key", "bid", "answer", "decision"}]}],
    "undecided": {bid id: count}}: the tender's eliminatory requirements in the order of the tree
    (numbers E1, E2…), each with a cell per bid."""
    requirements = [
        (criterion, number)
        for criterion, _depth, number, _share in selectors.criteria_tree(tender)
        if criterion.kind == Criterion.Kind.ELIMINATORY
    ]
    bids = list(selectors.bids_of(tender))
    ids = [criterion.pk for criterion, _number in requirements]
    answers = {
        (a.bid_id, a.criterion_id): a
        for a in Answer.objects.filter(bid__tender=tender, criterion_id__in=ids).only(
            "bid_id", "criterion_id", "text", "compliant"
        )
    }
    decisions = {
        (d.bid_id, d.criterion_id): d
        for d in EliminatoryDecision.objects.filter(bid__tender=tender, criterion_id__in=ids)
    }
    undecided = {bid.pk: 0 for bid in bids}
    rows = []
    for criterion, number in requirements:
        cells = []
        for bid in bids:
            decision = decisions.get((bid.pk, criterion.pk))
            if decision is None or decision.decision == EliminatoryDecision.Decision.REGULARISATION_REQUESTED:
                undecided[bid.pk] += 1
            cells.append(
                {
                    "key": cell_key(bid.pk, criterion.pk),
                    "bid": bid,
                    "answer": answers.get((bid.pk, criterion.pk)),
                    "decision": decision,
                }
            )
        rows.append({"criterion": criterion, "number": number, "cells": cells})
    return {"bids": bids, "rows": rows, "undecided": undecided}

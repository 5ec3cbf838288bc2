"""Reads of the evaluation, each in a fixed number of queries whatever the number of bids or criteria."""

from collections import defaultdict

from django.db.models import Count, Max, Min, OuterRef, Subquery, Sum
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError
from tenders.models import TenderClause, TieBreak

from . import allotment, commitments, provisional, rules, wording
from .models import (
    Answer,
    AuditEvent,
    Bid,
    Consensus,
    Criterion,
    EliminatoryDecision,
    EvaluationState,
    Evaluator,
    ProcedureRecord,
    Score,
)


def criteria_of(tender):
    return Criterion.objects.filter(tender=tender).order_by("position", "id")


def lot_param(tender, value):
    """The tender's lot named by a `?lot=` value: required when the tender has lots, refused when it has none
    (ApplicationError naming `lot`)."""
    lots = {lot.pk: lot for lot in tender.lots.all()}
    if value in (None, ""):
        if lots:
            raise ApplicationError({"lot": [_("L'appel d'offres a des lots : indiquez le lot (?lot=).")]})
        return None
    if not str(value).isdigit() or int(value) not in lots:
        raise ApplicationError({"lot": [_("Lot inconnu dans cet appel d'offres.")]})
    return lots[int(value)]


def criterion_in(tender, pk):
    """The tender's criterion `pk`, or None (another tender's criterion is unknown here)."""
    return None if pk is None else Criterion.objects.filter(tender=tender, pk=pk).first()


def tender_clause_in(tender, pk):
    """The tender's clause `pk`, or None."""
    return None if pk is None else TenderClause.objects.filter(tender=tender, pk=pk).first()


def rule_criteria(criteria) -> list[rules.Criterion]:
    return [
        rules.Criterion(
            id=c.pk,
            name=c.name,
            kind=c.kind,
            weight=c.weight,
            parent=c.parent_id,
            scale_max=c.scale_max,
            position=c.position,
        )
        for c in criteria
    ]


def criteria_tree(tender, lot=None):
    """[(criterion, depth, number, share)] depth-first, with numbers "1", "1.2" and "E1" for eliminatory ones;
    with `lot`, that lot's tree only (docs/LOTS.md).

    Each criterion comes with its tender clause and the clause version the tender took (one query): the
    pages read the rubric and the parameter labels (committed values) from it without a query per row.
    """
    queryset = criteria_of(tender) if lot is None else criteria_of(tender).filter(lot=lot)
    criteria = list(queryset.select_related("tender_clause__version"))
    by_id = {c.pk: c for c in criteria}
    plain = rule_criteria(criteria)
    tree = rules.Tree(plain)
    shares = rules.shares(plain)
    numbers, counters, eliminatory = {}, defaultdict(int), 0
    out = []
    for node, depth in tree.depth_first():
        if node.kind == rules.ELIMINATORY:
            eliminatory += 1
            number = f"E{eliminatory}"
        else:
            counters[node.parent] += 1
            prefix = numbers.get(node.parent)
            number = f"{prefix}.{counters[node.parent]}" if prefix else str(counters[node.parent])
        numbers[node.id] = number
        out.append((by_id[node.id], depth, number, shares.get(node.id)))
    return out


def criteria_for_document(tender, articles=None, lot=None) -> list[dict]:
    """The "criteria" list of the tender document (docs/RENDERING.md): flattened tree, depth-first.

    `article` is the article number of the criterion's clause, looked up in `articles`
    ({tender clause id: "1.2"}) which the tenders app passes since it numbers the articles; each
    row also carries `tender_clause` (id or None) for callers that fill `article` themselves.
    Two queries.
    """
    articles = articles or {}
    rows = []
    tree = criteria_tree(tender, lot)
    parents = {criterion.parent_id for criterion, _depth, _number, _share in tree if criterion.weight is not None}
    for criterion, depth, number, share in tree:
        leaf = criterion.kind == Criterion.Kind.SCORED and criterion.pk not in parents
        rows.append(
            {
                "number": number,
                "name": criterion.name,
                "kind": criterion.kind,
                "weight": None if criterion.weight is None else float(criterion.weight),
                "global_weight": None if share is None else float(rules.rounded(share, 2)),
                # The share rules.compute_results applies, printed as it is (never rounded): the RC's weight.
                "applied_global_weight": rules.exact_weight_text(share),
                # A scored sub-criterion's scale (0..scale_max), printed by the RC.
                "scale_max": criterion.scale_max if leaf else None,
                "depth": depth,
                "article": articles.get(criterion.tender_clause_id),
                "tender_clause": criterion.tender_clause_id,
            }
        )
    return rows


def scoring_method_for_document(tender, criteria) -> dict:
    """The texts of the scoring method the RC prints (scoring/wording.py), for the document's `criteria` rows."""
    price = next((row for row in criteria if row.get("kind") == rules.PRICE), None)
    price_weight = None
    if price is not None:
        price_weight = price.get("rounded_global_weight") or price.get("applied_global_weight")
    return wording.scoring_method(
        price_formula=tender.price_formula,
        price_weight=price_weight,
        tie_break=tender.tie_break,
        scales=[row["scale_max"] for row in criteria if row.get("scale_max")],
        language=tender.language or "fr",
    )


def state_of(tender) -> EvaluationState:
    state = getattr(tender, "_evaluation_state", None)
    if state is None:
        state = EvaluationState.objects.filter(tender=tender).first() or EvaluationState(tender=tender)
        tender._evaluation_state = state
    return state


def evaluators_of(tender):
    return Evaluator.objects.filter(tender=tender).select_related("user").order_by("id")


def bids_of(tender):
    return Bid.objects.filter(tender=tender).order_by("id")


def procedure_record_of(tender) -> ProcedureRecord:
    """The tender's procedure record, or an unsaved empty one (every field at its default) before the first write."""
    return ProcedureRecord.objects.filter(tender=tender).first() or ProcedureRecord(tender=tender)


def answers_of(bid, *, sealed_price=False):
    """The bid's answers; with `sealed_price` (a reader who may not see prices yet: access.sees_prices),
    without the answer to the price criterion, which states the price."""
    # The clause version the tender took comes along: committed values are compared with it (flags).
    queryset = Answer.objects.filter(bid=bid).select_related("criterion__tender_clause__version")
    if sealed_price:
        queryset = queryset.exclude(criterion__kind=Criterion.Kind.PRICE)
    return queryset.order_by("criterion__position", "criterion_id")


def scores_of(bid, *, only_user=None):
    queryset = Score.objects.filter(bid=bid).select_related("evaluator").order_by("criterion_id", "evaluator__username")
    if only_user is not None:
        queryset = queryset.filter(evaluator=only_user)
    return queryset


def scores_of_tender(tender, *, only_user=None):
    queryset = (
        Score.objects.filter(bid__tender=tender)
        .select_related("evaluator")
        .order_by("bid_id", "criterion_id", "evaluator__username")
    )
    if only_user is not None:
        queryset = queryset.filter(evaluator=only_user)
    return queryset


def evaluation_version(tender_id):
    """The evaluation's version as an expression for `tender_id` (an OuterRef): the id of the tender's latest
    audit event. Every write to the evaluation records one (services.trail.audit) and ids only grow, so
    it moves on with each change; reading it locks nothing, unlike a counter every write would update."""
    return Subquery(AuditEvent.objects.filter(tender_id=tender_id).order_by("-id").values("id")[:1])


def letters_version(tender_id):
    """The version the letters are made from: the evaluation's, but recording that they were sent
    (`award.letters_sent`) does not outdate the letters that were sent."""
    return Subquery(
        AuditEvent.objects.filter(tender_id=tender_id)
        .exclude(action="award.letters_sent")
        .order_by("-id")
        .values("id")[:1]
    )


def audit_of(tender):
    return AuditEvent.objects.filter(tender=tender).select_related("user").order_by("-at", "-id")


REVIEW_FIELDS = (
    "decision",
    "reason",
    "request_note",
    "requested_at",
    "requested_by__username",
    "decided_at",
    "decided_by__username",
    "sent_on",
    "deadline",
    "received_on",
)


STATE_FIELDS = ("low_offer_threshold", "technical_closed_at", "reopened_at", "reopen_reason")


def _bids_with_reviews(tender, lot=None):
    """One query: each bid with its abnormally-low-offer review (LEFT JOIN) and the tender's evaluation state
    (threshold, closed, reopened: subqueries). The state is {} without any bid."""
    state = EvaluationState.objects.filter(tender=OuterRef("tender"))
    rows = (
        Bid.objects.filter(tender=tender, lot=lot)
        .annotate(**{f"state_{f}": Subquery(state.values(f)[:1]) for f in STATE_FIELDS})
        .order_by("id")
        .values_list(
            "pk",
            "vendor",
            "price",
            *(f"state_{f}" for f in STATE_FIELDS),
            *(f"low_offer_review__{f}" for f in REVIEW_FIELDS),
        )
    )
    bids, reviews, state_values = [], {}, {}
    for pk, vendor, price, *rest in rows:
        state_values, review = (
            dict(zip(STATE_FIELDS, rest[: len(STATE_FIELDS)], strict=True)),
            rest[len(STATE_FIELDS) :],
        )
        bids.append(rules.Bid(id=pk, vendor=vendor, price=price))
        if review[0] is not None:
            reviews[pk] = dict(
                zip(
                    (
                        "decision",
                        "reason",
                        "request_note",
                        "requested_at",
                        "requested_by",
                        "decided_at",
                        "decided_by",
                        "sent_on",
                        "deadline",
                        "received_on",
                    ),
                    review,
                    strict=True,
                )
            )
    return bids, reviews, state_values


def evaluation_inputs(tender, *, lot=None, _extra=None) -> dict:
    """Everything compute_results needs, in six queries (criteria, bids, score sums per cell, consensus,
    answers, eliminatory decisions). With lots, one lot's criteria and bids (`lot`); without, `lot` is None
    and every criterion and bid has none either.

    Bids rejected as abnormally low offers come in `rejected`; `_extra`, when given, receives the
    reviews and the threshold read by the same bids query.
    """
    criteria = rule_criteria(criteria_of(tender).filter(lot=lot))
    bids, reviews, state = _bids_with_reviews(tender, lot)
    if _extra is not None:
        _extra.update({"reviews": reviews, "threshold": state.get("low_offer_threshold"), "state": state})
    # The database sums each cell up (sum, count, lowest, highest): a row per cell rather than per evaluator.
    cells = (
        Score.objects.filter(bid__tender=tender, bid__lot=lot)
        .order_by()
        .values("bid_id", "criterion_id")
        .annotate(total=Sum("value"), count=Count("id"), low=Min("value"), high=Max("value"))
        .values_list("bid_id", "criterion_id", "total", "count", "low", "high")
    )
    scores = {
        (bid_id, criterion_id): rules.Summary(total, count, low, high)
        for bid_id, criterion_id, total, count, low, high in cells
    }
    consensus = {
        (bid_id, criterion_id): value
        for bid_id, criterion_id, value in Consensus.objects.filter(bid__tender=tender, bid__lot=lot).values_list(
            "bid_id", "criterion_id", "value"
        )
    }
    compliance = {
        (bid_id, criterion_id): compliant
        for bid_id, criterion_id, compliant in Answer.objects.filter(
            bid__tender=tender, bid__lot=lot, compliant__isnull=False
        ).values_list("bid_id", "criterion_id", "compliant")
    }
    decisions = {
        (bid_id, criterion_id): decision
        for bid_id, criterion_id, decision in EliminatoryDecision.objects.filter(
            bid__tender=tender, bid__lot=lot
        ).values_list("bid_id", "criterion_id", "decision")
    }
    return {
        "criteria": criteria,
        "bids": bids,
        "scores": scores,
        "consensus": consensus,
        "compliance": compliance,
        "decisions": decisions,
        "price_formula": tender.price_formula,
        "rejected": {pk for pk, review in reviews.items() if review["decision"] == "rejected"},
    }


def tender_results(tender) -> list[rules.BidResult]:
    """The ranked results; raises rules.CriteriaError / rules.PriceError when they cannot be computed."""
    return rules.compute_results(**evaluation_inputs(tender))


def _review_as_dict(review: dict | None) -> dict | None:
    if review is None:
        return None
    return {
        "decision": review["decision"],
        "request_note": review["request_note"],
        "requested_at": review["requested_at"],
        "requested_by": review["requested_by"],
        "reason": review["reason"],
        "decided_at": review["decided_at"],
        "decided_by": review["decided_by"],
        "sent_on": review["sent_on"],
        "deadline": review["deadline"],
        "received_on": review["received_on"],
    }


def low_offer_rows(inputs: dict, reviews: dict, threshold) -> dict[int, dict]:
    """{bid id: its abnormally-low-offer object} for bids that are flagged or have a review (plain data)."""
    threshold = rules.DEFAULT_LOW_OFFER_THRESHOLD if threshold is None else threshold
    flags = rules.low_offer_flags(
        criteria=inputs["criteria"],
        bids=inputs["bids"],
        consensus=inputs["consensus"],
        compliance=inputs["compliance"],
        rejected=inputs["rejected"],
        threshold=threshold,
        decisions=inputs["decisions"],
    )
    out = {}
    for bid in inputs["bids"]:
        flag, review = flags.get(bid.id), reviews.get(bid.id)
        if review is None and (flag is None or not flag.flagged):
            continue
        decision = review["decision"] if review else "pending"
        out[bid.id] = {
            "bid": bid.id,
            "vendor": bid.vendor,
            "price": bid.price,
            "flagged": bool(flag and flag.flagged),
            "threshold": threshold,
            "mean_of_others": None if flag is None else flag.mean_of_others,
            "gap_percent": None if flag is None else flag.gap,
            "decision": decision,
            # Results stay provisional while a flagged bid waits for the lead's decision.
            "pending": bool(flag and flag.flagged) and decision == "pending",
            "review": _review_as_dict(review),
        }
    return out


class Outcome:
    """The ranked results, the abnormally low offers, what keeps the results provisional, and the awardee.

    `blocking` lists [{"code", "message"}] (codes eliminatory_undecided, evaluator_pending,
    consensus_required, low_offer_pending, then technical_open or reopened from `closing`, then
    tie_for_first); `provisional` is true while it is not empty; `awardee` is the id of the bid
    ranked first alone once nothing blocks (None while provisional, hence on a tie for first, or
    without any eligible bid). The rules that decide them are in scoring/provisional.py.
    """

    def __init__(self, results, low_offers, threshold, blocking=None, closing=None, tie_break=TieBreak.TECHNICAL):
        self.low_offers = low_offers
        self.threshold = rules.DEFAULT_LOW_OFFER_THRESHOLD if threshold is None else threshold
        found = provisional.verdict(
            results, [*(blocking or []), *provisional.pending_low_offers(low_offers), *(closing or [])], tie_break
        )
        self.results, self.blocking, self.tie = found.results, found.blocking, found.tie
        self.provisional, self.awardee = found.provisional, found.awardee


def lot_awards(tender) -> dict:
    """{lot id: allotment.LotAward}: each lot's awardee under the tender's limit of lots per bidder (in lot-number
    order, docs/LOTS.md); one results computation per lot. {} for a tender without lots."""
    lots = list(tender.lots.order_by("number", "id"))
    if not lots:
        return {}
    identities = {
        pk: allotment.bidder_key(siret, vendor)
        for pk, siret, vendor in Bid.objects.filter(tender=tender).values_list("pk", "candidate_siret", "vendor")
    }
    rows = []
    for lot in lots:
        outcome = tender_outcome(tender, lot)
        ranked = [r.bid for r in outcome.results if r.eligible is True and r.rank is not None]
        rows.append((lot.pk, ranked, outcome.awardee))
    return allotment.lot_awardees(rows, tender.max_lots_per_bidder, identities)


def low_offers_of(tender, lot=None) -> Outcome:
    """The abnormally low offers without the results (no score query): six queries."""
    extra = {}
    inputs = evaluation_inputs(tender, lot=lot, _extra=extra)
    return Outcome([], low_offer_rows(inputs, extra["reviews"], extra["threshold"]), extra["threshold"])


def _blocking(tender, inputs, results) -> list[dict]:
    """What keeps the results from being final, besides abnormally low offers and a tie for first (two queries).

    - eliminatory_undecided: a bid with an eliminatory requirement not decided (or under regularisation);
    - evaluator_pending: a named evaluator who has not declared, or has not scored every scored leaf of
      every bid still in the running (eligible or undecided);
      Without any named evaluator, every cell of a scored leaf of a bid in the running with neither a
      score nor a consensus is missing;
    - consensus_required: a cell whose evaluators' scores are dispersed (rules.is_dispersed: highest −
      lowest ≥ 40 % of scale_max) and that has no consensus, on a bid still in the running;
    - technical_open: technical scoring is not closed (scores may still change); reopened: the lead
      reopened the evaluation after close-technical (bids, prices, decisions may change) and has not
      closed it again. Read from `inputs`' state (the bids query) — or the state row without any bid.
    """
    names = {c.id: c.name for c in inputs["criteria"]}
    running = {r.bid for r in results if r.eligible is not False}
    tree = rules.Tree(inputs["criteria"])
    leaves = {c.id for c in inputs["criteria"] if c.kind == rules.SCORED and tree.is_scored_leaf(c)}
    return [
        *provisional.undecided_requirements(results, names),
        *_pending_evaluators(tender, inputs, running, leaves),
        *provisional.missing_consensus(results, running, leaves, inputs["consensus"], names),
    ]


def _pending_evaluators(tender, inputs, running, leaves) -> list[dict]:
    """evaluator_pending (see `_blocking`): each named evaluator's scores counted in one query."""
    done = defaultdict(int)
    for evaluator_id, bid_id, count in (
        Score.objects.filter(bid__tender=tender, criterion_id__in=leaves)
        .order_by()
        .values("evaluator_id", "bid_id")
        .annotate(n=Count("id"))
        .values_list("evaluator_id", "bid_id", "n")
    ):
        if bid_id in running:
            done[evaluator_id] += count
    evaluators = [
        provisional.EvaluatorProgress(
            name=evaluator.user.get_full_name() or evaluator.user.username,
            declared=evaluator.declared_at is not None,
            scored=done[evaluator.user_id],
        )
        for evaluator in evaluators_of(tender)
    ]
    # Without any named evaluator, every cell of a leaf with neither a score nor a consensus is missing.
    unscored = 0
    if not evaluators:
        unscored = sum(
            1
            for bid_id in running
            for c in leaves
            if (bid_id, c) not in inputs["scores"] and (bid_id, c) not in inputs["consensus"]
        )
    return provisional.pending_evaluators(evaluators, len(leaves) * len(running), unscored)


def _state_blocking(tender, state) -> list[dict]:
    """technical_open / reopened (see `_blocking`), from the state read with the bids (listed after low offers)."""
    if not state:  # no bid: the state was not read with them
        row = state_of(tender)
        state = {"technical_closed_at": row.technical_closed_at, "reopened_at": row.reopened_at}
        state["reopen_reason"] = row.reopen_reason
    if state["technical_closed_at"] is None:
        return [
            {
                "code": "technical_open",
                "message": _("La notation technique n'est pas close : les notes peuvent encore changer."),
            }
        ]
    if state["reopened_at"] is not None:
        return [
            {
                "code": "reopened",
                "message": _("L'évaluation est rouverte (motif : %(reason)s) ; elle doit être close à nouveau.")
                % {"reason": state["reopen_reason"] or "—"},
            }
        ]
    return []


def tender_outcome(tender, lot=None) -> Outcome:
    """Results, abnormally low offers, blocking reasons, provisional flag, awardee; raises like tender_results.

    Eight queries whatever the number of bids, criteria or evaluators (the state comes with the bids).
    """
    extra = {}
    inputs = evaluation_inputs(tender, lot=lot, _extra=extra)
    results = rules.compute_results(**inputs)
    return Outcome(
        results,
        low_offer_rows(inputs, extra["reviews"], extra["threshold"]),
        extra["threshold"],
        blocking=_blocking(tender, inputs, results),
        closing=_state_blocking(tender, extra["state"]),
        tie_break=tender.tie_break,
    )


def is_price_revealing(decision) -> bool:
    """Whether a reader who may not see prices yet (access.sees_prices) must get this decision without its
    qualification and reason: an offer qualified unacceptable (CCP L2152-3) is one whose price exceeds
    the budget, and the lead's reason usually quotes it. Every non-compliant decision is read so, not
    only the unacceptable ones: a qualification missing from those alone would name them."""
    return decision is not None and decision.decision == EliminatoryDecision.Decision.NON_COMPLIANT


def _seal(decisions, sealed_price):
    for decision in decisions:
        if sealed_price and is_price_revealing(decision):
            decision.qualification, decision.reason = "", ""
    return decisions


def eliminatory_decisions_of(bid):
    """The lead's decisions on the bid's eliminatory requirements, each with the vendor's own `compliant`."""
    answer = Answer.objects.filter(bid=OuterRef("bid"), criterion=OuterRef("criterion")).values("compliant")[:1]
    return (
        EliminatoryDecision.objects.filter(bid=bid)
        .annotate(suggested_compliant=Subquery(answer))
        .select_related("criterion", "decided_by")
        .order_by("criterion__position", "criterion_id")
    )


# ---------------------------------------------------------------------------
# What the evaluation pages show (scoring/views/): one read per page part, a fixed number of queries.


def bid_count(tender) -> int:
    return Bid.objects.filter(tender=tender).count()


def bid_of(tender, pk):
    """The tender's bid `pk`, or None (another tender's bid is as missing as one that never was)."""
    bid = Bid.objects.filter(tender=tender, pk=pk).first()
    if bid is not None:
        bid.tender = tender
    return bid


def declarations_of(user) -> dict:
    """{tender id: when `user` declared no conflict of interest (None: not yet)} for the tenders they evaluate."""
    return dict(Evaluator.objects.filter(user=user).values_list("tender_id", "declared_at"))


def criterion_names(tender) -> dict:
    return dict(Criterion.objects.filter(tender=tender).values_list("pk", "name"))


def _judged(tree, *, eliminatory):
    """(criterion, number) of the scored leaves, and of the eliminatory criteria when asked, in tree order."""
    plain = rules.Tree(rule_criteria([c for c, *_ in tree]))
    return [
        (c, n)
        for c, _d, n, _s in tree
        if (eliminatory and c.kind == Criterion.Kind.ELIMINATORY)
        or (c.kind == Criterion.Kind.SCORED and plain.is_scored_leaf(plain.by_id[c.pk]))
    ]


def _with_shortfalls(answer, criterion, tender):
    """The answer with `shortfalls`: its committed values less favourable than required
    (scoring/commitments.py; the criterion's clause version is joined: no query)."""
    if answer is not None:
        answer.shortfalls = commitments.answer_shortfalls(answer, criterion, tender.parameters)
    return answer


def _answers_by_cell(tender) -> dict:
    return {(a.bid_id, a.criterion_id): a for a in Answer.objects.filter(bid__tender=tender)}


def bid_answer_rows(tender, bid, *, sealed_price=False) -> list[dict]:
    """The bid page's rows: each criterion the vendor answered, and every eliminatory one (with the lead's
    decision; with `sealed_price`, an unacceptable one without what it says of the price: `is_price_revealing`)."""
    answers = {a.criterion_id: a for a in answers_of(bid)}
    decisions = {d.criterion_id: d for d in _seal(eliminatory_decisions_of(bid), sealed_price)}
    rows = []
    for criterion, _depth, number, _share in criteria_tree(tender):
        answer = _with_shortfalls(answers.get(criterion.pk), criterion, tender)
        if criterion.kind == Criterion.Kind.PRICE or (answer is None and criterion.kind != Criterion.Kind.ELIMINATORY):
            continue
        rows.append(
            {
                "criterion": criterion,
                "number": number,
                "answer": answer,
                "decision": decisions.get(criterion.pk),
                "suggestion": None if answer is None else answer.compliant,
            }
        )
    return rows


def grid_of(tender, user, *, sealed_price=False, lot=None) -> dict:
    """The evaluator's grid: their own scores of each bid on each scored leaf (with the rubric and the
    vendor's answer at hand), and the eliminatory requirements with the lead's decisions (`sealed_price`:
    as in `bid_answer_rows`); with `lot`, that lot's criteria and bids."""
    tree = criteria_tree(tender, lot)
    bid_list = list(bids_of(tender) if lot is None else bids_of(tender).filter(lot=lot))
    mine = {(s.bid_id, s.criterion_id): s for s in Score.objects.filter(bid__tender=tender, evaluator=user)}
    answers = _answers_by_cell(tender)
    criteria_by_id = {c.pk: c for c, _d, _n, _s in tree}
    for (_bid_id, criterion_id), answer in answers.items():
        _with_shortfalls(answer, criteria_by_id.get(criterion_id), tender)
    decisions = {
        (d.bid_id, d.criterion_id): d
        for d in _seal(EliminatoryDecision.objects.filter(bid__tender=tender), sealed_price)
    }
    rows = [
        {
            "criterion": c,
            "number": n,
            "rubric": c.tender_clause.version.rubric if c.tender_clause_id else [],
            "cells": [
                {"bid": b, "score": mine.get((b.pk, c.pk)), "answer": answers.get((b.pk, c.pk))} for b in bid_list
            ],
        }
        for c, n in _judged(tree, eliminatory=False)
    ]
    eliminatory_rows = [
        {
            "criterion": c,
            "number": n,
            "cells": [
                {"bid": b, "decision": decisions.get((b.pk, c.pk)), "answer": answers.get((b.pk, c.pk))}
                for b in bid_list
            ],
        }
        for c, _d, n, _s in tree
        if c.kind == Criterion.Kind.ELIMINATORY
    ]
    return {"rows": rows, "eliminatory_rows": eliminatory_rows, "bids": bid_list}


def consensus_sections(tender, lot=None) -> list[dict]:
    """Per bid, each judged cell: every evaluator's score, their mean and dispersion, the consensus, the answer;
    with `lot`, that lot's bids and criteria."""
    judged = _judged(criteria_tree(tender, lot), eliminatory=True)
    scores = defaultdict(list)
    for score in scores_of_tender(tender):
        scores[(score.bid_id, score.criterion_id)].append(score)
    agreed = {(c.bid_id, c.criterion_id): c for c in Consensus.objects.filter(bid__tender=tender)}
    answers = _answers_by_cell(tender)
    sections = []
    for bid in bids_of(tender) if lot is None else bids_of(tender).filter(lot=lot):
        rows = []
        for criterion, number in judged:
            cell = scores.get((bid.pk, criterion.pk), [])
            values = [s.value for s in cell]
            rows.append(
                {
                    "criterion": criterion,
                    "number": number,
                    "scores": cell,
                    "mean": rules.mean(values),
                    "dispersed": rules.is_dispersed(values, criterion.scale_max),
                    "consensus": agreed.get((bid.pk, criterion.pk)),
                    "answer": answers.get((bid.pk, criterion.pk)),
                }
            )
        sections.append({"bid": bid, "rows": rows, "disagreements": sum(1 for r in rows if r["dispersed"])})
    return sections

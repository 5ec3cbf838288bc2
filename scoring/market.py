"""Market check before publishing: would anyone meet the tender's eliminatory requirements?

For each eliminatory (mandatory) requirement of a tender, the organisation's own history answers:
how many bids of its earlier tenders were judged on the same clause, and what share met it. An
eliminatory requirement nobody meets leaves the buyer with no regular offer (the procedure is then
unsuccessful) and one that few meet narrows competition (L3, R2111-7: requirements proportionate to
the need); the panel warns, the buyer decides.

"The same clause" is the clause's identity, not its text: the same library clause, or one forked
from it, or the one it was forked from, or a sibling fork of the same upstream clause. "Judged" means
in a tender whose technical scoring was closed, with a decision of the lead on that requirement
(`EliminatoryDecision` compliant / non compliant; else a consensus on the eliminatory criterion,
read as a decision as the results read it: 0 = not met). Counts only: never a vendor, a price or a
tender. Three queries whatever the number of requirements and bids.
"""

from django.db.models import Q

from clause_library.models import Requirement
from tenders import pieces
from tenders.selectors import article_numbers, tender_clauses

from .models import Consensus, Criterion, EliminatoryDecision

# Under this share of earlier bids meeting a requirement, the panel warns.
WARNING_SHARE = 0.5


def _family(clause_id, origin_id):
    """The clause ids that count as the same clause as (clause_id, origin_id)."""
    return {clause_id, origin_id} - {None}


def _same_clause(wanted, clause_id, origin_id):
    return clause_id in wanted or (origin_id is not None and origin_id in wanted)


def _judgements(tender, clause_ids):
    """[(bid id, criterion id, met, clause id, origin id)] of earlier judged bids on those clauses."""
    scope = Q(
        bid__tender__organization_id=tender.organization_id,
        bid__tender__evaluation_state__technical_closed_at__isnull=False,
        criterion__kind=Criterion.Kind.ELIMINATORY,
    ) & (
        Q(criterion__tender_clause__version__clause_id__in=clause_ids)
        | Q(criterion__tender_clause__version__clause__origin_id__in=clause_ids)
    )
    # The clause a version belongs to (never null, unlike the tender clause's own link to the library).
    fields = (
        "bid_id",
        "criterion_id",
        "criterion__tender_clause__version__clause_id",
        "criterion__tender_clause__version__clause__origin_id",
    )
    decided = {}
    for bid_id, criterion_id, clause_id, origin_id, decision in (
        EliminatoryDecision.objects.filter(scope)
        .exclude(bid__tender_id=tender.pk)
        .filter(decision__in=(EliminatoryDecision.Decision.COMPLIANT, EliminatoryDecision.Decision.NON_COMPLIANT))
        .values_list(*fields, "decision")
    ):
        decided[(bid_id, criterion_id)] = (decision == EliminatoryDecision.Decision.COMPLIANT, clause_id, origin_id)
    for bid_id, criterion_id, clause_id, origin_id, value in (
        Consensus.objects.filter(scope).exclude(bid__tender_id=tender.pk).values_list(*fields, "value")
    ):
        # A recorded decision wins over a consensus (docs/SCORING.md: "decided, not inferred").
        decided.setdefault((bid_id, criterion_id), (value > 0, clause_id, origin_id))
    # A regularisation still open is no decision: it is left out above (undecided).
    return [(bid_id, criterion_id, *outcome) for (bid_id, criterion_id), outcome in decided.items()]


def market_check(tender) -> list[dict]:
    """One row per eliminatory requirement of the tender, in article order:
    ``{"tender_clause", "article", "requirement", "bids_seen", "compliant_share"}`` where
    `compliant_share` is the fraction (0–1) of the `bids_seen` that met it, None when none was seen.
    A bid judged twice on the same clause (the clause twice in one tender) counts once, as met only
    if it met it each time."""
    clauses = list(tender_clauses(tender).select_related("version__clause"))
    numbers = article_numbers(tender, clauses)
    mandatory = [tc for tc in clauses if tc.version.requirement == Requirement.MANDATORY]
    if not mandatory:
        return []
    families = {tc.pk: _family(tc.version.clause_id, tc.version.clause.origin_id) for tc in mandatory}
    clause_ids = set().union(*families.values())
    judgements = _judgements(tender, clause_ids) if clause_ids else []
    rows = []
    for tender_clause in sorted(mandatory, key=lambda tc: pieces.number_sort_key(numbers[tc.pk])):
        wanted = families[tender_clause.pk]
        met_by_bid = {}
        for bid_id, _criterion_id, met, clause_id, origin_id in judgements:
            if wanted and _same_clause(wanted, clause_id, origin_id):
                met_by_bid[bid_id] = met_by_bid.get(bid_id, True) and met
        seen = len(met_by_bid)
        rows.append(
            {
                "tender_clause": tender_clause.pk,
                "article": numbers[tender_clause.pk],
                "requirement": tender_clause.version.title,
                "bids_seen": seen,
                "compliant_share": round(sum(met_by_bid.values()) / seen, 4) if seen else None,
            }
        )
    return rows


def warnings(rows) -> list[dict]:
    """The rows the buyer should look at before publishing, each with `reason`: `never_asked` (no
    earlier bid was judged on it) or `few_compliant` (under half of them met it)."""
    flagged = []
    for row in rows:
        if not row["bids_seen"]:
            flagged.append({**row, "reason": "never_asked"})
        elif row["compliant_share"] < WARNING_SHARE:
            flagged.append({**row, "reason": "few_compliant"})
    return flagged

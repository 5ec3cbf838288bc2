"""The scoring arithmetic, as pure functions on plain data (no ORM, no I/O).

Everything the API, the pages, the report and the benchmark say about points, eliminations and
ranks comes from here, so it is tested by hand-computed examples and property tests
(tests/scoring/test_rules.py).

Vocabulary (API.md, "Evaluation"):
- a criterion's `weight` is a percentage of its parent (of the whole tender at the top level);
  weighted siblings (kinds `scored` and `price`) must sum to 100; `eliminatory` criteria carry none;
- a criterion's *share* is its weight times its ancestors' weights: its part of the 100 points;
- a criterion's *score* is the consensus when one is set, otherwise the mean of the evaluators';
- a scored leaf earns `score / scale_max × share` points; price points follow the tender's formula
  over the prices of the eligible bids;
- a bid's eliminatory criteria are *decided* by the lead (`decisions`: compliant, non_compliant,
  regularisation_requested); a consensus on an eliminatory criterion counts as a decision (0 =
  non_compliant, otherwise compliant). A non-compliant bid is not eligible (`False`); a bid with a
  requirement not yet decided (or under regularisation) is `None`: no rank either. Callers that pass
  no `decisions` (the simulation, older pure callers) get the former reading: `compliant: false`
  or a consensus of 0 fails, anything else is met. Ties share a rank, the next is skipped (1, 2, 2, 4).

Arithmetic is done in Decimal; totals are compared after rounding to `PLACES` decimals so that two
bids that are equal on paper are never split by binary floating point noise.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from organizations import formatting

SCORED = "scored"
ELIMINATORY = "eliminatory"
PRICE = "price"
KINDS = (SCORED, ELIMINATORY, PRICE)
WEIGHTED_KINDS = (SCORED, PRICE)

PROPORTIONAL = "proportional"
LINEAR = "linear"
RANGE = "range"
PRICE_FORMULAS = (PROPORTIONAL, LINEAR, RANGE)

HUNDRED = Decimal(100)
ZERO = Decimal(0)
ONE = Decimal(1)
PLACES = 6
QUANTUM = Decimal(1).scaleb(-PLACES)  # 0.000001
WEIGHT_QUANTUM = Decimal("0.01")
# Evaluators disagree when their scores are 2 points apart or more on a 0–5 scale.
DISPERSION_RATIO = Decimal(2) / Decimal(5)


def to_decimal(value) -> Decimal | None:
    """Decimal from a Decimal, an int, a float (through its shortest repr) or a numeric string."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    return Decimal(str(value))


def rounded(value: Decimal | None, places: int = PLACES) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def as_number(value: Decimal | None):
    """A JSON-friendly number (float), rounded to PLACES, or None."""
    if value is None:
        return None
    return round(float(value), PLACES)


# ---------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class Criterion:
    id: int
    name: str
    kind: str = SCORED
    weight: Decimal | None = None
    parent: int | None = None
    scale_max: Decimal = Decimal(5)
    position: int = 0

    def __post_init__(self):
        object.__setattr__(self, "weight", to_decimal(self.weight))
        object.__setattr__(self, "scale_max", to_decimal(self.scale_max))


@dataclass(frozen=True)
class Bid:
    id: int
    vendor: str
    price: Decimal | None = None

    def __post_init__(self):
        object.__setattr__(self, "price", to_decimal(self.price))


@dataclass(frozen=True)
class Problem:
    """One reason a criteria tree cannot be used. `level` is None for the top level, else the parent's name."""

    code: str
    message: str
    criterion: int | None = None
    level: str | None = None
    total: Decimal | None = None


class CriteriaError(Exception):
    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.problems]


class PriceError(Exception):
    """An eligible bid's price is missing or not strictly positive."""

    def __init__(self, message: str, bid: int | None = None):
        self.bid = bid
        super().__init__(message)


# ---------------------------------------------------------------------------
# The tree


class Tree:
    """Criteria indexed by id and parent, children in (position, id) order."""

    def __init__(self, criteria: Iterable[Criterion]):
        self.by_id: dict[int, Criterion] = {}
        for criterion in criteria:
            self.by_id[criterion.id] = criterion
        self.children: dict[int | None, list[Criterion]] = defaultdict(list)
        for criterion in self.by_id.values():
            parent = criterion.parent if criterion.parent in self.by_id else None
            self.children[parent].append(criterion)
        for siblings in self.children.values():
            siblings.sort(key=lambda c: (c.position, c.id))

    def weighted_children(self, parent_id: int | None) -> list[Criterion]:
        return [c for c in self.children.get(parent_id, ()) if c.kind in WEIGHTED_KINDS]

    def is_scored_leaf(self, criterion: Criterion) -> bool:
        return criterion.kind == SCORED and not self.weighted_children(criterion.id)

    def depth_first(self) -> list[tuple[Criterion, int]]:
        """Every reachable criterion with its depth, parents before children."""
        out: list[tuple[Criterion, int]] = []
        seen: set[int] = set()

        def walk(parent_id, depth):
            for child in self.children.get(parent_id, ()):
                if child.id in seen:  # a cycle; validate_structure reports it
                    continue
                seen.add(child.id)
                out.append((child, depth))
                walk(child.id, depth + 1)

        walk(None, 0)
        return out

    def ancestors(self, criterion: Criterion) -> list[Criterion]:
        chain, seen = [], {criterion.id}
        parent = self.by_id.get(criterion.parent) if criterion.parent is not None else None
        while parent is not None and parent.id not in seen:
            chain.append(parent)
            seen.add(parent.id)
            parent = self.by_id.get(parent.parent) if parent.parent is not None else None
        return chain


def _level_name(tree: Tree, parent_id: int | None) -> str | None:
    return None if parent_id is None else tree.by_id[parent_id].name


def _weight_problems(criterion: Criterion) -> list[Problem]:
    """An eliminatory criterion carries no weight; any other one carries a weight in ]0, 100]."""
    name = criterion.name
    if criterion.kind == ELIMINATORY:
        if criterion.weight is None:
            return []
        return [
            Problem(
                "weight",
                _("Critère éliminatoire « %(name)s » : il ne porte pas de poids.") % {"name": name},
                criterion.id,
            )
        ]
    if criterion.weight is None:
        return [Problem("weight", _("Critère « %(name)s » : le poids est obligatoire.") % {"name": name}, criterion.id)]
    if not ZERO < criterion.weight <= HUNDRED:
        return [
            Problem(
                "weight",
                _("Critère « %(name)s » : le poids doit être compris entre 0 (exclu) et 100.") % {"name": name},
                criterion.id,
            )
        ]
    return []


def validate_structure(criteria: Iterable[Criterion]) -> list[Problem]:
    """Problems of shape, whatever the weights sum to: kinds, weights present or absent, price, parents."""
    criteria = list(criteria)
    tree = Tree(criteria)
    problems: list[Problem] = []
    ids = set(tree.by_id)
    prices = [c for c in criteria if c.kind == PRICE]
    for criterion in sorted(criteria, key=lambda c: c.id):
        name = criterion.name
        if criterion.kind not in KINDS:
            problems.append(
                Problem(
                    "kind",
                    _("Critère « %(name)s » : type inconnu « %(kind)s ».") % {"name": name, "kind": criterion.kind},
                    criterion.id,
                )
            )
            continue
        if criterion.parent is not None and criterion.parent not in ids:
            problems.append(
                Problem("parent", _("Critère « %(name)s » : critère parent inconnu.") % {"name": name}, criterion.id)
            )
        if criterion.parent is not None and any(a.id == criterion.id for a in _ancestors_raw(tree, criterion)):
            problems.append(
                Problem(
                    "cycle",
                    _("Critère « %(name)s » : il ne peut pas être son propre ancêtre.") % {"name": name},
                    criterion.id,
                )
            )
        problems.extend(_weight_problems(criterion))
        if criterion.kind in (PRICE, ELIMINATORY) and tree.children.get(criterion.id):
            problems.append(
                Problem(
                    "parent",
                    _("Critère « %(name)s » : un critère de prix ou éliminatoire n'a pas de sous-critères.")
                    % {"name": name},
                    criterion.id,
                )
            )
        if criterion.kind == PRICE and criterion.parent is not None:
            problems.append(
                Problem(
                    "price",
                    _("Le critère de prix « %(name)s » doit être au niveau supérieur.") % {"name": name},
                    criterion.id,
                )
            )
        if criterion.scale_max is None or criterion.scale_max <= 0:
            problems.append(
                Problem(
                    "scale_max",
                    _("Critère « %(name)s » : l'échelle doit être positive.") % {"name": name},
                    criterion.id,
                )
            )
    if len(prices) > 1:
        problems.append(
            Problem("price", _("Un seul critère de prix est permis (%(count)d trouvés).") % {"count": len(prices)})
        )
    return problems


def _ancestors_raw(tree: Tree, criterion: Criterion) -> list[Criterion]:
    """Ancestors following parent links, stopping after a repeat (to detect cycles)."""
    chain, seen = [], set()
    parent_id = criterion.parent
    while parent_id is not None and parent_id in tree.by_id and parent_id not in seen:
        seen.add(parent_id)
        parent = tree.by_id[parent_id]
        chain.append(parent)
        parent_id = parent.parent
    return chain


def level_sums(criteria: Iterable[Criterion]) -> list[tuple[int | None, Decimal]]:
    """(parent id or None for the top, sum of the weighted children) for the top and every parent with weighted children."""
    tree = Tree(criteria)
    levels: list[tuple[int | None, Decimal]] = [
        (None, sum((c.weight or ZERO for c in tree.weighted_children(None)), ZERO))
    ]
    for criterion, _depth in tree.depth_first():
        children = tree.weighted_children(criterion.id)
        if children:
            levels.append((criterion.id, sum((c.weight or ZERO for c in children), ZERO)))
    return levels


def validate_weights(criteria: Iterable[Criterion]) -> list[Problem]:
    """Each level whose weighted criteria do not sum to 100, naming the level and its sum."""
    criteria = list(criteria)
    tree = Tree(criteria)
    problems = []
    for parent_id, total in level_sums(criteria):
        if rounded(total, 2) != HUNDRED:
            level = _level_name(tree, parent_id)
            if level is None:
                message = _("Les poids du niveau supérieur totalisent %(total)s %% au lieu de 100 %%.") % {
                    "total": formatting.format_number(total, 2, trim=True)
                }
            else:
                message = _(
                    "Les poids des sous-critères de « %(name)s » totalisent %(total)s %% au lieu de 100 %%."
                ) % {"name": level, "total": formatting.format_number(total, 2, trim=True)}
            problems.append(Problem("sum", message, parent_id, level, total))
    return problems


def check_criteria(criteria: Iterable[Criterion]) -> None:
    """Raise CriteriaError unless the tree is well formed and every level sums to 100."""
    criteria = list(criteria)
    problems = validate_structure(criteria)
    if not problems:
        problems = validate_weights(criteria)
    if problems:
        raise CriteriaError(problems)


def shares(criteria: Iterable[Criterion]) -> dict[int, Decimal]:
    """{criterion id: its share of the 100 points} for weighted criteria (weight × ancestors' weights)."""
    tree = Tree(criteria)
    out: dict[int, Decimal] = {}
    for criterion, _depth in tree.depth_first():
        if criterion.kind not in WEIGHTED_KINDS:
            continue
        share = criterion.weight or ZERO
        for ancestor in tree.ancestors(criterion):
            share = share * (ancestor.weight or ZERO) / HUNDRED
        out[criterion.id] = share
    return out


def exact_weight_text(share) -> str | None:
    """A share as the RC prints it, exactly as it is applied: at least two decimals, more only when the
    share has them ("60.00", "1.464"), never rounded. None for None."""
    share = to_decimal(share)
    if share is None:
        return None
    places = max(2, -share.normalize().as_tuple().exponent)
    return f"{share.quantize(Decimal(1).scaleb(-places)):f}"


def exact_share_weights(raw: Sequence, parent_share) -> list[Decimal]:
    """Weights (percent of the parent, hundredths, summing to exactly 100) proportional to `raw`, chosen so
    that each child's share of the final mark (parent_share × weight / 100) is a whole number of cents.

    The printed weight in the final mark is then the applied one, exact to the cent. The parent's share
    fixes the step: with a parent weighing 60.00 a child's weight moves by 0.05 (3 cents of the final
    mark). When the step is too coarse for the number of children (fewer than 20 steps each on average),
    this falls back to normalise_weights (the shares are then printed with their extra decimals).
    """
    values = [to_decimal(v) or ZERO for v in raw]
    parent_cents = int((to_decimal(parent_share) or ZERO) * HUNDRED)
    if not values or parent_cents <= 0 or to_decimal(parent_share) * HUNDRED != parent_cents:
        return normalise_weights(raw)
    units = math.gcd(parent_cents, 10000)  # whole-cent shares are multiples of 100 / units percent of the parent
    if units < 20 * len(values):
        return normalise_weights(raw)
    total = sum(values, ZERO)
    if total <= 0:
        values, total = [ONE] * len(values), Decimal(len(values))
    exact = [v * units / total for v in values]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    order = sorted(range(len(values)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: units - sum(floors)]:
        floors[i] += 1
    step = HUNDRED / units
    return [(Decimal(count) * step).quantize(WEIGHT_QUANTUM) for count in floors]


def normalise_weights(raw: Sequence) -> list[Decimal]:
    """Weights proportional to `raw`, in hundredths, summing to exactly 100 (largest remainders).

    All-zero or empty input gives equal weights.
    """
    values = [to_decimal(v) or ZERO for v in raw]
    if not values:
        return []
    total = sum(values, ZERO)
    if total <= 0:
        values, total = [ONE] * len(values), Decimal(len(values))
    exact = [v * HUNDRED / total for v in values]
    floors = [e.quantize(WEIGHT_QUANTUM, rounding=ROUND_DOWN) for e in exact]
    missing = int((HUNDRED - sum(floors, ZERO)) / WEIGHT_QUANTUM)
    # Hand the remaining hundredths to the largest remainders, earliest first on equal remainders.
    order = sorted(range(len(values)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += WEIGHT_QUANTUM
    return floors


# ---------------------------------------------------------------------------
# Scores


@dataclass(frozen=True)
class Summary:
    """The evaluators' scores of one cell, summed up: what the arithmetic needs (a database can aggregate it)."""

    total: Decimal
    count: int
    low: Decimal | None
    high: Decimal | None

    @classmethod
    def of(cls, values) -> Summary:
        if isinstance(values, Summary):
            return values
        values = [to_decimal(v) for v in values if v is not None]
        if not values:
            return EMPTY
        return cls(sum(values, ZERO), len(values), min(values), max(values))

    @property
    def mean(self) -> Decimal | None:
        return None if not self.count else self.total / Decimal(self.count)


EMPTY = Summary(ZERO, 0, None, None)


def mean(values) -> Decimal | None:
    return Summary.of(values).mean


def criterion_score(evaluator_scores, consensus=None) -> Decimal | None:
    """The consensus when set, otherwise the mean of the evaluators' scores (None when nobody scored)."""
    if consensus is not None:
        return to_decimal(consensus)
    return mean(evaluator_scores)


def leaf_points(score, scale_max, share) -> Decimal:
    """score / scale_max × share; no score yet is 0 points."""
    score = to_decimal(score)
    if score is None:
        return ZERO
    return score / to_decimal(scale_max) * to_decimal(share)


def dispersion_threshold(scale_max) -> Decimal:
    return DISPERSION_RATIO * to_decimal(scale_max)


def is_dispersed(evaluator_scores, scale_max) -> bool:
    """True when two evaluators are 2 points apart or more on a 0–5 scale (2/5 of the scale otherwise)."""
    summary = Summary.of(evaluator_scores)
    if summary.count < 2:
        return False
    return summary.high - summary.low >= dispersion_threshold(scale_max)


def price_points(price, *, formula: str, p_min, p_max, share) -> Decimal:
    """Points for `price` under `formula`, with P_min and P_max taken over the eligible bids.

    proportional = P_min / P × share; linear = max(0, 1 − (P − P_min) / P_min) × share;
    range = (P_max − P) / (P_max − P_min) × share, the full share when all prices are equal.
    """
    price, p_min, p_max, share = (to_decimal(v) for v in (price, p_min, p_max, share))
    if price is None or price <= 0 or p_min is None or p_min <= 0:
        raise PriceError(_("Les prix doivent être strictement positifs."))
    if formula == PROPORTIONAL:
        ratio = p_min / price
    elif formula == LINEAR:
        ratio = max(ZERO, ONE - (price - p_min) / p_min)
    elif formula == RANGE:
        ratio = ONE if p_max == p_min else (p_max - price) / (p_max - p_min)
    else:
        raise ValueError(f"unknown price formula {formula!r}")
    # A bid outside [P_min, P_max] (an ineligible one) never earns more than the share nor less than 0.
    ratio = min(ONE, max(ZERO, ratio))
    return ratio * share


def ranks(totals: Mapping[int, Decimal]) -> dict[int, int]:
    """{bid id: rank} with shared ranks on ties (1, 2, 2, 4); totals compared at PLACES decimals."""
    keyed = {bid: rounded(total) for bid, total in totals.items()}
    return {bid: 1 + sum(1 for other in keyed.values() if other > mine) for bid, mine in keyed.items()}


# ---------------------------------------------------------------------------
# Results


@dataclass
class BidResult:
    bid: int
    vendor: str
    eligible: bool | None
    eliminated_by: list[int]
    criteria: list[dict]
    technical_points: Decimal
    price_points: Decimal | None
    total: Decimal
    rank: int | None = None
    price: Decimal | None = None
    dispersed: list[int] = field(default_factory=list)
    # Eliminatory criteria not decided yet (eligible is then None unless something else excludes the bid).
    undecided: list[int] = field(default_factory=list)
    # Rejected as an abnormally low offer (CCP R2152-3): not eligible, though no criterion eliminated it.
    rejected: bool = False

    def as_dict(self) -> dict:
        return {
            "bid": self.bid,
            "vendor": self.vendor,
            "eligible": self.eligible,
            "eliminated_by": list(self.eliminated_by),
            "undecided": list(self.undecided),
            "criteria": [
                {
                    "criterion": row["criterion"],
                    "score": as_number(row["score"]),
                    "points": as_number(row["points"]),
                    "dispersion": row["dispersion"],
                }
                for row in self.criteria
            ],
            "technical_points": as_number(self.technical_points),
            "price_points": as_number(self.price_points),
            "total": as_number(self.total),
            "rank": self.rank,
        }


COMPLIANT = "compliant"
NON_COMPLIANT = "non_compliant"
REGULARISATION_REQUESTED = "regularisation_requested"


def eliminatory_status(
    tree: Tree, bid_id: int, consensus: Mapping, compliance: Mapping, decisions: Mapping | None
) -> tuple[list[int], list[int]]:
    """(failed, undecided): ids of the eliminatory criteria the bid fails and of those not decided yet.

    With `decisions` (the lead's recorded decisions, {(bid, criterion): decision}) only a decision
    eliminates: a consensus on the criterion counts as one (0 = non compliant), the vendor's own
    `compliant` answer never does. Without `decisions` (None), the former reading: `compliant: false`
    or a consensus of 0 fails and nothing is undecided.
    """
    failed, undecided = [], []
    for criterion, _depth in tree.depth_first():
        if criterion.kind != ELIMINATORY:
            continue
        key = (bid_id, criterion.id)
        agreed = to_decimal(consensus.get(key))
        if decisions is None:
            if compliance.get(key) is False or (agreed is not None and agreed == 0):
                failed.append(criterion.id)
            continue
        decision = decisions.get(key)
        if decision is None and agreed is not None:
            decision = NON_COMPLIANT if agreed == 0 else COMPLIANT
        if decision == NON_COMPLIANT:
            failed.append(criterion.id)
        elif decision != COMPLIANT:
            undecided.append(criterion.id)
    return failed, undecided


def eliminations(tree: Tree, bid_id: int, consensus: Mapping, compliance: Mapping, decisions=None) -> list[int]:
    """Ids of the eliminatory criteria the bid fails, in tree order (see eliminatory_status)."""
    return eliminatory_status(tree, bid_id, consensus, compliance, decisions)[0]


def _plan(tree: Tree, order, share: Mapping[int, Decimal]) -> list[tuple]:
    """What each criterion is does not depend on the bid: worked out once, children before parents (a
    parent sums its children's points). [(criterion id, role, children ids, scale_max, share)]."""
    plan = []
    for criterion, _depth in reversed(order):
        if criterion.kind == ELIMINATORY:
            role, children = "eliminatory", ()
        elif criterion.kind == SCORED and tree.is_scored_leaf(criterion):
            role, children = "leaf", ()
        elif criterion.kind == SCORED:
            role, children = "parent", [c.id for c in tree.weighted_children(criterion.id)]
        else:
            role, children = "price", ()
        plan.append((criterion.id, role, children, criterion.scale_max, share.get(criterion.id)))
    return plan


def _criterion_rows(bid_id: int, plan, scores: Mapping, consensus: Mapping) -> dict[int, dict]:
    """{criterion id: {"criterion", "score", "points", "dispersion"}} of one bid (price points come later)."""
    rows: dict[int, dict] = {}
    for criterion_id, role, children, scale_max, criterion_share in plan:
        key = (bid_id, criterion_id)
        values = Summary.of(scores.get(key, ()))
        row = {"criterion": criterion_id, "score": None, "points": None, "dispersion": is_dispersed(values, scale_max)}
        if role in ("eliminatory", "leaf"):
            row["score"] = criterion_score(values, consensus.get(key))
        if role == "leaf":
            row["points"] = leaf_points(row["score"], scale_max, criterion_share)
        elif role == "parent":
            row["points"] = sum((rows[c]["points"] for c in children), ZERO)
        rows[criterion_id] = row
    return rows


def _eligibility(failed, undecided, rejected: bool) -> bool | None:
    if failed or rejected:
        return False
    return None if undecided else True


def _bid_result(bid: Bid, tree: Tree, order, plan, *, scores, consensus, compliance, decisions, rejected) -> BidResult:
    """One bid's eligibility and technical points (its price points are set once every price is known)."""
    failed, undecided = eliminatory_status(tree, bid.id, consensus, compliance, decisions)
    rows = _criterion_rows(bid.id, plan, scores, consensus)
    technical = sum((rows[c.id]["points"] for c in tree.weighted_children(None) if c.kind == SCORED), ZERO)
    return BidResult(
        bid=bid.id,
        vendor=bid.vendor,
        eligible=_eligibility(failed, undecided, rejected),
        eliminated_by=failed,
        undecided=undecided,
        rejected=rejected,
        criteria=[rows[c.id] for c, _d in order],
        technical_points=technical,
        price_points=None,
        total=technical,
        price=bid.price,
        dispersed=[c.id for c, _d in order if rows[c.id]["dispersion"]],
    )


def _ranked(results: list[BidResult]) -> list[BidResult]:
    """The eligible bids ranked (shared ranks on ties), then every bid sorted best first."""
    eligible = [r for r in results if r.eligible]
    rank_of = ranks({r.bid: r.total for r in eligible})
    for result in eligible:
        result.rank = rank_of[result.bid]
    return sorted(
        results,
        key=lambda r: (r.eligible is not True, r.eligible is False, r.rank or 0, -rounded(r.total), r.bid),
    )


def _set_price_points(results: Mapping[int, BidResult], candidates, price_criterion_id, price_share, formula):
    """Price points of every bid, P_min and P_max taken over `candidates` (raises PriceError on a price ≤ 0)."""
    for result in candidates:
        if result.price is None or result.price <= 0:
            raise PriceError(
                _("Offre « %(vendor)s » : le prix doit être strictement positif.") % {"vendor": result.vendor},
                result.bid,
            )
    prices = [r.price for r in candidates]
    p_min, p_max = (min(prices), max(prices)) if prices else (None, None)
    for result in results.values():
        if p_min is None or result.price is None or result.price <= 0:
            points = ZERO
        else:
            points = price_points(result.price, formula=formula, p_min=p_min, p_max=p_max, share=price_share)
        result.price_points = points
        result.total = result.technical_points + points
        row = next(r for r in result.criteria if r["criterion"] == price_criterion_id)
        row["points"] = points


def compute_results(
    *,
    criteria: Iterable[Criterion],
    bids: Iterable[Bid],
    scores: Mapping[tuple[int, int], Sequence] | None = None,
    consensus: Mapping[tuple[int, int], object] | None = None,
    compliance: Mapping[tuple[int, int], bool | None] | None = None,
    price_formula: str = PROPORTIONAL,
    rejected: Iterable[int] = (),
    decisions: Mapping[tuple[int, int], str] | None = None,
) -> list[BidResult]:
    """Results of every bid, best first (eligible by rank, then the eliminated ones), ties by bid id.

    `scores[(bid, criterion)]` lists the evaluators' values (or gives their Summary), `consensus[(bid, criterion)]` the agreed
    value, `compliance[(bid, criterion)]` the answer's `compliant` flag. Raises CriteriaError when the
    tree is not usable (a level that does not sum to 100…) and PriceError when an eligible bid's price
    is not strictly positive. Bids in `rejected` (abnormally low offers the lead rejected) are not
    eligible: no rank, no part in P_min and P_max. `decisions` (see eliminatory_status): a bid with an
    undecided eliminatory criterion has `eligible` None and no rank, but its price still counts in
    P_min and P_max (it is not excluded yet), so its points are what they will be once it is admitted.
    """
    criteria = list(criteria)
    rejected = set(rejected or ())
    bids = sorted(bids, key=lambda b: b.id)
    scores, consensus, compliance = scores or {}, consensus or {}, compliance or {}
    if price_formula not in PRICE_FORMULAS:
        raise ValueError(f"unknown price formula {price_formula!r}")
    check_criteria(criteria)
    tree = Tree(criteria)
    order = tree.depth_first()
    share = shares(criteria)
    plan = _plan(tree, order, share)

    results = {
        bid.id: _bid_result(
            bid,
            tree,
            order,
            plan,
            scores=scores,
            consensus=consensus,
            compliance=compliance,
            decisions=decisions,
            rejected=bid.id in rejected,
        )
        for bid in bids
    }

    price_criterion = next((c for c, _d in order if c.kind == PRICE), None)
    if price_criterion is not None:
        # Undecided bids are not excluded yet: their prices count in P_min and P_max.
        candidates = [results[b.id] for b in bids if results[b.id].eligible is not False]
        _set_price_points(results, candidates, price_criterion.id, share[price_criterion.id], price_formula)

    return _ranked(list(results.values()))


def results_as_dict(results: Sequence[BidResult], price_formula: str) -> dict:
    """The body of GET /api/v1/tenders/{id}/results/."""
    return {"price_formula": price_formula, "bids": [r.as_dict() for r in results]}


# ---------------------------------------------------------------------------
# Abnormally low offers (Code de la commande publique L2152-5/-6, R2152-3 to R2152-5)

DEFAULT_LOW_OFFER_THRESHOLD = Decimal(20)


@dataclass(frozen=True)
class LowOffer:
    """A bid's price against the mean of the other eligible bids; `gap` is the percentage below that mean."""

    bid: int
    price: Decimal
    mean_of_others: Decimal
    gap: Decimal
    flagged: bool


def is_abnormally_low(price, others: Sequence, threshold) -> bool:
    """True when `price` is MORE than `threshold` % below the mean of `others` (exactly threshold %: False).

    Compared without division (price × 100 × n < Σothers × (100 − threshold)), so 20 % below a mean
    is never flagged by a rounding error, while 20.01 % below is.
    """
    price, threshold = to_decimal(price), to_decimal(threshold)
    others = [to_decimal(o) for o in others]
    if not others or price is None:
        return False
    return price * HUNDRED * len(others) < sum(others, ZERO) * (HUNDRED - threshold)


def low_offer_flags(
    *,
    criteria: Iterable[Criterion],
    bids: Iterable[Bid],
    consensus: Mapping | None = None,
    compliance: Mapping | None = None,
    rejected: Iterable[int] = (),
    threshold=DEFAULT_LOW_OFFER_THRESHOLD,
    decisions: Mapping | None = None,
) -> dict[int, LowOffer]:
    """{bid id: LowOffer} for every bid that no eliminatory criterion excludes, when it has others to compare with.

    The others are the *eligible* bids: not eliminated, not already rejected as abnormally low. A
    rejected bid is still measured against them (its row stays in the report).
    """
    tree = Tree(list(criteria))
    consensus, compliance = consensus or {}, compliance or {}
    rejected = set(rejected or ())
    admissible = [
        b
        for b in bids
        if b.price is not None and b.price > 0 and not eliminations(tree, b.id, consensus, compliance, decisions)
    ]
    pool = [b for b in admissible if b.id not in rejected]
    out = {}
    for bid in admissible:
        others = [b.price for b in pool if b.id != bid.id]
        if not others:
            continue
        mean_of_others = sum(others, ZERO) / len(others)
        out[bid.id] = LowOffer(
            bid=bid.id,
            price=bid.price,
            mean_of_others=mean_of_others,
            gap=(mean_of_others - bid.price) / mean_of_others * HUNDRED,
            flagged=is_abnormally_low(bid.price, others, threshold),
        )
    return out

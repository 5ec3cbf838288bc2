"""What keeps the results provisional, how a tie for first is settled, and who is retained once nothing blocks.

Pure functions on plain values (the results of `rules.compute_results`, counts and names the selectors
read), beside `rules.py`: no database here. `scoring/selectors.py` reads the evaluation and calls them;
the API, the pages, the report and the award read the `Verdict` they return (docs/SCORING.md).

Each blocking reason is `{"code", "message"}`; the codes, in the order a verdict lists them:
eliminatory_undecided, evaluator_pending, consensus_required, low_offer_pending, then technical_open or
reopened (the state of the evaluation), then tie_for_first.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from tenders.models import TieBreak

from . import rules


@dataclass(frozen=True)
class Verdict:
    """`results` best first (the bid a tie-break retains leads); `tie` the settled tie or None; `awardee`
    the id of the bid ranked first alone once nothing blocks (None while provisional, hence on a tie the
    rule cannot settle, or without any eligible bid)."""

    results: list
    blocking: list[dict]
    tie: dict | None
    awardee: int | None

    @property
    def provisional(self) -> bool:
        return bool(self.blocking)


@dataclass(frozen=True)
class EvaluatorProgress:
    """A named evaluator: the name the pages show, the conflict-of-interest declaration, the scores given
    on the scored leaves of the bids still in the running."""

    name: str
    declared: bool
    scored: int


def undecided_requirements(results, names) -> list[dict]:
    """eliminatory_undecided: a bid still in the running with an eliminatory requirement not decided (or
    under regularisation). `names`: {criterion id: name}."""
    undecided = [r for r in results if r.undecided and r.eligible is not False]
    if not undecided:
        return []
    items = "; ".join(f"{r.vendor} ({', '.join(names[c] for c in r.undecided)})" for r in undecided)
    return [
        {
            "code": "eliminatory_undecided",
            "message": _("Exigences éliminatoires non décidées : %(items)s.") % {"items": items},
        }
    ]


def pending_evaluators(evaluators: list[EvaluatorProgress], expected: int, unscored: int) -> list[dict]:
    """evaluator_pending: a named evaluator who has not declared, or has given fewer than `expected` scores.
    Without any named evaluator, `unscored` cells (neither a score nor a consensus) are missing."""
    pending = []
    if not evaluators and unscored:
        pending.append(_("Aucun évaluateur désigné : %(missing)d note(s) manquante(s)") % {"missing": unscored})
    for evaluator in evaluators:
        if not evaluator.declared:
            pending.append(_("%(name)s n'a pas déclaré l'absence de conflit d'intérêts") % {"name": evaluator.name})
        elif evaluator.scored < expected:
            pending.append(
                _("%(name)s : %(missing)d note(s) manquante(s)")
                % {"name": evaluator.name, "missing": expected - evaluator.scored}
            )
    if not pending:
        return []
    return [{"code": "evaluator_pending", "message": "; ".join(pending) + "."}]


def missing_consensus(results, running, leaves, consensus, names) -> list[dict]:
    """consensus_required: a scored leaf whose evaluators' scores are dispersed (rules.is_dispersed) and
    that has no consensus, on a bid still in the running (`running`: bid ids)."""
    missing = [
        f"{r.vendor} ({names[c]})"
        for r in results
        if r.bid in running
        for c in r.dispersed
        if c in leaves and (r.bid, c) not in consensus
    ]
    if not missing:
        return []
    return [
        {
            "code": "consensus_required",
            "message": _("Notes trop dispersées sans consensus : %(items)s.") % {"items": "; ".join(missing)},
        }
    ]


def pending_low_offers(low_offers) -> list[dict]:
    """low_offer_pending: an abnormally low offer without the lead's decision (`low_offers`: its rows)."""
    pending = [row for row in low_offers.values() if row["pending"]]
    if not pending:
        return []
    return [
        {
            "code": "low_offer_pending",
            "message": _("Offre anormalement basse sans décision : %(vendors)s.")
            % {"vendors": ", ".join(row["vendor"] for row in pending)},
        }
    ]


def break_tie(first, rule):
    """The one bid the tender's announced tie-break retains among bids tied first, or None when they are
    equal on both of its keys (technical points at the ranking's precision, and price)."""

    def technical(result):
        return -rules.rounded(result.technical_points)

    def price(result):
        return result.price if result.price is not None else Decimal("Infinity")

    key = (lambda r: (price(r), technical(r))) if rule == TieBreak.PRICE else (lambda r: (technical(r), price(r)))
    ordered = sorted(first, key=key)
    return None if key(ordered[0]) == key(ordered[1]) else ordered[0]


def _settled_tie(first, retained, rule) -> dict:
    return {
        "bids": [r.bid for r in first],
        "rule": rule,
        "retained": retained.bid,
        "message": _(
            "Égalité de note globale au premier rang entre %(vendors)s, départagée selon la règle annoncée "
            "au règlement de la consultation (%(rule)s) : l'offre de %(vendor)s est retenue."
        )
        % {
            "vendors": ", ".join(r.vendor for r in first),
            "rule": str(TieBreak(rule).label).lower(),
            "vendor": retained.vendor,
        },
    }


def _unsettled_tie(first) -> dict:
    # The law sets no tie-break: the ranking must say so rather than pick one bid silently.
    return {
        "code": "tie_for_first",
        "message": _(
            "Égalité au premier rang entre %(vendors)s : aucun attributaire n'est désigné tant que "
            "l'égalité n'est pas départagée selon la règle annoncée dans les documents de la consultation."
        )
        % {"vendors": ", ".join(r.vendor for r in first)},
    }


def verdict(results, blocking, tie_break=TieBreak.TECHNICAL) -> Verdict:
    """The verdict on ranked `results` given the other blocking reasons (listed before a tie's).

    A tie for first that the announced rule settles leaves the ranks shared (API.md) and puts the
    retained bid first; one it cannot settle blocks."""
    blocking = list(blocking)
    first = [r for r in results if r.eligible is True and r.rank == 1]
    tie = None
    retained = break_tie(first, tie_break) if len(first) > 1 else None
    if retained is not None:
        tie = _settled_tie(first, retained, tie_break)
        results = sorted(results, key=lambda r: r.bid != retained.bid)
        first = [retained]
    if len(first) > 1:
        blocking.append(_unsettled_tie(first))
    awardee = first[0].bid if len(first) == 1 and not blocking else None
    return Verdict(results=results, blocking=blocking, tie=tie, awardee=awardee)

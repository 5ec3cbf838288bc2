"""Simulate the scoring method before publishing it (pure functions on plain data, on top of rules.py).

The French finance ministry's legal service (DAJ) advises trying the announced method on a few
hypothetical bids before publishing: does the ranking hold under each price formula and when a
few weight points move from one criterion to another? And does the lowest price always get the
full price mark, as the Conseil d'État requires (CE 29 octobre 2013, n° 370789)?

Input bids are plain dicts: {"name", "price", "scores": {criterion id: level}} where a level is a
number between 0 and the leaf's `scale_max`, or a percentage string such as "60%"; a scored leaf
left out scores 0; eliminatory criteria are taken as met. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from organizations.formatting import format_number

from . import rules

DEFAULT_STEP = Decimal(5)
MAX_BIDS = 10
FORMULA_LABELS = {
    rules.PROPORTIONAL: gettext_lazy("proportionnelle (P_min / P)"),
    rules.LINEAR: gettext_lazy("linéaire (1 − (P − P_min) / P_min)"),
    rules.RANGE: gettext_lazy("par écart (P_max − P) / (P_max − P_min)"),
}
# Reference price of the generated profiles, and each profile's (price ratio, percentage of every scale).
REFERENCE_PRICE = Decimal(100000)
PROFILES = (
    ("cheap_weak", gettext_noop("Moins chère et faible"), Decimal("0.80"), Decimal(40)),
    ("expensive_strong", gettext_noop("Plus chère et solide"), Decimal("1.30"), Decimal(90)),
    ("balanced", gettext_noop("Équilibrée"), Decimal("1.00"), Decimal(70)),
)


class SimulationError(Exception):
    """A hypothetical bid that cannot be scored: {field: [messages]}."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__("; ".join(m for ms in errors.values() for m in ms))


def scored_leaves(criteria: Sequence[rules.Criterion]) -> list[rules.Criterion]:
    tree = rules.Tree(criteria)
    return [c for c, _d in tree.depth_first() if c.kind == rules.SCORED and tree.is_scored_leaf(c)]


def parse_level(value, scale_max) -> Decimal:
    """A level from a number (0..scale_max) or a percentage of the scale ("60%", "60 %")."""
    scale_max = rules.to_decimal(scale_max)
    text = str(value).strip().replace(",", ".").replace("\u202f", "").replace(" ", "")
    percent = text.endswith("%")
    try:
        number = Decimal(text.rstrip("%"))
    except InvalidOperation:
        raise ValueError(_("« %(value)s » n'est ni une note ni un pourcentage.") % {"value": value})
    if not number.is_finite():
        raise ValueError(_("« %(value)s » n'est ni une note ni un pourcentage.") % {"value": value})
    if percent:
        if not 0 <= number <= 100:
            raise ValueError(_("Un pourcentage est compris entre 0 et 100 %."))
        return number / rules.HUNDRED * scale_max
    if not 0 <= number <= scale_max:
        raise ValueError(
            _("La note doit être comprise entre 0 et %(max)s.") % {"max": format_number(scale_max, 2, trim=True)}
        )
    return number


def normalise_bids(criteria: Sequence[rules.Criterion], bids: Iterable[Mapping]) -> list[dict]:
    """[{"name", "price", "levels": {leaf id: Decimal}}], or SimulationError naming the bid and the criterion."""
    leaves = {c.id: c for c in scored_leaves(criteria)}
    out, errors = [], {}
    for index, bid in enumerate(bids, start=1):
        name = str(bid.get("name") or "").strip() or _("Offre %(n)d") % {"n": index}
        price = rules.to_decimal(bid.get("price"))
        if price is None or price <= 0:
            errors.setdefault("bids", []).append(
                _("Offre « %(name)s » : le prix doit être strictement positif.") % {"name": name}
            )
        levels = {leaf: rules.ZERO for leaf in leaves}
        for key, value in (bid.get("scores") or {}).items():
            try:
                criterion = leaves.get(int(key))
            except (TypeError, ValueError):
                criterion = None
            if criterion is None:
                errors.setdefault("bids", []).append(
                    _("Offre « %(name)s » : « %(key)s » n'est pas un critère noté sans sous-critères de ce marché.")
                    % {"name": name, "key": key}
                )
                continue
            if value is None or str(value).strip() == "":
                continue
            try:
                levels[criterion.id] = parse_level(value, criterion.scale_max)
            except ValueError as error:
                errors.setdefault("bids", []).append(
                    _("Offre « %(name)s », critère « %(criterion)s » : %(error)s")
                    % {"name": name, "criterion": criterion.name, "error": error}
                )
        out.append({"name": name, "price": price, "levels": levels})
    if not out:
        errors.setdefault("bids", []).append(_("Saisissez au moins une offre hypothétique."))
    if len(out) > MAX_BIDS:
        errors.setdefault("bids", []).append(_("Au plus %(max)d offres hypothétiques.") % {"max": MAX_BIDS})
    if errors:
        raise SimulationError(errors)
    return out


def profiles(criteria: Sequence[rules.Criterion], reference_price=REFERENCE_PRICE) -> list[dict]:
    """Three typical bids derived from the tender's scored leaves: cheap and weak, expensive and strong, balanced."""
    reference_price = rules.to_decimal(reference_price)
    leaves = scored_leaves(criteria)
    return [
        {
            "name": _(label),
            "profile": key,
            "price": rules.rounded(reference_price * ratio, 2),
            "scores": {str(leaf.id): f"{percent}%" for leaf in leaves},
        }
        for key, label, ratio, percent in PROFILES
    ]


def _ranking(criteria, bids: list[dict], formula: str) -> list[dict]:
    plain = [rules.Bid(id=i, vendor=b["name"], price=b["price"]) for i, b in enumerate(bids)]
    consensus = {(i, leaf): level for i, b in enumerate(bids) for leaf, level in b["levels"].items()}
    results = rules.compute_results(criteria=criteria, bids=plain, consensus=consensus, price_formula=formula)
    return [
        {
            "index": r.bid,
            "name": r.vendor,
            "price": r.price,
            "rank": r.rank,
            "technical_points": r.technical_points,
            "price_points": r.price_points,
            "total": r.total,
        }
        for r in results
    ]


def _ranks(ranking) -> dict[int, int]:
    return {row["index"]: row["rank"] for row in ranking}


def _winners(ranking) -> list[str]:
    return [row["name"] for row in ranking if row["rank"] == 1]


def _compare(ranking, baseline) -> dict:
    return {
        "flip": _ranks(ranking) != _ranks(baseline),
        "winner_changed": {r["index"] for r in ranking if r["rank"] == 1}
        != {r["index"] for r in baseline if r["rank"] == 1},
    }


def _lowest_price_check(criteria, ranking) -> bool | None:
    """True when every lowest-priced bid gets the full price share (CE 2013); None without a price criterion."""
    price = next((c for c in criteria if c.kind == rules.PRICE), None)
    if price is None:
        return None
    share = rules.shares(criteria)[price.id]
    lowest = min(row["price"] for row in ranking)
    return all(
        rules.rounded(row["price_points"] or rules.ZERO) >= rules.rounded(share)
        for row in ranking
        if row["price"] == lowest
    )


def formula_gives_full_share_to_lowest(formula: str) -> bool:
    """The formula itself, on sample prices: does P_min always get the whole share?"""
    samples = [(Decimal(100), Decimal(100)), (Decimal(100), Decimal(150)), (Decimal(100), Decimal(400))]
    return all(
        rules.price_points(p_min, formula=formula, p_min=p_min, p_max=p_max, share=rules.HUNDRED) == rules.HUNDRED
        for p_min, p_max in samples
    )


def weight_moves(criteria: Sequence[rules.Criterion], step) -> list[tuple[rules.Criterion, rules.Criterion]]:
    """Ordered pairs (from, to) of top-level weighted criteria where `step` points can move (from keeps > 0)."""
    top = rules.Tree(criteria).weighted_children(None)
    return [(a, b) for a in top for b in top if a.id != b.id and a.weight - step > 0 and b.weight + step <= 100]


def _moved(criteria, source, target, step):
    return [
        replace(c, weight=c.weight - step)
        if c.id == source.id
        else replace(c, weight=c.weight + step)
        if c.id == target.id
        else c
        for c in criteria
    ]


def simulate(
    *,
    criteria: Iterable[rules.Criterion],
    bids: Iterable[Mapping],
    formula: str = rules.PROPORTIONAL,
    step=DEFAULT_STEP,
) -> dict:
    """Rankings under the tender's method (baseline), under each price formula and under each weight move.

    Raises rules.CriteriaError when the tree is not usable and SimulationError for a bad bid.
    Returns plain data with Decimals (the API turns them into numbers):
    {"formula", "step", "bids", "baseline", "formulas", "weight_changes", "flips", "warnings"}.
    """
    criteria = list(criteria)
    step = rules.to_decimal(step)
    rules.check_criteria(criteria)
    bids = normalise_bids(criteria, bids)
    baseline = _ranking(criteria, bids, formula)
    warnings, flips = [], []
    by_id = {c.id: c for c in criteria}

    price = next((c for c in criteria if c.kind == rules.PRICE), None)
    if price is None or not price.weight:
        warnings.append(
            {
                "code": "no_price",
                "message": _(
                    "Aucun critère de prix pondéré : le prix doit compter dans le choix de l'offre "
                    "économiquement la plus avantageuse."
                ),
            }
        )

    formulas = []
    for name in rules.PRICE_FORMULAS:
        ranking = baseline if name == formula else _ranking(criteria, bids, name)
        full = _lowest_price_check(criteria, ranking)
        row = {
            "formula": name,
            "label": str(FORMULA_LABELS[name]),
            "baseline": name == formula,
            "ranking": ranking,
            "winner": _winners(ranking),
            "lowest_price_gets_full_share": full,
            **_compare(ranking, baseline),
        }
        formulas.append(row)
        if row["flip"]:
            flips.append(
                {
                    "kind": "formula",
                    "formula": name,
                    "winner_changed": row["winner_changed"],
                    "message": _("Avec la formule %(formula)s, le classement change%(winner)s.")
                    % {
                        "formula": FORMULA_LABELS[name],
                        "winner": _(" et l'offre classée première aussi") if row["winner_changed"] else "",
                    },
                }
            )
        if full is False or not formula_gives_full_share_to_lowest(name):
            warnings.append(
                {
                    "code": "ce_2013",
                    "formula": name,
                    "message": _(
                        "Formule %(formula)s : l'offre la moins chère n'obtient pas la note maximale du prix, "
                        "ce que le Conseil d'État interdit (CE, 29 octobre 2013, n° 370789)."
                    )
                    % {"formula": FORMULA_LABELS[name]},
                }
            )

    changes = []
    for source, target in weight_moves(criteria, step):
        moved = _moved(criteria, source, target, step)
        ranking = _ranking(moved, bids, formula)
        row = {
            "from": source.id,
            "from_name": source.name,
            "to": target.id,
            "to_name": target.name,
            "step": step,
            "weights": {c.id: c.weight for c in moved if c.parent is None and c.kind in rules.WEIGHTED_KINDS},
            "ranking": ranking,
            "winner": _winners(ranking),
            "lowest_price_gets_full_share": _lowest_price_check(moved, ranking),
            **_compare(ranking, baseline),
        }
        changes.append(row)
        if row["flip"]:
            flips.append(
                {
                    "kind": "weights",
                    "from": source.id,
                    "to": target.id,
                    "winner_changed": row["winner_changed"],
                    "message": _(
                        "En déplaçant %(step)s points de « %(source)s » vers « %(target)s », le classement change%(winner)s."
                    )
                    % {
                        "step": format_number(step, 2, trim=True),
                        "source": by_id[source.id].name,
                        "target": by_id[target.id].name,
                        "winner": _(" et l'offre classée première aussi") if row["winner_changed"] else "",
                    },
                }
            )
    return {
        "formula": formula,
        "step": step,
        "bids": [
            {"name": b["name"], "price": b["price"], "levels": {str(k): v for k, v in b["levels"].items()}}
            for b in bids
        ],
        "baseline": {"formula": formula, "ranking": baseline, "winner": _winners(baseline)},
        "formulas": formulas,
        "weight_changes": changes,
        "flips": flips,
        "warnings": warnings,
    }


def as_json(value):
    """The simulation with Decimals as numbers (rounded like the results) and the internal bid index dropped."""
    if isinstance(value, Decimal):
        return rules.as_number(value)
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items() if k != "index"}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    return value

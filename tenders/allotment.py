"""The RC's allotment article, as plain data (L2113-10, L2113-11; docs/LOTS.md)."""

from django.utils.translation import gettext as _

from .models import TenderClause


def allotment_section(tender, lots) -> dict:
    """The RC's allotment article (plain data for the writers): the lots, or why there are none (L2113-10,
    L2113-11), and the rule limiting the lots one bidder is awarded (docs/LOTS.md)."""
    paragraphs = []
    if lots:
        paragraphs.append(
            _(
                "La consultation est divisée en %(count)d lots (article L2113-10 du code de la commande publique). "
                "Chaque lot fait l'objet d'un marché distinct, attribué selon ses propres critères. Un "
                "soumissionnaire peut présenter une offre pour un ou plusieurs lots, une offre distincte par lot."
            )
            % {"count": len(lots)}
        )
        if tender.max_lots_per_bidder:
            paragraphs.append(
                _(
                    "Un même soumissionnaire ne peut se voir attribuer plus de %(max)d lot(s). Les lots sont "
                    "attribués dans l'ordre de leur numéro ; lorsque l'offre classée première sur un lot émane "
                    "d'un soumissionnaire qui détient déjà ce nombre de lots, le lot est attribué à l'offre "
                    "classée immédiatement après elle."
                )
                % {"max": tender.max_lots_per_bidder}
            )
    else:
        paragraphs.append(
            _(
                "La consultation n'est pas divisée en lots : elle donne lieu à un marché unique (article L2113-11 "
                "du code de la commande publique), pour le motif suivant : %(reason)s"
            )
            % {"reason": tender.single_lot_reason.strip() or _("(motif à indiquer avant la publication)")}
        )
    return {
        "paragraphs": paragraphs,
        "lots": [{"number": lot.number, "title": lot.title, "description": lot.description} for lot in lots],
    }


def article_lots(tender, lots, clause_ids) -> dict:
    """{tender clause id: "Lots concernés : 1, 3" or "Tous les lots"} for a tender with lots (one query); {} without."""
    if not lots:
        return {}
    numbers = {lot.pk: lot.number for lot in lots}
    chosen: dict[int, list[int]] = {}
    through = TenderClause.lots.through.objects.filter(tenderclause__tender_id=tender.pk)
    for clause_id, lot_id in through.values_list("tenderclause_id", "lot_id"):
        chosen.setdefault(clause_id, []).append(numbers[lot_id])
    labels = {}
    for clause_id in clause_ids:
        picked = sorted(chosen.get(clause_id, []))
        labels[clause_id] = (
            _("Lots concernés : %(numbers)s") % {"numbers": ", ".join(map(str, picked))}
            if picked
            else _("Tous les lots")
        )
    return labels


def clauses_of_lot(clauses, lot) -> list:
    """The tender clauses that apply to `lot`: those naming it and those naming no lot (one query)."""
    ids = [tc.pk for tc in clauses]
    named = {}
    for clause_id, lot_id in TenderClause.lots.through.objects.filter(tenderclause_id__in=ids).values_list(
        "tenderclause_id", "lot_id"
    ):
        named.setdefault(clause_id, set()).add(lot_id)
    return [tc for tc in clauses if tc.pk not in named or lot.pk in named[tc.pk]]

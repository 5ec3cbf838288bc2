"""The RC's allotment article, as plain data (L2113-10, L2113-11; docs/LOTS.md)."""

from django.utils.translation import gettext as _


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

"""The words of the scoring method, written once: the RC announces them, the evaluation report repeats them.

Scoring applies the arithmetic of rules.py; this module says it in the document's language: how a
sub-criterion's score becomes points, the price formulas in words and symbols, how bids tied first
are settled. The tenders app never imports scoring: it receives these texts through the provider
registered in tenders/hooks.py (`scoring_method`, see ScoringConfig.ready()).
"""

from django.utils import translation
from django.utils.translation import gettext as _

from organizations.formatting import format_percent

from . import rules


def price_formula_text(formula, price_weight=None, language="fr") -> dict:
    """{"words", "symbols", "legend"}: how the price is scored under `formula` (rules.price_points).

    `price_weight` is the price criterion's weight in the final mark as the RC prints it (text or number).
    """
    with translation.override(language):
        # The legend defines the symbols its formula uses, no other: P_max only where the formula has it.
        if formula == rules.RANGE:
            legend = _(
                "P : prix de l'offre notée, c'est-à-dire le montant que compare le critère prix (voir « Prix "
                "comparé ») ; P_min et P_max : le plus bas et le plus élevé de ces montants parmi les offres "
                "régulières, acceptables et appropriées"
            )
        else:
            legend = _(
                "P : prix de l'offre notée, c'est-à-dire le montant que compare le critère prix (voir « Prix "
                "comparé ») ; P_min : le plus bas de ces montants parmi les offres régulières, acceptables et "
                "appropriées"
            )
        if price_weight is None:
            legend += _(" ; N : poids du critère prix dans la note finale.")
        else:
            legend += _(" ; N : poids du critère prix dans la note finale (%(points)s).") % {
                "points": format_percent(price_weight, 2, trim=False, language=language)
            }
        if formula == rules.LINEAR:
            words = _(
                "La note prix diminue linéairement avec l'écart relatif au prix le plus bas : l'offre la moins "
                "chère obtient la totalité des points, une offre deux fois plus chère ou plus n'en obtient aucun."
            )
            symbols = "N × max(0 ; 1 − (P − P_min) / P_min)"
        elif formula == rules.RANGE:
            words = _(
                "La note prix dépend de la place de l'offre entre le prix le plus élevé et le prix le plus bas : "
                "l'offre la moins chère obtient la totalité des points, la plus chère aucun ; si tous les prix "
                "sont égaux, chaque offre obtient la totalité des points."
            )
            symbols = "N × (P_max − P) / (P_max − P_min)"
        else:
            words = _(
                "La note prix est proportionnelle au rapport entre le prix le plus bas et le prix de l'offre : "
                "l'offre la moins chère obtient la totalité des points."
            )
            symbols = "N × P_min / P"
        return {"words": words, "symbols": symbols, "legend": legend}


def tie_break_text(rule, language="fr") -> str:
    """The tender's tie-break rule (tenders.TieBreak) as announced, applied by selectors.Outcome to the award."""
    with translation.override(language):
        if rule == "price":
            return _(
                "Lorsque deux offres ou plus sont classées premières à égalité de note globale, l'offre de prix "
                "le plus bas est retenue ; si leurs prix sont égaux, celle qui a la meilleure note technique "
                "(points des critères autres que le prix)."
            )
        return _(
            "Lorsque deux offres ou plus sont classées premières à égalité de note globale, l'offre qui a la "
            "meilleure note technique (points des critères autres que le prix) est retenue ; si leurs notes "
            "techniques sont égales, celle dont le prix est le plus bas."
        )


def scale_text(scales, language="fr") -> str:
    """How sub-criteria are scored: one sentence when every scored sub-criterion has the same scale."""
    with translation.override(language):
        scales = sorted({int(scale) for scale in scales if scale})
        if len(scales) == 1:
            return _(
                "Chaque sous-critère noté reçoit une note de 0 à %(max)s (sa note maximale), au vu de l'offre."
            ) % {"max": scales[0]}
        return _(
            "Chaque sous-critère noté reçoit une note de 0 à sa note maximale, indiquée pour chacun dans la "
            "colonne « Nature » du tableau, au vu de l'offre."
        )


def scoring_method(*, price_formula, price_weight, tie_break, scales, language="fr") -> dict:
    """Every text of the RC's scoring method (docs/SCORING.md), in the document's language."""
    with translation.override(language):
        return {
            "scale": scale_text(scales, language),
            "score": _(
                "La note retenue pour un sous-critère est celle que les évaluateurs arrêtent en consensus ou, à "
                "défaut, la moyenne de leurs notes."
            ),
            "conversion": _(
                "Les points d'un sous-critère sont sa note divisée par sa note maximale, multipliée par son poids "
                "dans la note finale ; les points d'un critère sont la somme des points de ses sous-critères ; "
                "la note globale, sur 100, est la somme des points de tous les critères, prix compris."
            ),
            "conversion_symbols": _("Points = note / note maximale × poids dans la note finale"),
            "precision": _(
                "Les points sont calculés sans arrondi et le classement compare les notes globales à six décimales ; "
                "les documents les affichent arrondis au centième."
            ),
            "price": price_formula_text(price_formula, price_weight, language),
            "tie_break": tie_break_text(tie_break, language),
        }

"""The technical annex's preamble, written once for the HTML/PDF and DOCX writers: [(title, paragraph)].

Call it inside the document's language (translation.override): the texts are translated when called.
The legal statements rest on shared/LEGAL.md ("Pieces of a tender file", "Technical specifications").
"""

from django.utils.translation import gettext


def annex_preamble(doc) -> list[tuple[str, str]]:
    return [
        (
            gettext("Objet"),
            gettext(
                "La présente annexe n° %(number)s au cahier des clauses techniques particulières (CCTP) du marché "
                "« %(title)s » (référence %(reference)s) fixe les exigences techniques d'interopérabilité "
                "auxquelles la solution du titulaire satisfait."
            )
            % {"number": doc.get("annex_number") or "1", "title": doc["title"], "reference": doc["reference"]},
        ),
        (
            gettext("Champ d'application"),
            gettext(
                "Elle s'applique à toutes les prestations du marché qui produisent, exposent, échangent ou "
                "restituent les données de l'établissement, pendant toute la durée du marché. Les obligations "
                "assorties de sanctions (pénalités, réversibilité, propriété intellectuelle, confidentialité) "
                "figurent au cahier des clauses administratives particulières (CCAP) ; les critères d'attribution "
                "figurent au règlement de la consultation."
            ),
        ),
        (
            # CCAG-TIC 4.1 (order of precedence) and 1.2 (derogations listed in the CCAP's last article).
            gettext("Ordre de priorité des pièces"),
            gettext(
                "Conformément à l'article 4.1 du CCAG-TIC, en cas de contradiction entre les pièces du marché, "
                "elles prévalent dans l'ordre suivant : l'acte d'engagement et ses annexes financières ; le CCAP "
                "et ses annexes ; le CCTP et ses annexes, dont la présente annexe ; le CCAG-TIC ; le CCTG le cas "
                "échéant ; l'offre technique du titulaire ; les actes spéciaux de sous-traitance et leurs actes "
                "modificatifs postérieurs ; la politique de sécurité des systèmes d'information de l'acheteur. La "
                "présente annexe ne déroge pas au CCAG-TIC : les dérogations du marché sont énumérées au dernier "
                "article du CCAP (article 1.2 du CCAG-TIC)."
            ),
        ),
        (
            # R2111-9, with the statutory certifications and référentiels that have no equivalent.
            gettext("Normes et spécifications citées"),
            gettext(
                "Toute norme, spécification ou référence technique citée s'entend « ou équivalent » (article "
                "R2111-9 du code de la commande publique) : le candidat qui propose un équivalent démontre qu'il "
                "offre les mêmes fonctions et le même niveau d'interopérabilité. Font exception les certifications "
                "et référentiels imposés par un texte — la certification d'hébergeur de données de santé (article "
                "L1111-8 du code de la santé publique), le référentiel de l'identité nationale de santé, les "
                "référentiels rendus opposables en application de l'article L1470-5 du même code —, qui "
                "s'appliquent sans équivalent. Les documents cités à titre informatif n'ont pas de valeur "
                "contractuelle."
            ),
        ),
        (
            gettext("Identification des exigences"),
            gettext(
                "Chaque exigence est identifiée par son numéro d'article (par exemple 3.2 : section 3, deuxième "
                "exigence), que le candidat rappelle dans son cadre de réponse. Ces numéros sont figés à la "
                "publication de la consultation."
            ),
        ),
    ]

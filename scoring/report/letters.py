"""The letters that follow the award decision, as sectioned documents (scoring/report/writers.py).

- to each tenderer not retained, one letter (R2181-1, content R2181-3): the reasons for the rejection
  (an eliminated offer's legal qualification and the buyer's reason; an abnormally low offer's rejection;
  a ranked offer's rank in words and its points per criterion beside the awardee's), the awardee's name,
  its points per criterion and the lead's summary of the characteristics and relative advantages of its
  offer (`Award.advantages`), the date from which the contract may be signed (standstill R2182-1; none
  for a single tenderer, R2182-2), the remedies (référé précontractuel, référé contractuel,
  Tarn-et-Garonne action, the competent administrative court) and, unless the offer was rejected as
  irregular, unacceptable or inappropriate, the right to ask for the characteristics and relative
  advantages of the retained offer (R2181-4: no deadline on the request; the buyer answers within 15 days);
- to the awardee, the award notice (its own document kind, `award_notice`).
What a letter may disclose (L2132-1): points, rank, the awardee's name and the lead's summary. Never an
evaluator's comment nor a consensus justification (internal notes): the letters read no such field.
Each letter is addressed to the candidate as it identified itself in its answer form (`addressee`).
Only once the award sequence allows it: `letters_refusal(doc)` says why not otherwise.
"""

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.fr import siret as siret_number

from organizations.formatting import is_french

from ..services.award import STANDSTILL_ELECTRONIC_DAYS, STANDSTILL_OTHER_DAYS
from .sections import Formats, bullet_list, facts, heading, paragraph, qualification_text, section, table

FRENCH_ORDINALS = (
    "première", "deuxième", "troisième", "quatrième", "cinquième", "sixième", "septième", "huitième",
    "neuvième", "dixième", "onzième", "douzième", "treizième", "quatorzième", "quinzième", "seizième",
    "dix-septième", "dix-huitième", "dix-neuvième", "vingtième",
)  # fmt: skip
ENGLISH_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth",
)  # fmt: skip


def ordinal(rank, language) -> str:
    """A rank in words, as an offer's ("classée deuxième", "ranked second"); in figures past twenty."""
    words = FRENCH_ORDINALS if is_french(language) else ENGLISH_ORDINALS
    if 1 <= rank <= len(words):
        return words[rank - 1]
    return f"{rank}e" if is_french(language) else f"{rank}th"


def letters_refusal(doc) -> str | None:
    """Why letters cannot be written now (a sentence), or None: results final, an awardee, the award
    decision recorded for that awardee and its certificates received (or waived, with a reason)."""
    if doc["provisional"]:
        return _(
            "Les lettres ne peuvent être préparées que sur des résultats définitifs. Points ouverts : %(items)s"
        ) % {"items": " ".join(item["message"] for item in doc["blocking"])}
    if doc["awardee"] is None:
        return _(
            "Aucun attributaire n’est désigné (aucune offre recevable ou égalité au premier rang) : pas de lettres."
        )
    award = doc.get("award")
    if award is None:
        return _(
            "Les lettres suivent la décision d'attribution : enregistrez d'abord l'offre retenue, la date de la "
            "décision et les caractéristiques et avantages relatifs de l'offre retenue."
        )
    if award["bid"] != doc["awardee"]["bid"]:
        return _(
            "Les résultats ont changé depuis la décision d'attribution : enregistrez-la de nouveau pour l'offre "
            "classée première."
        )
    if not (award["certificates_received_on"] or award["certificates_waived_reason"]):
        return _(
            "Les lettres partent une fois que l'attributaire a prouvé qu'il n'est pas exclu : enregistrez la "
            "réception de ses certificats (R2144-4) ou le motif de leur absence (R2144-7)."
        )
    return None


def sending_date(doc) -> datetime.date:
    return datetime.date.fromisoformat(doc["letters_sent_on"]) if doc["letters_sent_on"] else timezone.localdate()


def standstill(doc, sent_on) -> tuple[datetime.date | None, str]:
    """(last day of the standstill or None, the sentence that explains None)."""
    if len(doc["bids"]) == 1:
        return None, _(
            "Aucun délai de suspension ne s’applique : le marché est attribué au seul opérateur ayant participé "
            "à la consultation (article R2182-2 du code de la commande publique)."
        )
    days = STANDSTILL_ELECTRONIC_DAYS if doc["letters_electronic"] else STANDSTILL_OTHER_DAYS
    return sent_on + datetime.timedelta(days=days), ""


def _one_line(text):
    """A postal address typed on several lines, on one: "1 rue de la Paix, 75002 Paris"."""
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def _siret(number):
    """The SIRET as it is printed, SIREN then NIC ("732 829 320 00074"); the import stores its 14 digits."""
    return siret_number.format(number) if len(number) == 14 and number.isdigit() else number


def addressee(candidate) -> list[tuple[str, str]]:
    """The addressee as the candidate identified itself in its answer form (`data.candidate`): its legal
    name (the buyer's name for it when no form was imported), then its SIRET, signatory, address and
    e-mail when known; nothing is printed for what is not known."""
    rows = [(_("Destinataire"), candidate["name"])]
    if candidate["siret"]:
        rows.append((_("SIRET"), _siret(candidate["siret"])))
    if candidate["signatory_name"]:
        signatory = candidate["signatory_name"]
        if candidate["signatory_role"]:
            signatory = f"{signatory}, {candidate['signatory_role']}"
        rows.append((_("À l’attention de"), signatory))
    if candidate["address"]:
        rows.append((_("Adresse du destinataire"), _one_line(candidate["address"])))
    if candidate["email"]:
        rows.append((_("Courriel"), candidate["email"]))
    return rows


def _parties(doc, f, bid, sent_on):
    return facts(
        [
            (_("Acheteur"), doc["organization"]),
            (_("Adresse"), doc["buyer_address"] or _("à compléter")),
            (_("Marché"), f"{doc['title']} ({doc['reference']})"),
            *addressee(bid["candidate"]),
            (_("Date d’envoi"), f.date(sent_on.isoformat())),
        ]
    )


def _signing_blocks(doc, f, sent_on):
    until, explanation = standstill(doc, sent_on)
    if until is None:
        return [heading(_("Signature du marché")), paragraph(explanation)]
    days = STANDSTILL_ELECTRONIC_DAYS if doc["letters_electronic"] else STANDSTILL_OTHER_DAYS
    means = (
        _("par voie électronique") if doc["letters_electronic"] else _("par un autre moyen que la voie électronique")
    )
    return [
        heading(_("Date à partir de laquelle le marché peut être signé")),
        paragraph(
            _(
                "Cette lettre étant envoyée %(means)s le %(sent)s, le délai de suspension de %(days)s jours, "
                "compté à partir du lendemain de l’envoi, court jusqu’au %(until)s inclus : le marché ne sera pas "
                "signé avant le %(first)s (article R2182-1 du code de la commande publique)."
            )
            % {
                "means": means,
                "sent": f.date(sent_on.isoformat()),
                "until": f.date(until.isoformat()),
                "first": f.date((until + datetime.timedelta(days=1)).isoformat()),
                "days": days,
            }
        ),
    ]


def _appeal_blocks(doc):
    tribunal = doc["tribunal"] or _("[tribunal administratif compétent, à compléter par l’acheteur]")
    return [
        heading(_("Voies et délais de recours")),
        paragraph(_("Les recours suivants peuvent être formés devant le %(tribunal)s :") % {"tribunal": tribunal}),
        bullet_list(
            [
                _(
                    "le référé précontractuel (article L551-1 du code de justice administrative), jusqu’à la "
                    "signature du marché ;"
                ),
                _(
                    "le référé contractuel (article L551-13 du code de justice administrative), après la signature, "
                    "dans les délais de l’article R551-7 du même code ;"
                ),
                _(
                    "le recours en contestation de la validité du contrat, dans un délai de deux mois à compter de "
                    "l’accomplissement des mesures de publicité de l’attribution du marché (CE, Ass., 4 avril 2014, "
                    "Département de Tarn-et-Garonne, n° 358994)."
                ),
            ]
        ),
    ]


def _signature(doc):
    name = doc["signatory_name"] or _("[signataire]")
    role = doc["signatory_role"] or _("[qualité]")
    return paragraph(f"{name}, {role}")


def _weighted(bid):
    return [cell for cell in bid["criteria"] if cell["kind"] != "eliminatory" and cell["points"] is not None]


def _comparison(bid, winner, f):
    """Points per weighted criterion: the tenderer's beside the awardee's (points only: no note, no comment)."""
    theirs = {cell["criterion"]: cell for cell in winner["criteria"]}
    rows = [
        [cell["number"], cell["name"], f.number(cell["points"]), f.number(theirs[cell["criterion"]]["points"])]
        for cell in _weighted(bid)
    ]
    rows.append(["", _("Total sur 100"), f.number(bid["total"]), f.number(winner["total"])])
    return table([_("N°"), _("Critère"), _("Votre offre"), _("Offre retenue")], rows, [0.1, 0.5, 0.2, 0.2])


def _winner_points(winner, f):
    """The awardee's points per weighted criterion, for an addressee whose offer was not scored."""
    rows = [[cell["number"], cell["name"], f.number(cell["points"])] for cell in _weighted(winner)]
    rows.append(["", _("Total sur 100"), f.number(winner["total"])])
    return table([_("N°"), _("Critère"), _("Offre retenue")], rows, [0.1, 0.65, 0.25])


def _advantages(doc):
    """The lead's summary of the characteristics and relative advantages of the retained offer."""
    text = doc["award"]["advantages"] if doc.get("award") else ""
    return [paragraph(line) for line in text.splitlines() if line.strip()] or [paragraph("—")]


def _document(doc, title, vendor, sections):
    return {
        "language": doc["language"],
        "title": title,
        "subtitle": f"{doc['reference']} — {doc['title']}",
        "organization": doc["organization"],
        "reference": doc["reference"],
        "generated_on": doc["generated_on"],
        "notice": {"watermark": "", "title": "", "blocking": []},
        "sections": sections,
        "vendor": vendor,
    }


def _lower_first(text):
    """« Offre irrégulière (article L2152-2 …) » inside a sentence: only the first letter is lowered."""
    return text[:1].lower() + text[1:]


def _winner(doc):
    return next(b for b in doc["bids"] if b["id"] == doc["awardee"]["bid"])


def rejection_letter(doc, bid, sent_on) -> dict:
    f = Formats(doc["language"])
    winner = _winner(doc)
    ranked = sum(1 for b in doc["bids"] if b["status"] == "eligible")
    with translation.override(doc["language"]):
        blocks = [
            _parties(doc, f, bid, sent_on),
            paragraph(_("Nous avons le regret de vous informer que votre offre pour ce marché n’a pas été retenue.")),
            heading(_("Motifs du rejet de votre offre")),
        ]
        if bid["id"] in doc.get("failed_awardees", ()):
            blocks.append(
                paragraph(
                    _(
                        "Votre offre était classée première, mais vous n’avez pas produit dans le délai imparti les "
                        "certificats et attestations prouvant que vous n’êtes pas exclu de la procédure (articles "
                        "R2144-4 et R2144-7 du code de la commande publique) : le marché est attribué à l’offre "
                        "classée immédiatement après la vôtre."
                    )
                )
            )
        if bid["eliminations"]:
            blocks.append(
                bullet_list(
                    _(
                        "Votre offre a été déclarée %(qualification)s au regard de l’exigence %(number)s « %(criterion)s » : %(reason)s"
                    )
                    % {
                        "qualification": _lower_first(qualification_text(item)),
                        "number": item["number"],
                        "criterion": item["criterion"],
                        "reason": item["reason"] or "—",
                    }
                    for item in bid["eliminations"]
                )
            )
            blocks.append(
                paragraph(
                    _("Elle a donc été écartée sans être notée (article R2152-1 du code de la commande publique).")
                )
            )
        if bid["low_offer_rejected"]:
            row = next((r for r in doc["low_offers"] if r["bid"] == bid["id"]), {})
            blocks.append(
                paragraph(
                    _(
                        "Votre offre a été rejetée comme anormalement basse après examen de vos explications "
                        "(articles L2152-5 et L2152-6 du code de la commande publique) : %(reason)s"
                    )
                    % {"reason": row.get("reason") or "—"}
                )
            )
        if bid["status"] == "eligible":
            blocks.append(
                paragraph(
                    _(
                        "Votre offre, régulière, a été classée %(rank)s sur %(count)s offres classées, avec "
                        "%(total)s points sur 100. Points obtenus par critère :"
                    )
                    % {
                        "rank": ordinal(bid["rank"], doc["language"]),
                        "count": ranked,
                        "total": f.number(bid["total"])["text"],
                    }
                )
            )
            blocks.append(_comparison(bid, winner, f))
        blocks += [
            heading(_("Attributaire et motifs du choix de son offre")),
            paragraph(
                _(
                    "Le marché est attribué à %(vendor)s, dont l’offre obtient %(total)s points sur 100 pour un montant de %(amount)s."
                )
                % {
                    "vendor": winner["candidate"]["name"],
                    "total": f.number(winner["total"])["text"],
                    "amount": f.money_both(winner["price"], winner["price_ttc"]),
                }
            ),
        ]
        if bid["status"] != "eligible":
            blocks.append(_winner_points(winner, f))
        blocks += [
            paragraph(_("Caractéristiques et avantages relatifs de l’offre retenue :"), "bold"),
            *_advantages(doc),
            *_signing_blocks(doc, f, sent_on),
            *_appeal_blocks(doc),
        ]
        if not bid["eliminations"]:
            # R2181-4: not for an offer rejected as irregular, unacceptable or inappropriate.
            blocks.append(
                paragraph(
                    _(
                        "Vous pouvez demander par écrit les caractéristiques et avantages relatifs de l’offre retenue "
                        "(article R2181-4 du code de la commande publique) ; l’acheteur vous les communique dans un "
                        "délai de quinze jours à compter de la réception de votre demande."
                    )
                )
            )
        blocks.append(_signature(doc))
        return _document(
            doc, _("Notification du rejet de votre offre"), bid["vendor"], [section("letter", "", "Lettre", blocks)]
        )


def award_notice(doc, sent_on) -> dict:
    f = Formats(doc["language"])
    winner = _winner(doc)
    with translation.override(doc["language"]):
        blocks = [
            _parties(doc, f, winner, sent_on),
            paragraph(
                _(
                    "Nous avons le plaisir de vous informer que votre offre est retenue pour ce marché, pour un montant "
                    "de %(amount)s, avec %(total)s points sur 100."
                )
                % {
                    "amount": f.money_both(winner["price"], winner["price_ttc"]),
                    "total": f.number(winner["total"])["text"],
                }
            ),
            _winner_points(winner, f),
            *_signing_blocks(doc, f, sent_on),
            paragraph(_("Le marché vous sera notifié après sa signature par l’acheteur.")),
            _signature(doc),
        ]
        return _document(
            doc,
            _("Information de l’attribution du marché"),
            winner["vendor"],
            [section("award", "", "Attribution", blocks)],
        )


def letters(doc) -> list[tuple[str, dict, dict]]:
    """[(kind, bid, sectioned document)]: one rejection letter per bid not retained (the award notice is its
    own document kind). Call only when `letters_refusal(doc)` is None."""
    sent_on = sending_date(doc)
    return [
        ("rejet", bid, rejection_letter(doc, bid, sent_on)) for bid in doc["bids"] if bid["id"] != doc["awardee"]["bid"]
    ]

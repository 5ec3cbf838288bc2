"""The letters that follow a final evaluation, as sectioned documents (scoring/report/writers.py).

- to each tenderer not retained, the rejection letter (R2181-1, content R2181-3): the reasons for the
  rejection (an eliminated offer's legal qualification and the buyer's reason; a ranked offer's points per
  criterion beside the awardee's), the awardee's name and why its offer was chosen, the date from which the
  contract may be signed (standstill R2182-1: 11 days after sending electronically, 16 otherwise; none
  for a single tenderer, R2182-2) and the appeal routes;
- to each regular tenderer not retained, the answer it gets on request (R2181-2, R2181-4): the
  characteristics and relative advantages of the retained offer;
- to the awardee, the notice that its offer is retained.
Each letter is addressed to the candidate as it identified itself in its answer form (legal name, SIRET,
signatory, address, e-mail: `addressee`), and names the awardee by its legal name too.
Only once the results are final: `letters_refusal(doc)` says why not otherwise.
"""

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.fr import siret as siret_number

from .sections import Formats, award_reasons, bullet_list, facts, heading, paragraph, qualification_text, section, table

STANDSTILL_ELECTRONIC_DAYS = 11
STANDSTILL_OTHER_DAYS = 16


def letters_refusal(doc) -> str | None:
    """Why letters cannot be written now (a sentence), or None."""
    if doc["provisional"]:
        return _(
            "Les lettres ne peuvent être préparées que sur des résultats définitifs. Points ouverts : %(items)s"
        ) % {"items": " ".join(item["message"] for item in doc["blocking"])}
    if doc["awardee"] is None:
        return _(
            "Aucun attributaire n’est désigné (aucune offre recevable ou égalité au premier rang) : pas de lettres."
        )
    return None


def sending_date(doc) -> datetime.date:
    return datetime.date.fromisoformat(doc["letters_sent_on"]) if doc["letters_sent_on"] else timezone.localdate()


def standstill(doc, sent_on) -> tuple[datetime.date | None, str]:
    """(first signing date or None, the sentence that explains it)."""
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
    date, explanation = standstill(doc, sent_on)
    if date is None:
        return [heading(_("Signature du marché")), paragraph(explanation)]
    days = STANDSTILL_ELECTRONIC_DAYS if doc["letters_electronic"] else STANDSTILL_OTHER_DAYS
    means = (
        _("par voie électronique") if doc["letters_electronic"] else _("par un autre moyen que la voie électronique")
    )
    return [
        heading(_("Date à partir de laquelle le marché peut être signé")),
        paragraph(
            _(
                "Cette lettre étant envoyée %(means)s le %(sent)s, le marché ne sera pas signé avant le %(date)s "
                "(délai de suspension de %(days)s jours, article R2182-1 du code de la commande publique)."
            )
            % {"means": means, "sent": f.date(sent_on.isoformat()), "date": f.date(date.isoformat()), "days": days}
        ),
    ]


def _appeal_blocks(doc):
    tribunal = doc["tribunal"] or _("[tribunal administratif compétent, à compléter par l’acheteur]")
    return [
        heading(_("Voies et délais de recours")),
        bullet_list(
            [
                _(
                    "Référé précontractuel (article L551-1 du code de justice administrative) : jusqu’à la signature "
                    "du marché, devant le %(tribunal)s."
                )
                % {"tribunal": tribunal},
                _(
                    "Recours en contestation de la validité du contrat : dans un délai de deux mois à compter de "
                    "l’accomplissement des mesures de publicité de l’attribution du marché (CE, Ass., 4 avril 2014, "
                    "Département de Tarn-et-Garonne, n° 358994), devant le %(tribunal)s."
                )
                % {"tribunal": tribunal},
            ]
        ),
    ]


def _signature(doc):
    name = doc["signatory_name"] or _("[signataire]")
    role = doc["signatory_role"] or _("[qualité]")
    return paragraph(f"{name}, {role}")


def _comparison(bid, winner, f):
    """Points per weighted criterion: the tenderer's beside the awardee's."""
    theirs = {cell["criterion"]: cell for cell in winner["criteria"]}
    rows = [
        [cell["number"], cell["name"], f.number(cell["points"]), f.number(theirs[cell["criterion"]]["points"])]
        for cell in bid["criteria"]
        if cell["kind"] != "eliminatory" and cell["points"] is not None
    ]
    rows.append(["", _("Total sur 100"), f.number(bid["total"]), f.number(winner["total"])])
    return table([_("N°"), _("Critère"), _("Votre offre"), _("Offre retenue")], rows, [0.1, 0.5, 0.2, 0.2])


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


def rejection_letter(doc, bid, sent_on) -> dict:
    f = Formats(doc["language"])
    winner = next(b for b in doc["bids"] if b["id"] == doc["awardee"]["bid"])
    with translation.override(doc["language"]):
        blocks = [
            _parties(doc, f, bid, sent_on),
            paragraph(_("Nous avons le regret de vous informer que votre offre pour ce marché n’a pas été retenue.")),
            heading(_("Motifs du rejet de votre offre")),
        ]
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
                    _("Votre offre, régulière, a été classée %(rank)s avec %(total)s points sur 100.")
                    % {"rank": bid["rank"], "total": f.number(bid["total"])["text"]}
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
            bullet_list(award_reasons(winner, f)),
            *_signing_blocks(doc, f, sent_on),
            *_appeal_blocks(doc),
        ]
        if bid["status"] == "eligible":
            blocks.append(
                paragraph(
                    _(
                        "Vous pouvez demander, dans un délai de quinze jours à compter de la réception de cette lettre, "
                        "les caractéristiques et avantages relatifs de l’offre retenue (articles R2181-2 et R2181-4)."
                    )
                )
            )
        blocks.append(_signature(doc))
        return _document(
            doc, _("Notification du rejet de votre offre"), bid["vendor"], [section("letter", "", "Lettre", blocks)]
        )


def advantages_answer(doc, bid, sent_on) -> dict:
    f = Formats(doc["language"])
    winner = next(b for b in doc["bids"] if b["id"] == doc["awardee"]["bid"])
    with translation.override(doc["language"]):
        blocks = [
            _parties(doc, f, bid, sent_on),
            paragraph(
                _(
                    "En réponse à votre demande (articles R2181-2 et R2181-4 du code de la commande publique), "
                    "voici les caractéristiques et les avantages relatifs de l’offre retenue, celle de %(vendor)s."
                )
                % {"vendor": winner["candidate"]["name"]}
            ),
            _comparison(bid, winner, f),
            heading(_("Caractéristiques et avantages de l’offre retenue")),
            bullet_list(award_reasons(winner, f)),
            _signature(doc),
        ]
        return _document(
            doc,
            _("Caractéristiques et avantages de l’offre retenue"),
            bid["vendor"],
            [section("answer", "", "Réponse", blocks)],
        )


def award_notice(doc, sent_on) -> dict:
    f = Formats(doc["language"])
    winner = next(b for b in doc["bids"] if b["id"] == doc["awardee"]["bid"])
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
            bullet_list(award_reasons(winner, f)),
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


def letters(doc) -> list[tuple[str, str, dict]]:
    """[(kind, bid id, sectioned document)]: a rejection letter per bid not retained, the answer on request
    per regular tenderer not retained, the award notice. Call only when `letters_refusal(doc)` is None."""
    sent_on = sending_date(doc)
    out = []
    for bid in doc["bids"]:
        if bid["id"] == doc["awardee"]["bid"]:
            continue
        out.append(("rejet", bid, rejection_letter(doc, bid, sent_on)))
        if bid["status"] == "eligible":
            out.append(("avantages-offre-retenue", bid, advantages_answer(doc, bid, sent_on)))
    winner = next(b for b in doc["bids"] if b["id"] == doc["awardee"]["bid"])
    out.append(("attribution", winner, award_notice(doc, sent_on)))
    return out

"""The procedure report as sections of blocks: the one input of the PDF, DOCX and XLSX writers.

A section is `{"key", "title", "sheet", "blocks"}`; a block is one of
`{"type": "facts", "rows": [(label, text)]}`, `{"type": "paragraph", "text", "style": None|"italic"|"bold"}`,
`{"type": "list", "items": [text]}`, `{"type": "heading", "text"}`,
`{"type": "table", "header": [...], "rows": [[cell]], "widths": [...]}` where a cell is text or
`{"text": shown text, "value": number}` (the spreadsheet keeps the number), and `{"type": "chart", "bars"}`.
Texts are final here (dates in words, money HT and TTC, full names): the writers only lay them out.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from organizations.formatting import format_date_words, format_money, format_number, format_percent, is_french

from .. import wording
from . import chart

QUALIFICATION_ARTICLES = {
    "irregular": "L2152-2",
    "unacceptable": "L2152-3",
    "inappropriate": "L2152-4",
}


def paragraph(text, style=None):
    return {"type": "paragraph", "text": text, "style": style}


def facts(rows):
    return {"type": "facts", "rows": [(label, value or "—") for label, value in rows]}


def bullet_list(items):
    return {"type": "list", "items": list(items)}


def heading(text):
    return {"type": "heading", "text": text}


def table(header, rows, widths=None):
    return {"type": "table", "header": list(header), "rows": [list(row) for row in rows], "widths": widths}


def section(key, title, sheet, blocks):
    return {"key": key, "title": title, "sheet": sheet, "blocks": blocks}


def colon(language):
    """A label's colon: French typography puts a space before it, English does not."""
    return " : " if is_french(language) else ": "


class Formats:
    """The document's formatting, in its language."""

    def __init__(self, language):
        self.language = language
        self.colon = colon(language)
        self.semicolon = " ; " if is_french(language) else "; "

    def number(self, value):
        return {"text": format_number(value, 2, language=self.language) if value is not None else "—", "value": value}

    def money(self, value, tax="HT"):
        return format_money(value, tax=tax, language=self.language) if value is not None else "—"

    def money_both(self, ht, ttc):
        if ht is None:
            return "—"
        return f"{self.money(ht, 'HT')} ({self.money(ttc, 'TTC')})"

    def date(self, iso):
        return format_date_words(iso, language=self.language) if iso else ""

    def percent(self, value):
        return format_percent(value, language=self.language) if value is not None else "—"


def notice(doc) -> dict:
    """What every writer prints first: the watermark word and the open points while provisional."""
    if not doc["provisional"]:
        return {"watermark": "", "title": "", "blocking": []}
    return {
        "watermark": _("PROVISOIRE"),
        "title": _(
            "Résultats provisoires : aucun attributaire n’est désigné tant que les points suivants restent ouverts."
        ),
        "blocking": [item["message"] for item in doc["blocking"]],
    }


def qualification_text(elimination):
    label = elimination["qualification_label"]
    article = QUALIFICATION_ARTICLES.get(elimination["qualification"])
    if label and article:
        return _("%(label)s (article %(article)s du code de la commande publique)") % {
            "label": label,
            "article": article,
        }
    return label or _("non conforme")


def price_formula_text(doc, f) -> list[dict]:
    # The same words as the RC announced (scoring/wording.py, written once).
    share = next((c["global_weight"] for c in doc["criteria"] if c["kind"] == "price"), None)
    announced = wording.price_formula_text(doc["price_formula"], share, f.language)
    blocks = [
        paragraph(_("Formule de notation du prix : %(formula)s.") % {"formula": doc["price_formula_label"]}),
        paragraph(announced["words"]),
        paragraph(f"{_('Note prix')} = {announced['symbols']}"),
    ]
    if doc["price_formula"] != "range":
        return blocks
    running = [b for b in doc["bids"] if b["status"] in ("eligible", "undecided") and b["price"]]
    share = next((c["global_weight"] for c in doc["criteria"] if c["kind"] == "price"), None)
    text = _(
        "Formule « par l’écart » (range) : l’offre la moins chère reçoit tout le poids du prix et la plus chère "
        "aucun point, les autres au prorata de leur place entre les deux, quel que soit l’écart ; un écart de prix "
        "minime peut ainsi emporter tout le poids du prix (CE 3 novembre 2014, Commune de Belleville-sur-Loire, "
        "n° 373362)."
    )
    if running:
        text += " " + _(
            "Appliquée ici avec P_min = %(low)s et P_max = %(high)s sur les offres non écartées : "
            "points du prix = (P_max − P) / (P_max − P_min) × %(share)s."
        ) % {
            "low": f.money(min(b["price"] for b in running)),
            "high": f.money(max(b["price"] for b in running)),
            "share": format_number(share or 0, 2, trim=True, language=f.language),
        }
    blocks.append(paragraph(text, "italic"))
    return blocks


def _who_when(name, iso, f):
    parts = [part for part in (name, f.date(iso)) if part]
    return ", ".join(parts) or "—"


def report_sections(doc) -> list[dict]:
    """Every section of the procedure report, in order (R2184-2 and R2184-3 items named in docs/SCORING.md):
    one function per section in SECTIONS, each returning its section or None when it has nothing to show."""
    f = Formats(doc["language"])
    with translation.override(doc["language"]):
        return [built for build in SECTIONS if (built := build(doc, f)) is not None]


def warnings_section(doc, f):
    missed = missed_steps(doc)
    if not missed:
        return None
    return section(
        "warnings",
        _("Avertissement : étapes annoncées non réalisées"),
        _("Avertissements"),
        [bullet_list(missed)],
    )


def _awarded_amount(doc, f):
    if doc["awardee"]:
        return f.money_both(doc["awarded_value"], doc["awarded_value_ttc"])
    if doc["provisional"]:
        return _("aucun tant que les résultats sont provisoires")
    return _("aucune offre retenue")


def buyer_section(doc, f):
    value = f.money_both(doc["value"], doc["value_ttc"]) if doc["value"] is not None else _("à compléter")
    return section(
        "buyer",
        _("1. Acheteur, objet et valeur du marché"),
        _("Acheteur et objet"),
        [
            facts(
                [
                    (_("Acheteur"), doc["organization"]),
                    (_("Adresse de l’acheteur"), doc["buyer_address"] or _("à compléter")),
                    (_("Objet du marché"), f"{doc['title']} ({doc['reference']})"),
                    (_("Procédure"), doc["procedure_label"]),
                    *procedure_facts(doc, f),
                    (_("Valeur estimée du marché"), value),
                    (_("Taux de TVA appliqué"), f.percent(doc["vat_rate"])),
                    (_("Montant de l’offre retenue"), _awarded_amount(doc, f)),
                ]
            ),
            *price_formula_text(doc, f),
        ],
    )


def _candidates_table(candidates, empty):
    if not candidates:
        return paragraph(empty)
    return table([_("Candidat"), _("Motif")], [[c["name"], c["reason"] or "—"] for c in candidates], [0.35, 0.65])


def candidatures_section(doc, f):
    candidatures = doc["candidatures"]
    if candidatures:
        admitted = [c for c in candidatures if c["admitted"]]
        excluded = [c for c in candidatures if not c["admitted"]]
    else:
        admitted = [
            {"name": legal_name(b), "reason": _("Candidature admise ; aucun motif d’exclusion relevé.")}
            for b in doc["bids"]
        ]
        excluded = []
    return section(
        "candidatures",
        _("2. Candidatures"),
        _("Candidatures"),
        [
            heading(_("Candidats admis et motifs")),
            _candidates_table(admitted, _("Aucun candidat admis.")),
            heading(_("Candidats exclus et motifs")),
            _candidates_table(excluded, _("Aucun candidat exclu.")),
        ],
    )


def _rank_text(bid, doc):
    if bid["status"] == "eligible":
        return str(bid["rank"])
    if bid["status"] == "undecided":
        return _("en cours")
    return set_aside_text(bid, doc)


def _scored(bid, value, f):
    # An offer set aside is not scored: no points printed, none compared.
    return f.number(value) if not is_set_aside(bid) else {"text": "—", "value": None}


def _ranking_row(bid, doc, f):
    rank = _rank_text(bid, doc)
    return [
        {"text": rank, "value": bid["rank"] if bid["rank"] is not None else rank},
        legal_name(bid),
        {"text": f.money(bid["price"]), "value": bid["price"]},
        {"text": f.money(bid["price_ttc"], "TTC"), "value": bid["price_ttc"]},
        _scored(bid, bid["technical_points"], f),
        _scored(bid, bid["price_points"], f),
        _scored(bid, bid["total"], f),
    ]


def _tie_break_blocks(doc):
    return [paragraph(doc["tie_break"]["message"])] if doc.get("tie_break") else []


def ranking_section(doc, f):
    return section(
        "ranking",
        _("3. Classement des offres (provisoire)") if doc["provisional"] else _("3. Classement des offres"),
        _("Classement"),
        [
            table(
                [
                    _("Rang"),
                    _("Candidat"),
                    _("Prix HT"),
                    _("Prix TTC"),
                    _("Valeur technique"),
                    _("Prix (points)"),
                    _("Total / 100"),
                ],
                [_ranking_row(b, doc, f) for b in doc["bids"]],
                [0.08, 0.24, 0.15, 0.15, 0.13, 0.12, 0.13],
            ),
            paragraph(
                _(
                    "Les points sont affichés arrondis au centième ; le classement compare les totaux "
                    "calculés à six décimales, et des totaux égaux partagent un rang."
                )
            ),
            paragraph(
                _("Règle annoncée pour les offres à égalité : %(rule)s")
                % {"rule": wording.tie_break_text(doc.get("tie_break_rule"), f.language)}
            ),
            *_tie_break_blocks(doc),
            {
                "type": "chart",
                "bars": chart.bars_of({**doc, "bids": [b for b in doc["bids"] if not is_set_aside(b)]}),
            },
        ],
    )


def _criterion_notes(cell, f) -> list[str]:
    no_comment = _("sans commentaire")
    notes = [
        f"{j['evaluator']} ({format_number(j['value'], 2, trim=True, language=f.language)}){f.colon}"
        f"{j['comment'] or no_comment}"
        for j in cell["justifications"]
    ]
    if cell["consensus"]:
        notes.append(
            _("Consensus %(value)s (%(who)s) : %(why)s")
            % {
                "value": format_number(cell["consensus"]["value"], 2, trim=True, language=f.language),
                "who": cell["consensus"]["set_by"] or "—",
                "why": cell["consensus"]["justification"],
            }
        )
    elif cell["dispersion"]:
        notes.append(_("Écart entre évaluateurs."))
    return notes


def _criterion_row(cell, f):
    return [
        cell["number"],
        ("  " * cell["depth"]) + cell["name"],
        f.number(cell["score"]) if cell["score"] is not None else "",
        f.number(cell["points"]) if cell["points"] is not None else "",
        f.semicolon.join(_criterion_notes(cell, f)),
    ]


def _bid_detail(bid, doc, f) -> list[dict]:
    if is_set_aside(bid):
        return [heading(legal_name(bid)), paragraph(set_aside_text(bid, doc))]
    return [
        heading(legal_name(bid)),
        table(
            [_("N°"), _("Critère"), _("Note"), _("Points"), _("Justifications des évaluateurs")],
            [_criterion_row(cell, f) for cell in bid["criteria"] if cell["kind"] != "eliminatory"],
            [0.07, 0.28, 0.09, 0.1, 0.46],
        ),
    ]


def detail_section(doc, f):
    detail = [block for bid in doc["bids"] for block in _bid_detail(bid, doc, f)]
    return section("detail", _("4. Notes, points et justifications par critère"), _("Détail par critère"), detail)


def _eliminations_table(doc, f):
    rows = [
        [
            legal_name(bid),
            f"{item['number']} {item['criterion']}",
            qualification_text(item),
            item["reason"] or "—",
            _who_when(item["decided_by"], item["decided_on"], f),
        ]
        for bid in doc["bids"]
        for item in bid["eliminations"]
    ]
    if not rows:
        return paragraph(_("Aucune offre n’a été déclarée non conforme à une exigence éliminatoire."))
    return table(
        [_("Candidat"), _("Exigence"), _("Qualification"), _("Motif de l’acheteur"), _("Décision")],
        rows,
        [0.16, 0.2, 0.2, 0.28, 0.16],
    )


def _regularisations_table(doc, f):
    if not doc["regularisations"]:
        return paragraph(_("Aucune régularisation demandée."))
    return table(
        [
            _("Candidat"),
            _("Exigence"),
            _("Demandée le"),
            _("Objet de la demande"),
            _("Réponse"),
            _("Suite"),
        ],
        [
            [
                r["vendor"],
                f"{r['number']} {r['criterion']}",
                f.date(r["requested_on"]) or "—",
                r["request"] or "—",
                r["answer"] or _("sans réponse"),
                r["outcome"] or r["decision_label"],
            ]
            for r in doc["regularisations"]
        ],
        [0.14, 0.16, 0.14, 0.2, 0.18, 0.18],
    )


def eliminatory_section(doc, f):
    blocks = [_eliminations_table(doc, f), heading(_("Régularisations (R2152-2)")), _regularisations_table(doc, f)]
    undecided = [b for b in doc["bids"] if b["undecided"]]
    if undecided:
        blocks.append(heading(_("Exigences non encore décidées")))
        blocks.append(bullet_list(f"{b['vendor']}{f.colon}{', '.join(b['undecided'])}" for b in undecided))
    return section(
        "eliminatory", _("5. Exigences éliminatoires et régularisations"), _("Exigences éliminatoires"), blocks
    )


def _rejection_reasons(bid, low, f) -> list[str]:
    reasons = [
        f"{item['number']} {item['criterion']} — {qualification_text(item)}{f.colon}{item['reason'] or '—'}"
        for item in bid["eliminations"]
    ]
    if bid["low_offer_rejected"]:
        row = low.get(bid["id"]) or {}
        reasons.append(
            _("Offre anormalement basse (L2152-5, L2152-6) : %(reason)s") % {"reason": row.get("reason") or "—"}
        )
    return reasons


def rejected_section(doc, f):
    low = {row["bid"]: row for row in doc["low_offers"]}
    rejected = [
        [legal_name(bid), f.semicolon.join(_rejection_reasons(bid, low, f))]
        for bid in doc["bids"]
        if bid["status"] in ("eliminated", "low_offer_rejected")
    ]
    ranked_not_first = (
        [] if doc["provisional"] else [b for b in doc["bids"] if b["status"] == "eligible" and b["rank"] != 1]
    )
    blocks = [
        table([_("Candidat"), _("Motifs du rejet")], rejected, [0.3, 0.7])
        if rejected
        else paragraph(_("Aucune offre n’a été écartée.")),
    ]
    if ranked_not_first:
        blocks.append(heading(_("Offres régulières non retenues")))
        blocks.append(
            bullet_list(
                _("%(vendor)s : classée %(rank)s avec %(total)s points sur 100.")
                % {"vendor": legal_name(b), "rank": b["rank"], "total": f.number(b["total"])["text"]}
                for b in ranked_not_first
            )
        )
    return section("rejected", _("6. Offres écartées et motifs"), _("Offres écartées"), blocks)


def _awardee_blocks(doc, f) -> list[dict]:
    awardee = doc["awardee"]
    winner = next(b for b in doc["bids"] if b["id"] == awardee["bid"])
    return [
        facts(
            [
                (_("Attributaire"), legal_name(winner)),
                (_("Montant"), f.money_both(awardee["price"], awardee["price_ttc"])),
                (
                    _("Note"),
                    _("%(total)s points sur 100 (valeur technique %(technical)s, prix %(price)s)")
                    % {
                        "total": f.number(awardee["total"])["text"],
                        "technical": f.number(awardee["technical_points"])["text"],
                        "price": f.number(awardee["price_points"])["text"],
                    },
                ),
                (
                    _("Part sous-traitée"),
                    f.percent(awardee["subcontracting_share"])
                    if awardee["subcontracting_share"] is not None
                    else _("non déclarée"),
                ),
                (_("Sous-traitants connus"), awardee["subcontractors"] or _("aucun connu")),
            ]
        ),
        paragraph(
            _(
                "Motifs du choix : offre économiquement la plus avantageuse au regard des critères "
                "pondérés annoncés dans les documents de la consultation."
            )
        ),
        bullet_list(award_reasons(winner, f)),
        *_tie_break_blocks(doc),
        *award_blocks(doc, f),
    ]


def _no_awardee_blocks(doc) -> list[dict]:
    if doc["provisional"]:
        return [paragraph(_("Aucun attributaire n’est désigné : les résultats sont provisoires."), "bold")]
    if doc["tie"]:
        return [paragraph(_("Égalité au premier rang : l’acheteur départage les offres selon la règle annoncée."))]
    return [paragraph(_("Aucune offre régulière, acceptable et appropriée : pas d’attributaire."))]


def awardee_section(doc, f):
    blocks = _awardee_blocks(doc, f) if doc["awardee"] else _no_awardee_blocks(doc)
    sub_rows = [
        [legal_name(b), f.percent(b["subcontracting_share"]), b["subcontractors"] or "—"]
        for b in doc["bids"]
        if b["subcontracting_share"] is not None or b["subcontractors"]
    ]
    if sub_rows:
        blocks += [
            heading(_("Sous-traitance déclarée")),
            table([_("Candidat"), _("Part"), _("Sous-traitants")], sub_rows, [0.3, 0.15, 0.55]),
        ]
    return section("awardee", _("7. Attributaire et motifs du choix"), _("Attributaire"), blocks)


def _low_offer_row(row, names, f):
    decided = " — " + _who_when(row["decided_by"], row["decided_on"], f) if row["decided_on"] else ""
    return [
        names.get(row["bid"], row["vendor"]),
        {"text": f.money(row["price"]), "value": row["price"]},
        _low_offer_gap(f, row),
        _low_offer_request(f, row),
        f.date(row["received_on"]) if row.get("received_on") else _("non reçues"),
        decision_label(row["decision"]) + decided,
        row["reason"] or "—",
    ]


def low_offers_section(doc, f):
    blocks = [
        paragraph(
            _(
                "Seuil de détection : prix inférieur de plus de %(threshold)s à la moyenne des autres offres non écartées."
            )
            % {"threshold": f.percent(doc["low_offer_threshold"])}
        )
    ]
    if doc["low_offers"]:
        names = {b["id"]: legal_name(b) for b in doc["bids"]}
        blocks.append(
            table(
                [
                    _("Candidat"),
                    _("Prix HT"),
                    _("Écart"),
                    _("Explications demandées"),
                    _("Explications reçues"),
                    _("Décision"),
                    _("Motif"),
                ],
                [_low_offer_row(row, names, f) for row in doc["low_offers"]],
                [0.13, 0.11, 0.16, 0.2, 0.11, 0.13, 0.16],
            )
        )
    else:
        blocks.append(paragraph(_("Aucune offre anormalement basse.")))
    return section("low_offers", _("8. Offres anormalement basses"), _("Offres anormalement basses"), blocks)


def probes_section(doc, f):
    # Present when the conformance app filled it in (scoring/extensions.py): the probe of each bid.
    if "probes" not in doc:
        return None
    return section("probes", _("9. Sondage de conformité FHIR / SMART"), _("Sondage de conformité"), probe_blocks(doc))


def other_section(doc, f):
    blocks = [
        heading(_("Allotissement")),
        paragraph(doc["lots_reason"] or _("Sans objet : motifs figurant dans les documents de la consultation.")),
        heading(_("Conflits d’intérêts")),
        facts(
            [
                (_("Conflits détectés"), doc["conflicts_detected"] or _("aucun")),
                (_("Mesures prises"), doc["conflict_measures"] or _("sans objet")),
            ]
        ),
        table(
            [_("Évaluateur"), _("Déclaration d’absence de conflit d’intérêts")],
            [[e["name"], f.date(e["declared_on"]) or _("non déclarée")] for e in doc["evaluators"]],
            [0.5, 0.5],
        ),
    ]
    return section("other", _("10. Lots et conflits d’intérêts"), _("Lots et conflits"), blocks)


def signature_section(doc, f):
    return section(
        "signature",
        _("11. Signature"),
        _("Signature"),
        [
            facts(
                [
                    (_("Signataire"), doc["signatory_name"] or _("à compléter")),
                    (_("Qualité"), doc["signatory_role"] or _("à compléter")),
                    (_("Date"), f.date(doc["signed_at"]) or _("à compléter")),
                ]
            )
        ],
    )


# The report's sections in order: each `build(doc, formats) -> section | None`, called inside the
# report's language.
SECTIONS = (
    warnings_section,
    buyer_section,
    candidatures_section,
    ranking_section,
    detail_section,
    eliminatory_section,
    rejected_section,
    awardee_section,
    low_offers_section,
    probes_section,
    other_section,
    signature_section,
)


def legal_name(bid) -> str:
    """The candidate's legal name as its answer form gives it (the name the buyer typed without a form)."""
    return (bid.get("candidate") or {}).get("name") or bid["vendor"]


def is_set_aside(bid) -> bool:
    return bid["status"] in ("eliminated", "low_offer_rejected")


def set_aside_text(bid, doc) -> str:
    """« non notée — offre écartée (motif) »: the qualification(s) or the abnormally low offer's rejection."""
    reasons = [_lower(item["qualification_label"]) or _("non conforme") for item in bid["eliminations"]]
    if bid["low_offer_rejected"]:
        reasons.append(_("offre anormalement basse"))
    motive = ", ".join(dict.fromkeys(reasons)) or _("motif non renseigné")
    return _("non notée — offre écartée (%(motive)s)") % {"motive": motive}


def _lower(text):
    return text[:1].lower() + text[1:] if text else text


def procedure_facts(doc, f) -> list[tuple[str, str]]:
    """The procedure's facts (R2184-2): notice, deadline for offers, opening, offers received."""
    notice = f.date(doc.get("notice_published_on")) or _("à compléter")
    if doc.get("notice_medium"):
        notice = f"{notice} — {doc['notice_medium']}"
    deadline = doc.get("offers_deadline")
    if deadline:
        day, time = deadline.split("T")
        deadline = _("%(date)s à %(time)s") % {"date": f.date(day), "time": time.replace(":", " h ")}
    return [
        (_("Avis de marché publié le"), notice),
        (_("Date limite de remise des offres"), deadline or _("à compléter")),
        (_("Ouverture des plis"), f.date(doc.get("opened_on")) or _("à compléter")),
        (_("Offres reçues"), str(doc.get("offers_received", len(doc["bids"])))),
    ]


def award_blocks(doc, f) -> list[dict]:
    """The award sequence as recorded: decision, certificates, sending, end of the standstill."""
    award = doc.get("award")
    if not award:
        return [paragraph(_("Décision d’attribution : à enregistrer."), "italic")]
    if award["certificates_received_on"]:
        certificates = _("reçus le %(date)s") % {"date": f.date(award["certificates_received_on"])}
    elif award["certificates_waived_reason"]:
        certificates = _("non demandés : %(reason)s") % {"reason": award["certificates_waived_reason"]}
    else:
        certificates = _("à recevoir")
    if award["letters_sent_on"]:
        sent = (
            f.date(award["letters_sent_on"])
            + " "
            + (
                _("(par voie électronique)")
                if award["letters_electronic"]
                else _("(autrement que par voie électronique)")
            )
        )
    else:
        sent = _("à enregistrer")
    return [
        heading(_("Décision d’attribution")),
        facts(
            [
                (_("Décidée le"), _who_when(award["decided_by"], award["decided_on"], f)),
                (_("Certificats de l’attributaire (R2144-4)"), certificates),
                (_("Lettres envoyées le"), sent),
                (
                    _("Fin du délai de suspension (R2182-1)"),
                    f.date(award["standstill_until"]) if award["standstill_until"] else _("non encore connue"),
                ),
            ]
        ),
        paragraph(_("Caractéristiques et avantages relatifs de l’offre retenue :"), "bold"),
        *[paragraph(line) for line in award["advantages"].splitlines() if line.strip()],
    ]


def missed_steps(doc) -> list[str]:
    """Steps the consultation documents or the procedure announce that the record shows were not carried out."""
    missed = []
    if doc.get("announced_checks") and "probes" in doc:
        not_probed = [
            legal_name(b)
            for b, entry in zip(doc["bids"], doc["probes"], strict=False)
            if not entry.get("probed") and not is_set_aside(b)
        ]
        if not_probed:
            missed.append(
                _("Sondage de conformité annoncé (%(count)s clauses vérifiables) mais non réalisé pour : %(bids)s.")
                % {"count": doc["announced_checks"], "bids": ", ".join(not_probed)}
            )
    names = {b["id"]: legal_name(b) for b in doc["bids"]}
    for row in doc["regularisations"]:
        if not row["answer"] and not row["outcome"]:
            missed.append(
                _("Régularisation demandée à %(vendor)s (exigence %(number)s) sans réponse ni suite enregistrée.")
                % {"vendor": names.get(row["bid"], row["vendor"]), "number": row["number"]}
            )
    for row in doc["low_offers"]:
        if row.get("requested_on") and not row.get("received_on") and row["decision"] == "pending":
            missed.append(
                _("Explications demandées à %(vendor)s sur son prix, non reçues et sans décision.")
                % {"vendor": names.get(row["bid"], row["vendor"])}
            )
    return missed


def _low_offer_request(f, row):
    """The request as the lead dated it: sent on, deadline, what was asked (the recording date otherwise)."""
    if not row["requested_on"]:
        return _("non demandées")
    text = _("envoyée le %(date)s") % {"date": f.date(row.get("sent_on") or row["requested_on"])}
    if row.get("deadline"):
        text += ", " + _("réponse attendue le %(date)s") % {"date": f.date(row["deadline"])}
    return f"{text}{f.colon}{row['request_note'] or '—'}"


def decision_label(decision):
    return {"pending": _("en attente"), "kept": _("maintenue"), "rejected": _("rejetée")}.get(decision, decision)


def award_reasons(bid, f) -> list[str]:
    """One line per top-level criterion of a bid: its points and the evaluators' justifications."""
    lines = []
    for cell in bid["criteria"]:
        if cell["kind"] == "eliminatory" or cell["points"] is None:
            continue
        text = f"{cell['number']} {cell['name']}{f.colon}{f.number(cell['points'])['text']} " + _("points")
        comments = [j["comment"] for j in cell["justifications"] if j["comment"]]
        if cell["consensus"] and cell["consensus"]["justification"]:
            comments = [cell["consensus"]["justification"]]
        if comments:
            text += " — " + f.semicolon.join(comments)
        lines.append(text)
    return lines


def probe_summary(entry) -> str:
    if not entry["probed"]:
        return _("Aucun sondage de conformité.")
    text = _("%(source)s%(url)s ; statut : %(status)s") % {
        "source": entry["source_label"],
        "url": f" ({entry['base_url']})" if entry["base_url"] else "",
        "status": entry["status_label"],
    }
    if entry["fetched_at"]:
        text += _(" ; lu le %(date)s") % {"date": entry["fetched_at"]}
    text += _(" ; %(passed)d conformes, %(failed)d non conformes, %(unknown)d non vérifiables.") % {
        "passed": entry["counts"]["pass"],
        "failed": entry["counts"]["fail"],
        "unknown": entry["counts"]["unknown"],
    }
    return text


def probe_blocks(doc) -> list[dict]:
    blocks = [
        paragraph(
            _(
                "Déclaration de capacités (/metadata) et configuration SMART de chaque candidat, "
                "confrontées aux vérifications des clauses du marché."
            )
        )
    ]
    for entry in doc.get("probes", []):
        blocks.append(heading(entry["vendor"]))
        blocks.append(paragraph(probe_summary(entry)))
        if not entry["probed"]:
            continue
        if entry["error"]:
            blocks.append(paragraph(entry["error"], "italic"))
        if entry["documents"]:
            blocks.append(
                table(
                    [_("Document"), _("Validité"), _("Empreinte SHA-256"), _("Erreurs et avertissements")],
                    [
                        [
                            document["label"],
                            _("valide") if document["valid"] else _("invalide ou absent"),
                            document["sha256"] or "—",
                            " ".join(document["errors"]) or "—",
                        ]
                        for document in entry["documents"]
                    ],
                    [0.22, 0.13, 0.35, 0.30],
                )
            )
        if entry["failed"]:
            blocks.append(paragraph(_("Vérifications non conformes"), "bold"))
            blocks.append(
                table(
                    [_("Clause"), _("Vérification"), _("Constat"), _("Chemin"), _("Extrait")],
                    [
                        [row["clause"], row["check"], row["message"], row["path"], row["excerpt"] or "—"]
                        for row in entry["failed"]
                    ],
                    [0.18, 0.2, 0.24, 0.16, 0.22],
                )
            )
    return blocks


def _low_offer_gap(f, row):
    """The price's gap to the mean of the other offers, said the right way round (a bid reviewed on the
    lead's initiative may sit above the mean: its gap is then negative)."""
    gap = row["gap_percent"]
    values = {"mean": f.money(row["mean_of_others"])}
    if gap is not None and gap < 0:
        return _("%(gap)s au-dessus de la moyenne des autres offres (%(mean)s)") % {**values, "gap": f.percent(-gap)}
    return _("%(gap)s sous la moyenne des autres offres (%(mean)s)") % {**values, "gap": f.percent(gap)}

"""The evaluation report (rapport d'analyse des offres) as PDF, DOCX or XLSX.

One pipeline, as for the tender: `report_document(tender)` builds plain data from the database
(no ORM object leaves it), then a writer turns it into bytes:
- PDF: HTML from templates/scoring/documents/report.html (with an inline SVG bar chart) through
  `documents.rendering.pdf.render_pdf` (WeasyPrint, static-only fetcher);
- DOCX: `documents.rendering.docx.DocxBuilder` (real Word styles) with the chart as a PNG drawn by Pillow;
- XLSX: scoring/report_xlsx.py, with a native Excel bar chart.

The report carries what article R2184-1 of the Code de la commande publique asks for: the buyer,
the object and value of the contract, the rejected tenders and why, the awardee and why; plus the
ranking, per-criterion scores and points, the evaluators and their declarations and the consensus
justifications. Same inputs → same bytes: the only date is the date of the last change of the
evaluation, never the clock.
"""

import hashlib
import io
import json
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from documents.rendering.fetcher import static_print_url
from documents.rendering.html import PRINT_CSS, format_date, render_document
from documents.services import RenderError
from tenders.models import PriceFormula, Procedure, Tender

from . import extensions, rules, selectors
from .models import Answer, AuditEvent, Criterion

CHART_COLOURS = {"technical": "#1F3A5F", "price": "#D98E04", "eliminated": "#9AA5B1"}


def _number(value, places=2):
    return None if value is None else round(float(value), places)


def _date(moment):
    return timezone.localtime(moment).date().isoformat() if moment else None


def report_document(tender) -> dict:
    """The report as plain, JSON-serialisable data. Raises rules.CriteriaError / rules.PriceError."""
    language = getattr(tender, "language", "fr") or "fr"
    with translation.override(language):
        outcome = selectors.tender_outcome(tender)
        results = outcome.results
        tree = selectors.criteria_tree(tender)
        names = {c.pk: c.name for c, _d, _n, _s in tree}
        numbers = {c.pk: number for c, _d, number, _s in tree}
        criteria = [
            {
                "id": c.pk,
                "number": number,
                "name": c.name,
                "kind": c.kind,
                "depth": depth,
                "weight": _number(c.weight),
                "global_weight": _number(share),
                "scale_max": c.scale_max,
            }
            for c, depth, number, share in tree
        ]
        consensus_rows = list(selectors.consensus_of_tender(tender).select_related("bid", "criterion"))
        reasons = {(c.bid_id, c.criterion_id): c.justification for c in consensus_rows}
        answers = {
            (bid_id, criterion_id): text
            for bid_id, criterion_id, text in Answer.objects.filter(
                bid__tender=tender, criterion__kind=Criterion.Kind.ELIMINATORY
            ).values_list("bid_id", "criterion_id", "text")
        }
        bids = []
        for result in results:
            bids.append(
                {
                    "id": result.bid,
                    "vendor": result.vendor,
                    "price": _number(result.price),
                    "eligible": result.eligible,
                    "rank": result.rank,
                    "technical_points": _number(result.technical_points),
                    "price_points": _number(result.price_points),
                    "total": _number(result.total),
                    "criteria": [
                        {
                            "criterion": row["criterion"],
                            "number": numbers[row["criterion"]],
                            "score": _number(row["score"]),
                            "points": _number(row["points"]),
                            "dispersion": row["dispersion"],
                        }
                        for row in result.criteria
                    ],
                    "eliminated_by": [
                        {
                            "criterion": names[cid],
                            "number": numbers[cid],
                            "reason": reasons.get((result.bid, cid))
                            or answers.get((result.bid, cid))
                            or _("Déclarée non conforme par le candidat."),
                        }
                        for cid in result.eliminated_by
                    ]
                    + _low_offer_rejection(outcome.low_offers.get(result.bid)),
                }
            )
        ranked = [b for b in bids if b["eligible"]]
        winners = [b for b in ranked if b["rank"] == 1]
        awardee = None
        if winners:
            first = winners[0]
            awardee = {
                "vendors": [w["vendor"] for w in winners],
                "price": first["price"],
                "total": first["total"],
                "reason": _(
                    "Offre économiquement la plus avantageuse au regard des critères annoncés : "
                    "%(total)s points sur 100 (valeur technique %(technical)s, prix %(price)s)."
                )
                % {
                    "total": _fmt(first["total"], language),
                    "technical": _fmt(first["technical_points"], language),
                    "price": _fmt(first["price_points"], language),
                },
                "tie": len(winners) > 1,
            }
        evaluators = [
            {
                "name": e.user.get_full_name() or e.user.get_username(),
                "username": e.user.get_username(),
                "declared_at": _date(e.declared_at),
            }
            for e in selectors.evaluators_of(tender)
        ]
        consensus = [
            {
                "vendor": c.bid.vendor,
                "criterion": c.criterion.name,
                "number": numbers.get(c.criterion_id),
                "value": _number(c.value),
                "justification": c.justification,
                "set_by": c.set_by.get_username() if c.set_by else "",
            }
            for c in consensus_rows
        ]
        last_change = AuditEvent.objects.filter(tender=tender).order_by("-at").values_list("at", flat=True).first()
        doc = {
            "language": language,
            "organization": tender.organization.name,
            "reference": tender.reference,
            "title": tender.title,
            "procedure": tender.procedure,
            "procedure_label": str(Procedure(tender.procedure).label)
            if tender.procedure in Procedure.values
            else tender.procedure,
            "price_formula": tender.price_formula,
            "price_formula_label": str(PriceFormula(tender.price_formula).label),
            "generated_on": _date(last_change or tender.published_at or tender.updated_at),
            "criteria": criteria,
            "bids": bids,
            "rejected": [b for b in bids if not b["eligible"]],
            "awardee": awardee,
            "value": awardee["price"] if awardee else None,
            "evaluators": evaluators,
            "consensus": consensus,
            # Abnormally low offers (CCP R2152-3 to R2152-5): each flag, the request and the decision.
            "provisional": outcome.provisional,
            # What keeps the results provisional ([{code, message}]) and the awardee's bid id (None while
            # provisional): scoring.selectors.Outcome. The report's wording of them comes later (issue 14).
            "blocking": outcome.blocking,
            "awardee_bid": outcome.awardee,
            "low_offer_threshold": _number(outcome.threshold),
            "low_offers": [_low_offer_entry(row, language) for row in outcome.low_offers.values()],
            # Sections other apps plug in (scoring/extensions.py): the conformance probe of each bid.
            **extensions.report_sections(tender, bids),
        }
    doc["inputs_digest"] = hashlib.sha256(
        json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    ).hexdigest()
    return doc


def probe_summary(entry) -> str:
    """One sentence on a bid's probe, the same in every format."""
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


def _low_offer_rejection(row) -> list[dict]:
    """A rejected abnormally low offer, as one more reason in the bid's `eliminated_by`."""
    if not row or row["decision"] != "rejected":
        return []
    return [
        {
            "criterion": _("Offre anormalement basse"),
            "number": "",
            "reason": (row["review"] or {}).get("reason") or "",
        }
    ]


DECISION_LABELS = {
    "pending": gettext_noop("en attente"),
    "kept": gettext_noop("maintenue"),
    "rejected": gettext_noop("rejetée"),
}


def _low_offer_entry(row, language) -> dict:
    review = row["review"] or {}
    return {
        "vendor": row["vendor"],
        "price": _number(row["price"]),
        "mean_of_others": _number(row["mean_of_others"]),
        "gap_percent": _number(row["gap_percent"]),
        "flagged": row["flagged"],
        "decision": row["decision"],
        "decision_label": _(DECISION_LABELS[row["decision"]]),
        "requested_on": _date(review.get("requested_at")),
        "request_note": review.get("request_note") or "",
        "decided_on": _date(review.get("decided_at")),
        "decided_by": review.get("decided_by") or "",
        "reason": review.get("reason") or "",
    }


def _threshold(doc) -> str:
    with translation.override(doc["language"]):
        return rules.format_number(rules.to_decimal(doc["low_offer_threshold"]))


def low_offer_lines(doc) -> list[str]:
    """One sentence per abnormally low offer, the same in every format."""
    language = doc["language"]
    lines = []
    for row in doc["low_offers"]:
        text = _("%(vendor)s — %(price)s, %(gap)s %% sous la moyenne des autres offres (%(mean)s)") % {
            "vendor": row["vendor"],
            "price": _money(row["price"], language),
            "gap": _fmt(row["gap_percent"], language),
            "mean": _money(row["mean_of_others"], language),
        }
        if row["requested_on"]:
            text += _(" ; justification demandée le %(date)s : %(note)s") % {
                "date": row["requested_on"],
                "note": row["request_note"],
            }
        text += _(" ; décision : %(decision)s") % {"decision": row["decision_label"]}
        if row["decided_on"]:
            text += _(" le %(date)s par %(user)s") % {"date": row["decided_on"], "user": row["decided_by"]}
        if row["reason"]:
            text += _(" — motif : %(reason)s") % {"reason": row["reason"]}
        lines.append(text + ".")
    return lines


def _fmt(value, language="fr", places=2):
    if value is None:
        return "—"
    text = f"{float(value):.{places}f}"
    return text.replace(".", ",") if language == "fr" else text


def _money(value, language="fr"):
    if value is None:
        return "—"
    text = f"{float(value):,.2f}"
    if language == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text + "\u00a0€"


# Chart ----------------------------------------------------------------------------------------


def chart_bars(doc):
    """[(label, technical, price, eligible)] in ranking order: the data of every chart."""
    return [(b["vendor"], b["technical_points"] or 0.0, b["price_points"] or 0.0, b["eligible"]) for b in doc["bids"]]


def chart_svg(doc) -> str:
    """A horizontal stacked bar chart (technical + price points, out of 100) as inline SVG."""
    bars = chart_bars(doc)
    label_width, bar_width, row, top = 170, 380, 26, 30
    height = top + row * len(bars) + 30
    width = label_width + bar_width + 70
    title = _("Points par offre (sur 100)")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>',
        f'<text x="0" y="16" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, technical, price, eligible) in enumerate(bars):
        y = top + index * row
        colour = CHART_COLOURS["technical"] if eligible else CHART_COLOURS["eliminated"]
        tech_w = bar_width * technical / 100
        price_w = bar_width * price / 100
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" font-size="10" text-anchor="end">{escape(label[:30])}</text>'
        )
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{tech_w:.1f}" height="16" fill="{colour}"/>')
        if eligible:
            parts.append(
                f'<rect x="{label_width + tech_w:.1f}" y="{y + 3}" width="{price_w:.1f}" height="16" fill="{CHART_COLOURS["price"]}"/>'
            )
        total = technical + (price if eligible else 0)
        suffix = "" if eligible else " " + _("(éliminée)")
        parts.append(
            f'<text x="{label_width + tech_w + (price_w if eligible else 0) + 4:.1f}" y="{y + 15}" font-size="10">'
            f"{escape(_fmt(total, doc['language']) + suffix)}</text>"
        )
    legend_y = top + row * len(bars) + 14
    parts.append(
        f'<rect x="{label_width}" y="{legend_y - 9}" width="10" height="10" fill="{CHART_COLOURS["technical"]}"/>'
    )
    parts.append(f'<text x="{label_width + 14}" y="{legend_y}" font-size="10">{escape(_("Valeur technique"))}</text>')
    parts.append(
        f'<rect x="{label_width + 130}" y="{legend_y - 9}" width="10" height="10" fill="{CHART_COLOURS["price"]}"/>'
    )
    parts.append(f'<text x="{label_width + 144}" y="{legend_y}" font-size="10">{escape(_("Prix"))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def chart_png(doc) -> bytes:
    """The same chart as a PNG (for Word), drawn with Pillow."""
    from PIL import Image, ImageDraw, ImageFont  # only the DOCX writer draws it, in the worker

    bars = chart_bars(doc)
    scale = 2
    label_width, bar_width, row, top = 170 * scale, 380 * scale, 26 * scale, 30 * scale
    width, height = label_width + bar_width + 90 * scale, top + row * len(bars) + 30 * scale
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 10 * scale)
        bold = ImageFont.truetype("DejaVuSans-Bold.ttf", 12 * scale)
    except OSError:
        font = bold = ImageFont.load_default(size=10 * scale)
    draw.text((0, 4 * scale), _("Points par offre (sur 100)"), fill="black", font=bold)
    for index, (label, technical, price, eligible) in enumerate(bars):
        y = top + index * row
        tech_w = bar_width * technical / 100
        price_w = bar_width * price / 100 if eligible else 0
        colour = CHART_COLOURS["technical"] if eligible else CHART_COLOURS["eliminated"]
        draw.text((label_width - 6 * scale, y + 4 * scale), label[:30], fill="black", font=font, anchor="ra")
        draw.rectangle([label_width, y + 3 * scale, label_width + tech_w, y + 19 * scale], fill=colour)
        if price_w:
            draw.rectangle(
                [label_width + tech_w, y + 3 * scale, label_width + tech_w + price_w, y + 19 * scale],
                fill=CHART_COLOURS["price"],
            )
        total = technical + (price if eligible else 0)
        text = _fmt(total, doc["language"]) + ("" if eligible else " " + _("(éliminée)"))
        draw.text((label_width + tech_w + price_w + 4 * scale, y + 4 * scale), text, fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


# Writers --------------------------------------------------------------------------------------


def _labels(doc):
    language = doc["language"]
    return {
        "money": lambda v: _money(v, language),
        "points": lambda v: _fmt(v, language),
    }


def render_report_html(doc, *, for_print=True) -> str:
    language = doc["language"]
    fmt = _labels(doc)
    with translation.override(language):
        names = {c["id"]: c for c in doc["criteria"]}
        bids = [
            {
                **b,
                "price_display": fmt["money"](b["price"]),
                "technical_display": fmt["points"](b["technical_points"]),
                "price_points_display": fmt["points"](b["price_points"]),
                "total_display": fmt["points"](b["total"]),
                "cells": [
                    {
                        **cell,
                        "name": names[cell["criterion"]]["name"],
                        "kind": names[cell["criterion"]]["kind"],
                        "depth": names[cell["criterion"]]["depth"],
                        "score_display": "" if cell["score"] is None else fmt["points"](cell["score"]),
                        "points_display": "" if cell["points"] is None else fmt["points"](cell["points"]),
                    }
                    for cell in b["criteria"]
                ],
            }
            for b in doc["bids"]
        ]
        context = {
            "doc": doc,
            "bids": bids,
            "chart": mark_safe(chart_svg(doc)),  # built here from escaped values only
            "generated_on": format_date(doc["generated_on"]) if doc["generated_on"] else None,
            "value_display": fmt["money"](doc["value"]),
            "low_offer_lines": low_offer_lines(doc),
            "low_offer_threshold_display": _threshold(doc),
            "probes": [{**entry, "summary": probe_summary(entry)} for entry in doc.get("probes", [])],
            "print_css_url": static_print_url(PRINT_CSS),
            "report_css_url": static_print_url("css/scoring-print.css"),
        }
    return render_document("scoring/documents/report.html", context, language)


def render_report_pdf(doc) -> bytes:
    from documents.rendering.pdf import render_pdf  # heavy writer (WeasyPrint), loaded in the worker only

    return render_pdf(render_report_html(doc))


def render_report_docx(doc) -> bytes:
    from documents.rendering.docx import DocxBuilder  # heavy writer (python-docx), loaded in the worker only

    language = doc["language"]
    fmt = _labels(doc)
    with translation.override(language):
        builder = DocxBuilder(
            title=f"{doc['reference']} — {_('Rapport d’analyse des offres')}",
            author=doc["organization"],
            date=doc["generated_on"] or "2000-01-01",
            language=language,
        )
        builder.heading(_("Rapport d’analyse des offres"), 0)
        builder.paragraph(f"{doc['reference']} — {doc['title']}", "Subtitle")
        builder.header_footer(f"{doc['organization']} — {doc['reference']}")

        builder.heading(_("1. Acheteur, objet et valeur du marché"), 1)
        builder.paragraph(doc["organization"], label=_("Acheteur : "))
        builder.paragraph(f"{doc['title']} ({doc['reference']})", label=_("Objet : "))
        builder.paragraph(doc["procedure_label"], label=_("Procédure : "))
        builder.paragraph(fmt["money"](doc["value"]), label=_("Valeur (offre retenue) : "))
        builder.paragraph(doc["price_formula_label"], label=_("Formule de notation du prix : "))

        builder.heading(_("2. Classement des offres"), 1)
        builder.table(
            [_("Rang"), _("Candidat"), _("Prix"), _("Valeur technique"), _("Prix (points)"), _("Total / 100")],
            [
                [
                    b["rank"] if b["rank"] else _("éliminée"),
                    b["vendor"],
                    fmt["money"](b["price"]),
                    fmt["points"](b["technical_points"]),
                    fmt["points"](b["price_points"]),
                    fmt["points"](b["total"]),
                ]
                for b in doc["bids"]
            ],
            widths=[0.09, 0.31, 0.17, 0.15, 0.14, 0.14],
        )
        builder.paragraph(_("Points par offre (sur 100)"), "Caption")
        builder.document.add_picture(io.BytesIO(chart_png(doc)), width=builder.usable_width)

        builder.heading(_("3. Notes et points par critère"), 1)
        names = {c["id"]: c for c in doc["criteria"]}
        for bid in doc["bids"]:
            builder.heading(bid["vendor"], 2)
            rows = [
                [
                    cell["number"],
                    names[cell["criterion"]]["name"],
                    "" if cell["score"] is None else fmt["points"](cell["score"]),
                    "" if cell["points"] is None else fmt["points"](cell["points"]),
                    _("écart entre évaluateurs") if cell["dispersion"] else "",
                ]
                for cell in bid["criteria"]
            ]
            builder.table(
                [_("N°"), _("Critère"), _("Note"), _("Points"), _("Remarque")],
                rows,
                widths=[0.08, 0.47, 0.12, 0.12, 0.21],
                indents=[names[cell["criterion"]]["depth"] for cell in bid["criteria"]],
            )

        builder.heading(_("4. Offres écartées et motifs"), 1)
        if not doc["rejected"]:
            builder.paragraph(_("Aucune offre n’a été écartée."))
        for bid in doc["rejected"]:
            for reason in bid["eliminated_by"]:
                builder.paragraph(
                    f"{bid['vendor']} — {reason['number']} {reason['criterion']} : {reason['reason']}", "List Bullet"
                )

        builder.heading(_("5. Attributaire pressenti et motifs"), 1)
        if doc["awardee"]:
            builder.paragraph(", ".join(doc["awardee"]["vendors"]), label=_("Attributaire : "))
            builder.paragraph(doc["awardee"]["reason"])
            if doc["awardee"]["tie"]:
                builder.paragraph(
                    _("Égalité au premier rang : l’acheteur départage les offres selon la règle annoncée."), italic=True
                )
        else:
            builder.paragraph(_("Aucune offre recevable : pas d’attributaire."))

        builder.heading(_("6. Évaluateurs et déclarations d’absence de conflit d’intérêts"), 1)
        builder.table(
            [_("Évaluateur"), _("Déclaration")],
            [[e["name"], e["declared_at"] or _("non déclarée")] for e in doc["evaluators"]],
            widths=[0.6, 0.4],
        )

        builder.heading(_("7. Notes de consensus et justifications"), 1)
        if not doc["consensus"]:
            builder.paragraph(_("Aucune note de consensus."))
        else:
            builder.table(
                [_("Candidat"), _("Critère"), _("Note"), _("Justification"), _("Par")],
                [
                    [
                        c["vendor"],
                        f"{c['number']} {c['criterion']}",
                        fmt["points"](c["value"]),
                        c["justification"],
                        c["set_by"],
                    ]
                    for c in doc["consensus"]
                ],
                widths=[0.18, 0.25, 0.09, 0.36, 0.12],
            )

        builder.heading(_("8. Offres anormalement basses"), 1)
        builder.paragraph(
            _("Seuil : prix inférieur de plus de %(threshold)s %% à la moyenne des autres offres recevables.")
            % {"threshold": _threshold(doc)}
        )
        if doc["provisional"]:
            builder.paragraph(_("Résultats provisoires : une décision est encore attendue."), italic=True)
        if not doc["low_offers"]:
            builder.paragraph(_("Aucune offre anormalement basse."))
        for line in low_offer_lines(doc):
            builder.paragraph(line, "List Bullet")

        builder.heading(_("9. Sondage de conformité FHIR / SMART"), 1)
        builder.paragraph(
            _(
                "Déclaration de capacités (/metadata) et configuration SMART de chaque candidat, "
                "confrontées aux vérifications des clauses du marché."
            )
        )
        for entry in doc.get("probes", []):
            builder.heading(entry["vendor"], 2)
            builder.paragraph(probe_summary(entry))
            if not entry["probed"]:
                continue
            if entry["error"]:
                builder.paragraph(entry["error"], italic=True)
            if entry["documents"]:
                builder.table(
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
                    widths=[0.22, 0.13, 0.35, 0.30],
                )
            if entry["failed"]:
                builder.paragraph(_("Vérifications non conformes"), bold=True)
                builder.table(
                    [_("Clause"), _("Vérification"), _("Constat"), _("Chemin"), _("Extrait")],
                    [
                        [row["clause"], row["check"], row["message"], row["path"], row["excerpt"] or "—"]
                        for row in entry["failed"]
                    ],
                    widths=[0.18, 0.2, 0.24, 0.16, 0.22],
                )
        return builder.to_bytes()


def render_report_xlsx(doc) -> bytes:
    from .report_xlsx import render_report_xlsx as write  # heavy writer (openpyxl), loaded in the worker only

    return write(doc)


WRITERS = {"pdf": render_report_pdf, "docx": render_report_docx, "xlsx": render_report_xlsx}


def build_report(document, progress=None):
    """(bytes, inputs digest) of an evaluation_report Document row: its builder in documents/registry.py."""
    tender = Tender.objects.select_related("organization").get(pk=document.tender_id)
    try:
        doc = report_document(tender)
    except rules.CriteriaError as error:
        raise RenderError(" ".join(error.messages))
    except rules.PriceError as error:
        raise RenderError(str(error))
    if not doc["bids"]:
        raise RenderError(_("Aucune offre n’est enregistrée : il n’y a rien à analyser."))
    writer = WRITERS.get(document.format)
    if writer is None:
        raise RenderError(_("Ce type de document n'existe pas dans ce format."))
    return writer(doc), doc["inputs_digest"]

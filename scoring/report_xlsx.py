"""The evaluation report as XLSX, with a native Excel bar chart.

The report's own writer: the tenders rendering module `documents/rendering/xlsx.py` is the
questionnaire's. Same input → same bytes (fixed workbook dates, ZIP normalised by
`documents.rendering.archive.normalize_zip`).
"""

import datetime
import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from documents.rendering.archive import normalize_zip
from documents.rendering.xlsx import keep_text

HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")


def _header(sheet, titles, widths):
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"


def render_report_xlsx(doc) -> bytes:
    with translation.override(doc["language"]):
        workbook = Workbook()
        moment = datetime.datetime.combine(
            datetime.date.fromisoformat(doc["generated_on"] or "2000-01-01"), datetime.time()
        )
        workbook.properties.created = workbook.properties.modified = moment
        workbook.properties.creator = workbook.properties.lastModifiedBy = doc["organization"]
        workbook.properties.title = f"{doc['reference']} — {_('Rapport d’analyse des offres')}"

        ranking = workbook.active
        ranking.title = _("Classement")
        _header(
            ranking,
            [
                _("Rang"),
                _("Candidat"),
                _("Prix"),
                _("Valeur technique"),
                _("Prix (points)"),
                _("Total / 100"),
                _("Recevable"),
            ],
            [8, 32, 14, 16, 14, 12, 12],
        )
        for bid in doc["bids"]:
            ranking.append(
                [
                    bid["rank"],
                    bid["vendor"],
                    bid["price"],
                    bid["technical_points"],
                    bid["price_points"],
                    bid["total"],
                    _("oui") if bid["eligible"] else _("non"),
                ]
            )
        count = len(doc["bids"])
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = _("Points par offre (sur 100)")
        chart.y_axis.title = _("Points")
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
        chart.add_data(Reference(ranking, min_col=4, max_col=5, min_row=1, max_row=count + 1), titles_from_data=True)
        chart.set_categories(Reference(ranking, min_col=2, min_row=2, max_row=count + 1))
        chart.height, chart.width = max(6, 1 + count * 0.8), 18
        ranking.add_chart(chart, f"A{count + 4}")

        detail = workbook.create_sheet(_("Détail par critère"))
        _header(
            detail,
            [_("Candidat"), _("N°"), _("Critère"), _("Note"), _("Points"), _("Écart entre évaluateurs")],
            [28, 8, 44, 10, 10, 14],
        )
        names = {c["id"]: c["name"] for c in doc["criteria"]}
        for bid in doc["bids"]:
            for cell in bid["criteria"]:
                detail.append(
                    [
                        bid["vendor"],
                        cell["number"],
                        names[cell["criterion"]],
                        cell["score"],
                        cell["points"],
                        _("oui") if cell["dispersion"] else "",
                    ]
                )

        rejected = workbook.create_sheet(_("Offres écartées"))
        _header(rejected, [_("Candidat"), _("N°"), _("Critère éliminatoire"), _("Motif")], [28, 8, 40, 60])
        for bid in doc["rejected"]:
            for reason in bid["eliminated_by"]:
                rejected.append([bid["vendor"], reason["number"], reason["criterion"], reason["reason"]])

        summary = workbook.create_sheet(_("Synthèse"))
        _header(summary, [_("Rubrique"), _("Valeur")], [34, 90])
        awardee = doc["awardee"]
        for label, value in (
            (_("Acheteur"), doc["organization"]),
            (_("Objet"), f"{doc['title']} ({doc['reference']})"),
            (_("Procédure"), doc["procedure_label"]),
            (_("Valeur (offre retenue)"), doc["value"]),
            (_("Formule de notation du prix"), doc["price_formula_label"]),
            (_("Attributaire"), ", ".join(awardee["vendors"]) if awardee else _("aucun")),
            (_("Motifs du choix"), awardee["reason"] if awardee else _("Aucune offre recevable.")),
        ):
            summary.append([label, value])

        people = workbook.create_sheet(_("Évaluateurs"))
        _header(people, [_("Évaluateur"), _("Déclaration d’absence de conflit")], [34, 30])
        for evaluator in doc["evaluators"]:
            people.append([evaluator["name"], evaluator["declared_at"] or _("non déclarée")])

        agreed = workbook.create_sheet(_("Consensus"))
        _header(
            agreed,
            [_("Candidat"), _("N°"), _("Critère"), _("Note"), _("Justification"), _("Par")],
            [28, 8, 40, 8, 60, 14],
        )
        for row in doc["consensus"]:
            agreed.append(
                [row["vendor"], row["number"], row["criterion"], row["value"], row["justification"], row["set_by"]]
            )

        low = workbook.create_sheet(_("Offres anormalement basses"))
        _header(
            low,
            [
                _("Candidat"),
                _("Prix"),
                _("Moyenne des autres offres"),
                _("Écart (%)"),
                _("Justification demandée le"),
                _("Objet de la demande"),
                _("Décision"),
                _("Décidée le"),
                _("Par"),
                _("Motif"),
            ],
            [28, 14, 16, 10, 14, 40, 12, 14, 14, 50],
        )
        for row in doc.get("low_offers", []):
            low.append(
                [
                    row["vendor"],
                    row["price"],
                    row["mean_of_others"],
                    row["gap_percent"],
                    row["requested_on"],
                    row["request_note"],
                    row["decision_label"],
                    row["decided_on"],
                    row["decided_by"],
                    row["reason"],
                ]
            )

        probes = workbook.create_sheet(_("Sondage de conformité"))
        _header(
            probes,
            [
                _("Candidat"),
                _("Élément"),
                _("Libellé"),
                _("Résultat"),
                _("Détail"),
                _("Chemin"),
                _("Extrait"),
            ],
            [24, 22, 40, 18, 50, 30, 50],
        )
        for entry in doc.get("probes", []):
            if not entry["probed"]:
                probes.append([entry["vendor"], _("Sondage"), "", _("aucun"), "", "", ""])
                continue
            counts = entry["counts"]
            probes.append(
                [
                    entry["vendor"],
                    _("Sondage"),
                    entry["source_label"] + (f" ({entry['base_url']})" if entry["base_url"] else ""),
                    entry["status_label"],
                    _("lu le %(date)s ; %(passed)d conformes, %(failed)d non conformes, %(unknown)d non vérifiables")
                    % {
                        "date": entry["fetched_at"] or "—",
                        "passed": counts["pass"],
                        "failed": counts["fail"],
                        "unknown": counts["unknown"],
                    },
                    "",
                    entry["error"],
                ]
            )
            for document in entry["documents"]:
                probes.append(
                    [
                        entry["vendor"],
                        _("Document"),
                        document["label"],
                        _("valide") if document["valid"] else _("invalide ou absent"),
                        " ".join(document["errors"]),
                        "",
                        document["sha256"],
                    ]
                )
            for row in entry["failed"]:
                probes.append(
                    [
                        entry["vendor"],
                        _("Vérification non conforme"),
                        f"{row['clause']} — {row['check']}",
                        _("non conforme"),
                        row["message"],
                        row["path"],
                        row["excerpt"],
                    ]
                )

        keep_text(workbook)  # vendor names, answers, comments: text, never formulas
        buffer = io.BytesIO()
        workbook.save(buffer)
    return normalize_zip(buffer.getvalue(), doc["generated_on"] or "2000-01-01")

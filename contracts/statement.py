"""The penalty statement (relevé des pénalités): the plain sectioned document the report writers lay out
(scoring/report/writers.py) and its builder for the documents pipeline.

The statement is the written invitation CCAG-TIC art. 14 asks for before penalties are applied: the
amount considered, the delays concerned and the 15 days the holder has to present observations.
"""

import hashlib
import json

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from documents.services import RenderError
from organizations.formatting import format_date_words, format_money, format_percent

from . import execution, penalties
from .models import Contract

REGIME_WORDS = {
    "A": "P = V × R / 1000",
}


def _money(value, language):
    return format_money(value, tax="HT", language=language) if value is not None else "—"


def _line_rows(statement, language):
    rows = []
    for line in statement["lines"]:
        rows.append(
            [
                str(line["number"]),
                line["article"],
                line["obligation"] or "—",
                format_date_words(line["due_on"], language=language),
                format_date_words(line["delivered_on"], language=language) if line["delivered_on"] else _("non livré"),
                str(line["late_days"]),
                line["regime"] or "—",
                _money(line["value"], language) if line["regime"] == "A" else "—",
                _money(line["amount"], language) if line["amount"] is not None else (line["note"] or "—"),
            ]
        )
    return rows


def _availability_rows(statement, language):
    return [
        [
            f"{row['month']:%Y-%m}",
            format_percent(row["measured"], 3, language=language),
            format_percent(row["committed"], 3, language=language) if row["committed"] is not None else "—",
            str(row["steps"]),
            _money(row["amount"], language) if row["amount"] is not None else (row["note"] or "—"),
        ]
        for row in statement["availability"]
    ]


def statement_document(contract, statement, *, sent_on, language) -> dict:
    """The sectioned document of the statement (plain data)."""
    deadline = penalties.observation_deadline(sent_on)
    with translation.override(language):
        totals = [
            (_("Pénalités calculées"), _money(statement["computed"], language)),
            (
                _("Plafond (10 %% du montant HT du marché, %(a)s)")
                % {"a": _money(statement["contract_amount"], language)},
                _money(statement["cap"], language),
            ),
            (
                _("Exonération (total n'excédant pas %(t)s)") % {"t": _money(statement["threshold"], language)},
                _("oui") if statement["exempted"] else _("non"),
            ),
            (_("Montant envisagé"), _money(statement["total"], language)),
        ]
        sections = [
            {
                "title": "",
                "blocks": [
                    {
                        "type": "facts",
                        "rows": [
                            (_("Marché"), f"{contract.uid} — {contract.tender.title}"),
                            (_("Titulaire"), contract.holder_name),
                            (_("Arrêté au"), format_date_words(statement["as_of"], language=language)),
                        ],
                    }
                ],
            },
            {
                "title": _("Retards"),
                "blocks": [
                    {
                        "type": "table",
                        "header": [
                            _("N°"),
                            _("Article"),
                            _("Obligation"),
                            _("Échéance"),
                            _("Livré le"),
                            _("Jours de retard"),
                            _("Régime"),
                            _("Valeur V"),
                            _("Montant"),
                        ],
                        "rows": _line_rows(statement, language),
                    }
                ]
                if statement["lines"]
                else [{"type": "paragraph", "text": _("Aucune demande ni incident enregistré.")}],
            },
        ]
        if statement["availability"]:
            sections.append(
                {
                    "title": _("Disponibilité"),
                    "blocks": [
                        {
                            "type": "table",
                            "header": [_("Mois"), _("Mesurée"), _("Engagée"), _("Tranches"), _("Montant")],
                            "rows": _availability_rows(statement, language),
                        }
                    ],
                }
            )
        sections.append({"title": _("Montant"), "blocks": [{"type": "facts", "rows": totals}]})
        sections.append(
            {
                "title": _("Observations du titulaire"),
                "blocks": [
                    {
                        "type": "paragraph",
                        "text": _(
                            "Conformément à l'article 14 du CCAG-TIC, le titulaire est invité à présenter ses "
                            "observations par écrit dans un délai de 15 jours, soit jusqu'au %(d)s inclus, avant "
                            "que l'acheteur ne décide des pénalités appliquées."
                        )
                        % {"d": format_date_words(deadline, language=language)},
                    }
                ],
            }
        )
        return {
            "language": language,
            "title": _("Relevé des pénalités"),
            "subtitle": contract.tender.title,
            "organization": contract.organization.name,
            "reference": contract.tender.reference,
            "generated_on": sent_on.isoformat(),
            "notice": {"watermark": "", "title": "", "blocking": []},
            "sections": sections,
        }


def _digest(document):
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def build_penalty_statement(document, progress=None):
    """(bytes, inputs digest) of a penalty_statement row (pdf or docx)."""
    from scoring.report import writers

    contract = Contract.objects.select_related("tender", "organization", "bid").filter(pk=document.contract_id).first()
    if contract is None:
        raise RenderError(_("Ce document ne se rattache à aucun marché."))
    sent_on = timezone.localdate(document.created_at)
    statement = execution.penalty_statement(contract, today=sent_on)
    if progress:
        progress(40)
    plain = statement_document(contract, statement, sent_on=sent_on, language=contract.tender.language or "fr")
    return writers.WRITERS[document.format](plain), _digest(plain)

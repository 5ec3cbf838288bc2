"""The acceptance record (`acceptance_report`, PDF or DOCX): the plan's rows and the decision, as a sectioned
document laid out by the report writers (scoring/report/writers.py) — no fact is computed there.

`record_document(contract, plan, rows)` is pure over rows already read; `build_acceptance_report` is the
documents job's builder (registered in contracts/apps.py).
"""

import hashlib
import json

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clause_library.text import strip_forbidden_characters_deep
from documents.services import RenderError
from organizations.formatting import format_date_words, format_money, format_percent
from scoring.report.sections import colon
from scoring.report.writers import WRITERS

from . import acceptance_selectors
from .models import AcceptanceDecision, AcceptanceEvent, AcceptanceMethod, AcceptanceResult, Contract


def _person(user):
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


def _decision_rows(plan, language):
    if not plan.decision:
        return None
    rows = [
        (_("Décision"), str(AcceptanceDecision(plan.decision).label)),
        (_("Motif"), plan.decision_reason),
    ]
    if plan.refaction_percent is not None:
        rows.append((_("Réfaction"), format_percent(plan.refaction_percent, language=language)))
    decided = timezone.localtime(plan.decided_at).date() if plan.decided_at else None
    rows.append((_("Prononcée le"), format_date_words(decided, language=language) if decided else "—"))
    rows.append((_("Par"), _person(plan.decided_by)))
    return rows


def record_document(contract, plan, rows, *, generated_on) -> dict:
    """The sectioned document of the acceptance record, in the tender's language."""
    language = contract.tender.language
    with translation.override(language):
        summary = acceptance_selectors.summary(rows)
        counts = summary["counts"]
        table = [
            [
                row.article,
                row.title,
                str(AcceptanceMethod(row.method).label),
                row.expected,
                str(AcceptanceResult(row.result).label),
                row.evidence
                + (f"\n{_('Pièce jointe')}{colon(language)}{row.evidence_file_name}" if row.evidence_file_name else ""),
            ]
            for row in rows
        ]
        decision = _decision_rows(plan, language)
        sections = [
            {
                "key": "contract",
                "title": _("Marché"),
                "blocks": [
                    {
                        "type": "facts",
                        "rows": [
                            (_("Marché"), contract.uid),
                            (_("Objet"), contract.tender.title),
                            (_("Titulaire"), contract.holder_name),
                            (_("Montant HT"), format_money(contract.amount, language=language)),
                            (_("Notifié le"), format_date_words(contract.notified_on, language=language)),
                        ],
                    },
                    {
                        "type": "paragraph",
                        "text": _(
                            "Opérations de vérification et décision après vérification prévues par le CCAG-TIC "
                            "(arrêté du 30 mars 2021), auquel le marché se réfère, sur les exigences de l'annexe "
                            "technique d'interopérabilité au CCTP et les engagements de l'offre du titulaire."
                        ),
                    },
                ],
            },
            {
                "key": "rows",
                "title": _("Exigences vérifiées"),
                "blocks": [
                    {
                        "type": "table",
                        "header": [
                            _("Article"),
                            _("Exigence"),
                            _("Méthode"),
                            _("Attendu"),
                            _("Résultat"),
                            _("Constat"),
                        ],
                        "rows": table,
                        "widths": [8, 20, 12, 22, 12, 26],
                    }
                ],
            },
            {
                "key": "summary",
                "title": _("Synthèse"),
                "blocks": [
                    {
                        "type": "facts",
                        "rows": [
                            (_("Exigences"), str(summary["total"])),
                            *[
                                (str(AcceptanceResult(value).label), str(counts[value]))
                                for value in AcceptanceResult.values
                            ],
                            (_("Décision proposée"), str(AcceptanceDecision(summary["proposed_decision"]).label)),
                        ],
                    }
                ],
            },
            {
                "key": "decision",
                "title": _("Décision"),
                "blocks": [{"type": "facts", "rows": decision}]
                if decision
                else [{"type": "paragraph", "text": _("Aucune décision n'est encore prononcée.")}],
            },
        ]
        return strip_forbidden_characters_deep(
            {
                "language": language,
                "title": _("Procès-verbal des opérations de vérification"),
                "subtitle": f"{contract.uid} — {contract.tender.reference} — {contract.tender.title}",
                "organization": contract.organization.name,
                "reference": contract.uid,
                "generated_on": generated_on,
                "notice": {"watermark": "", "title": "", "blocking": []},
                "sections": sections,
            }
        )


def build_acceptance_report(document, progress=None):
    """(bytes, inputs digest) of an acceptance_report row: the record of its contract's plan and decision."""
    contract = Contract.objects.select_related("tender", "organization").filter(pk=document.contract_id).first()
    if contract is None:
        raise RenderError(_("Ce document n'est rattaché à aucun marché."))
    plan = acceptance_selectors.plan_of(contract)
    if plan is None:
        raise RenderError(_("Le plan de vérification du marché n'est pas encore établi."))
    rows = list(acceptance_selectors.plan_rows(plan))
    # The date printed is when the record last changed, never the clock: same inputs, same file.
    last = AcceptanceEvent.objects.filter(plan=plan).order_by("-id").values_list("at", flat=True).first()
    generated_on = timezone.localtime(last or plan.generated_at).date().isoformat()
    doc = record_document(contract, plan, rows, generated_on=generated_on)
    digest = hashlib.sha256(
        json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()
    writer = WRITERS.get(document.format)
    if writer is None or document.format == "xlsx":
        raise RenderError(_("Ce type de document n'existe pas dans ce format."))
    if progress:
        progress(30)
    return writer(doc), digest

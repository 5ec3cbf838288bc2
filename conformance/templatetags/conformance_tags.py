"""Template helpers for showing probe outcomes (the data comes from conformance.selectors)."""

import json

from django import template
from django.utils.translation import gettext_lazy as _

from .. import checks

register = template.Library()

OUTCOME_LABELS = {"pass": _("Conforme"), "fail": _("Non conforme"), "unknown": _("Non vérifiable")}
DOCUMENT_LABELS = {
    "capability_statement": _("CapabilityStatement (/metadata)"),
    "smart_configuration": _("Configuration SMART (/.well-known/smart-configuration)"),
}
BASIS_LABELS = {
    "declared": _("déclaré par le serveur"),
    "implied": _("déduit (valeur par défaut ou autre élément du document)"),
    "absent": _("élément ou document absent"),
    "unreadable": _("élément présent mais illisible ou mal formé"),
    "observed": _("observé sur le bac à sable"),
}
OUTCOME_CLASSES = {"pass": "text-bg-success", "fail": "text-bg-danger", "unknown": "text-bg-secondary"}


@register.filter
def check_label(check):
    return checks.describe(check)


@register.filter
def outcome_label(outcome):
    return OUTCOME_LABELS.get(outcome, outcome)


@register.filter
def basis_label(basis):
    return BASIS_LABELS.get(basis, basis or "")


@register.filter
def outcome_class(outcome):
    return OUTCOME_CLASSES.get(outcome, "text-bg-secondary")


@register.filter
def clause_outcomes(results_by_clause, tender_clause_id):
    """`{{ probe|clause_outcomes:criterion.tender_clause_id }}`: the outcomes of one clause ([] if none)."""
    if not results_by_clause or tender_clause_id is None:
        return []
    return results_by_clause.get(tender_clause_id, [])


@register.filter
def excerpt_json(value):
    return json.dumps(value, ensure_ascii=False, indent=1)


@register.filter
def document_label(kind):
    return DOCUMENT_LABELS.get(kind, kind)

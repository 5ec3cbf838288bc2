"""On the evaluation pages, in the active language: dates kept as ISO text, and a vendor's committed
values under the labels of the clause's parameters (numbers, percentages and money: the `formatting`
filters of organizations)."""

import datetime
from decimal import Decimal

from django import template
from django.utils import translation
from django.utils.formats import date_format

from clause_library.parameters import display_value, normalize_definition
from documents.rendering.answer_form import direction_label
from organizations.formatting import format_number

register = template.Library()


@register.filter
def iso_date(value):
    """An ISO date kept in JSON ("2027-06-30", the roadmap's) as the active language writes dates."""
    try:
        return date_format(datetime.date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return value


def _committed_text(value, kind):
    """A committed value as the active language writes it: numbers grouped, dates in words, oui/non."""
    if isinstance(value, bool):
        return display_value(value, (translation.get_language() or "fr").split("-")[0])
    if isinstance(value, (int, float, Decimal)):
        return format_number(value, 6, trim=True)
    if kind == "date":
        return iso_date(value)
    return "" if value is None else str(value)


@register.filter
def committed_values(answer, criterion):
    """The answer's committed values as `[{"code", "label", "value"}]`, labelled from the parameter
    definitions of the clause version the tender took (`criterion.tender_clause.version`, joined by
    `selectors.criteria_tree`: no query here), in the clause's order; a code the clause no longer
    declares (or a criterion without clause) keeps its code as label, after the declared ones."""
    values = getattr(answer, "committed_values", None) or {}
    if not values:
        return []
    tender_clause = criterion.tender_clause if criterion is not None and criterion.tender_clause_id else None
    definitions = [normalize_definition(d) for d in tender_clause.version.parameters] if tender_clause else []
    declared = [d for d in definitions if d["name"] in values]
    known = {d["name"] for d in declared}
    rows = [
        {"code": d["name"], "label": d["label"], "value": _committed_text(values[d["name"]], d["type"])}
        for d in declared
    ]
    rows += [
        {"code": code, "label": code, "value": _committed_text(value, None)}
        for code, value in values.items()
        if code not in known
    ]
    return rows


@register.filter
def shortfall_rows(answer):
    """The answer's committed values less favourable than required (`answer.shortfalls`, set by the
    selectors: scoring/commitments.py) as `[{"code", "label", "committed", "required"}]`, the required
    value with its direction (« au plus 30 »)."""
    rows = []
    for code, item in (getattr(answer, "shortfalls", None) or {}).items():
        definition = item["definition"]
        required = _committed_text(item["required"], definition["type"])
        direction = direction_label(definition["direction"])
        rows.append(
            {
                "code": code,
                "label": definition["label"],
                "committed": _committed_text(item["committed"], definition["type"]),
                "required": f"{direction} {required}" if direction else required,
            }
        )
    return rows

"""Committed values against the required ones: which are less favourable than the tender asks.

A parameter's `direction` says what is better (`max`: a ceiling, lower is better — a delay; `min`: a
floor, higher is better — an availability rate or a retention period). A vendor's committed value on
the wrong side of the required value is flagged `below_requirement`. The flag proposes, it never
decides: on an eliminatory requirement it suggests that the offer may be irregular (CCP L2152-2), and
the lead decides (EliminatoryDecision). Pure functions on plain values; the callers give the
definitions the tender took and the values the tender requires (its clause's, else the tender's,
else the default: `clause_library.parameters.resolve_values`).
"""

from decimal import Decimal, InvalidOperation

from clause_library.parameters import normalize_definition, resolve_values
from organizations.formatting import to_date

BELOW_REQUIREMENT = "below_requirement"


def _ordered(value, kind):
    """A value made comparable: a date for a date parameter, a Decimal for a number; None if it is not one."""
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        if kind == "date":
            return to_date(value)
        return Decimal(str(value).replace(",", ".").strip())
    except (ValueError, InvalidOperation, TypeError):
        return None


def is_less_favourable(definition, required, committed) -> bool:
    """Whether `committed` is worse than `required` by the parameter's direction (equal is fine)."""
    direction = definition.get("direction")
    if direction not in ("max", "min"):
        return False
    kind = definition.get("type")
    wanted, offered = _ordered(required, kind), _ordered(committed, kind)
    if wanted is None or offered is None:
        return False
    return offered > wanted if direction == "max" else offered < wanted


def shortfalls(definitions, required_values, committed_values) -> dict:
    """{parameter name: {"definition", "required", "committed"}} of the committed values less
    favourable than required, in the clause's order."""
    found = {}
    for definition in map(normalize_definition, definitions or []):
        name = definition["name"]
        if name not in (committed_values or {}):
            continue
        required = (required_values or {}).get(name)
        if is_less_favourable(definition, required, committed_values[name]):
            found[name] = {"definition": definition, "required": required, "committed": committed_values[name]}
    return found


def answer_shortfalls(answer, criterion, tender_parameters) -> dict:
    """The shortfalls of an answer to a criterion made from a tender clause (joined: no query)."""
    values = getattr(answer, "committed_values", None) or {}
    if not values or criterion is None or not criterion.tender_clause_id:
        return {}
    tender_clause = criterion.tender_clause
    definitions = tender_clause.version.parameters
    required, _errors = resolve_values(definitions, tender_clause.parameters, tender_parameters, require=False)
    return shortfalls(definitions, required, values)


def flags(shortfalls_found) -> list:
    return [BELOW_REQUIREMENT] if shortfalls_found else []

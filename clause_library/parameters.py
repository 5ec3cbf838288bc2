"""Typed clause parameters: checking their declarations and the values given to them.

Pure functions on plain data; no database. Errors are lists of human messages keyed by
the place they concern, so the API, forms and the import can show them as they are.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from organizations.formatting import format_date_words, format_number

TYPES = ("text", "integer", "decimal", "boolean", "date", "choice")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FIELDS = ("name", "label", "type", "default", "required", "choices", "min", "max", "help", "direction", "improvable")
MAX_TEXT_VALUE = 2000
DIRECTIONS = ("max", "min")
# Types a direction makes sense for: a number (a delay, a rate) or a date (a deadline).
ORDERED_TYPES = ("integer", "decimal", "date")
# `{{ ref:<clause key> }}` (a cross-reference to another clause: "article N" in a tender) and
# `{{ price:<line code> }}` (a line of the price schedule) are not parameters: the tender file's
# composer resolves them, or drops the block that holds them when their target is not in the tender.
REFERENCE_KINDS = ("ref", "price")
REFERENCE_RE = re.compile(r"^(ref|price)\s*:\s*([-a-zA-Z0-9_]+)$")


def reference_of(name):
    """(kind, target) of a `ref:`/`price:` placeholder name, None for a parameter's name."""
    match = REFERENCE_RE.match(name or "")
    return (match.group(1), match.group(2)) if match else None


def references_in(body):
    """[(kind, target)] of the cross-references of a body, in order of first appearance."""
    found = []
    for _start, _end, name in iter_placeholders(body):
        reference = reference_of(name)
        if reference and reference not in found:
            found.append(reference)
    return found


def iter_placeholders(body):
    """(start, end, name) of each `{{ name }}` in a body, left to right, in linear time.

    Same matches as the regular expression `\\{\\{\\s*([^{}]*?)\\s*\\}\\}` that this replaces: a
    placeholder runs from `{{` to the next `}}` and holds no brace; its name is what lies between,
    without the surrounding spaces. That expression backtracked cubically on `{{` followed by
    thousands of spaces (issue 18, finding 3); this scanner looks at each character a bounded number
    of times: after a failed opening it resumes at the last brace seen, never before.
    """
    body = body or ""
    position = 0
    while True:
        start = body.find("{{", position)
        if start < 0:
            return
        end = body.find("}}", start + 2)
        if end < 0:
            return  # no closing after this opening, so none after any later one either
        inner = body[start + 2 : end]
        last_brace = max(inner.rfind("{"), inner.rfind("}"))
        if last_brace >= 0:
            # No opening before that brace can close at `end`; the next candidate starts just before it.
            position = max(start + 1, start + 2 + last_brace - 1)
            continue
        yield start, end + 2, inner.strip()
        position = end + 2


def replace_placeholders(body, replacement):
    """The body with each placeholder replaced by `replacement(name)` (a string)."""
    body = body or ""
    parts, position = [], 0
    for start, end, name in iter_placeholders(body):
        parts.append(body[position:start])
        parts.append(replacement(name))
        position = end
    parts.append(body[position:])
    return "".join(parts)


def placeholders(body):
    """Names used as `{{ name }}` in a body, in order of first appearance."""
    seen = []
    for _start, _end, name in iter_placeholders(body):
        if name not in seen:
            seen.append(name)
    return seen


def normalize_definition(raw):
    """A declaration with every field present (missing ones take their neutral value)."""
    return {
        "name": raw.get("name"),
        "label": raw.get("label") or raw.get("name") or "",
        "type": raw.get("type", "text"),
        "default": raw.get("default"),
        "required": bool(raw.get("required", True)),
        "choices": list(raw.get("choices") or []),
        "min": raw.get("min"),
        "max": raw.get("max"),
        "help": raw.get("help") or "",
        "direction": raw.get("direction") or None,
        "improvable": bool(raw.get("improvable", False)),
    }


def _is_number(value):
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def validate_definitions(definitions, body):
    """Check a clause's parameter declarations against each other and its body.

    Returns {"parameters": [...], "body": [...]} with only the keys that have errors.
    """
    errors = {}
    param_errors = []
    if not isinstance(definitions, list):
        return {"parameters": [_("Doit être une liste de paramètres.")]}
    names = set()
    for index, raw in enumerate(definitions):
        where = _("Paramètre %(n)s") % {"n": index + 1}
        if not isinstance(raw, dict):
            param_errors.append(_("%(where)s : doit être un objet.") % {"where": where})
            continue
        unknown = sorted(set(raw) - set(FIELDS))
        if unknown:
            param_errors.append(_("%(where)s : champ inconnu « %(field)s ».") % {"where": where, "field": unknown[0]})
        name = raw.get("name")
        if not isinstance(name, str) or not NAME_RE.match(name):
            param_errors.append(
                _("%(where)s : nom « %(name)s » invalide (lettres, chiffres et _ ; pas de chiffre en tête).")
                % {"where": where, "name": name}
            )
            continue
        where = _("Paramètre « %(name)s »") % {"name": name}
        if name in names:
            param_errors.append(_("%(where)s : nom en double.") % {"where": where})
        names.add(name)
        param_errors.extend(
            _("%(where)s : %(message)s") % {"where": where, "message": message} for message in _definition_errors(raw)
        )
    if param_errors:
        errors["parameters"] = param_errors
    body_errors = _placeholder_errors(body, names)
    if body_errors:
        errors["body"] = body_errors
    return errors


def _definition_errors(raw):
    """Messages (without the parameter's name) for one declaration whose name is valid."""
    definition = normalize_definition(raw)
    kind = definition["type"]
    if kind not in TYPES:
        return [_("type « %(type)s » inconnu (attendu : %(types)s).") % {"type": kind, "types": ", ".join(TYPES)}]
    messages = []
    if kind == "choice":
        choices = definition["choices"]
        if not choices or not all(isinstance(c, str) and c for c in choices):
            messages.append(_("un paramètre « choice » demande une liste de choix non vide."))
        elif len(set(choices)) != len(choices):
            messages.append(_("choix en double."))
    messages.extend(_bounds_errors(definition))
    messages.extend(_direction_errors(raw, kind))
    if definition["default"] not in (None, ""):
        try:
            coerce_value(definition, definition["default"])
        except ValueError as exc:
            messages.append(_("valeur par défaut : %(error)s") % {"error": exc})
    return messages


def _bounds_errors(definition):
    messages = []
    for bound in ("min", "max"):
        value = definition[bound]
        if value is not None and (definition["type"] not in ("integer", "decimal") or not _is_number(value)):
            messages.append(_("« %(bound)s » n'a de sens que pour un nombre.") % {"bound": bound})
    low, high = definition["min"], definition["max"]
    if _is_number(low) and _is_number(high) and low > high:
        messages.append(_("min (%(min)s) est supérieur à max (%(max)s).") % {"min": low, "max": high})
    return messages


def _direction_errors(raw, kind):
    messages = []
    direction = raw.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        messages.append(_("« direction » vaut « max » (plafond, plus bas est mieux), « min » (plancher) ou null."))
    elif direction and kind not in ORDERED_TYPES:
        messages.append(_("« direction » n'a de sens que pour un nombre ou une date."))
    improvable = raw.get("improvable", False)
    if not isinstance(improvable, bool):
        messages.append(_("« improvable » vaut true ou false."))
    elif improvable and direction not in DIRECTIONS:
        messages.append(
            _(
                "une valeur améliorable par le candidat demande une « direction » (« max » ou « min ») qui "
                "dise ce qui est meilleur."
            )
        )
    return messages


def _placeholder_errors(body, names):
    """A message per placeholder of the body that is neither a declared parameter nor a cross-reference."""
    messages = []
    for name in placeholders(body):
        if reference_of(name) or name in names:
            continue
        if name.split(":", 1)[0].strip() in REFERENCE_KINDS:
            messages.append(
                _("« {{ %(name)s }} » : un renvoi s'écrit {{ ref:clé-de-clause }} ou {{ price:code-de-ligne }}.")
                % {"name": name}
            )
        else:
            messages.append(
                _("Le texte utilise « {{ %(name)s }} », qui n'est pas un paramètre déclaré.") % {"name": name}
            )
    return messages


def coerce_value(definition, value):
    """The value converted to the parameter's type (JSON-friendly), or ValueError(message)."""
    kind = definition.get("type", "text")
    if kind in ("integer", "decimal"):
        value, number = (_integer if kind == "integer" else _decimal)(value)
        _check_bounds(definition, number)
        return value
    coerce = {"text": _text, "boolean": _boolean, "date": _date, "choice": _choice}.get(kind)
    if coerce is None:
        raise ValueError(_("type inconnu."))
    return coerce(value, definition)


def _text(value, _definition):
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(_("texte attendu."))
    value = str(value)
    if len(value) > MAX_TEXT_VALUE:
        raise ValueError(_("texte trop long (%(max)s caractères au plus).") % {"max": MAX_TEXT_VALUE})
    return value


def _boolean(value, _definition):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "oui", "non", "1", "0", "on", "off"):
        return value.lower() in ("true", "oui", "1", "on")
    raise ValueError(_("oui/non (true/false) attendu."))


def _date(value, _definition):
    if not isinstance(value, str):
        raise ValueError(_("date attendue au format AAAA-MM-JJ."))
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise ValueError(_("date attendue au format AAAA-MM-JJ.")) from exc


def _choice(value, definition):
    choices = definition.get("choices") or []
    if value not in choices:
        raise ValueError(
            _("« %(value)s » n'est pas un choix possible (%(choices)s).")
            % {"value": value, "choices": ", ".join(map(str, choices))}
        )
    return value


def _integer(value):
    """(value as stored, value as a number) for an integer parameter."""
    if isinstance(value, bool):
        raise ValueError(_("nombre entier attendu."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(_("nombre entier attendu."))
    return value, value


def _decimal(value):
    """(value as stored, value as a Decimal) for a decimal parameter ("1,5" reads as 1.5)."""
    if isinstance(value, bool):
        raise ValueError(_("nombre attendu."))
    try:
        number = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation as exc:
        raise ValueError(_("nombre attendu.")) from exc
    if not number.is_finite():
        raise ValueError(_("nombre attendu."))
    return (int(number) if number == number.to_integral_value() else float(number)), number


def _check_bounds(definition, number):
    low, high = definition.get("min"), definition.get("max")
    if low is not None and number < Decimal(str(low)):
        raise ValueError(_("doit être au moins %(min)s.") % {"min": low})
    if high is not None and number > Decimal(str(high)):
        raise ValueError(_("doit être au plus %(max)s.") % {"max": high})


def resolve_values(definitions, *layers, require=True):
    """Merge value layers (most specific first) over defaults, checked against the types.

    Returns (values, errors): errors is {parameter name: [message]}. Unknown names in the
    first layer are errors; later layers (tender-wide values) may hold unrelated names.
    """
    values, errors = {}, {}
    declared = {d["name"]: normalize_definition(d) for d in definitions}
    if layers:
        for name in layers[0] or {}:
            if name not in declared:
                errors[name] = [_("paramètre inconnu pour cette clause.")]
    for name, definition in declared.items():
        raw = None
        for layer in layers:
            if layer and layer.get(name) not in (None, ""):
                raw = layer[name]
                break
        if raw is None:
            raw = definition["default"]
        if raw in (None, ""):
            if require and definition["required"]:
                errors[name] = [_("valeur obligatoire manquante.")]
            continue
        try:
            values[name] = coerce_value(definition, raw)
        except ValueError as exc:
            errors[name] = [str(exc)]
    return values, errors


def display_value(value, language="fr"):
    """How a parameter value reads in a sentence."""
    if isinstance(value, bool):
        if language == "en":
            return "yes" if value else "no"
        return "oui" if value else "non"
    if isinstance(value, (float, Decimal)):
        # 99,95 / 99.95; thousands grouped as the language groups them (1 500,5): organizations.formatting.
        return format_number(value, 6, trim=True, language=language)
    return str(value)


def display_values(definitions, values, language="fr"):
    """The values as a text shows them: a date parameter's ISO value in words ("26 mars 2029" /
    "26 March 2029", organizations.formatting), never `2029-03-26`; other values unchanged (the
    renderers' `display_value` writes numbers and booleans)."""
    kinds = {d.get("name"): d.get("type") for d in definitions or [] if isinstance(d, dict)}
    shown = {}
    for name, value in (values or {}).items():
        if kinds.get(name) == "date" and isinstance(value, str) and value:
            try:
                value = format_date_words(value, language=language)
            except ValueError:
                pass  # not a date after all: shown as typed
        shown[name] = value
    return shown

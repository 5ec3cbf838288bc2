"""The price basis of a tender: its duration, the amount the price criterion compares and the lines of
the price schedule (API.md, "The tender file as a contract (additions)"; docs/TENDERS.md, "Price basis
and price schedule").

Pure rules, no ORM: the buyer's own lines are checked with the library's rule for one line
(`clause_library.content.price_line_errors`), each message naming the line and the field; codes are
unique across the tender's lines and its clauses' lines; a line's number of periods over the duration
is 1 (once), duration / 12 (year) or the duration (month); `price_section` builds `doc["price"]`.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from clause_library.content import price_line_errors
from clause_library.text import first_forbidden_character

MAX_TENDER_PRICE_LINES = 100
LINE_FIELDS = ("code", "label", "unit", "quantity", "period")
# A line that passes every check: one field of it replaced by the submitted one tells which field a
# message of the shared rule is about.
_VALID_LINE = {"code": "x", "label": "x", "unit": "x", "quantity": 1, "period": "once"}
CENT = Decimal("0.01")


def field_errors(line):
    """{field: [message]} for one line (empty when valid); unknown keys under their own name."""
    if not isinstance(line, dict):
        return {"line": price_line_errors(line)}
    errors = {}
    for field in LINE_FIELDS:
        messages = price_line_errors({**_VALID_LINE, field: line.get(field)})
        if field in ("label", "unit") and isinstance(line.get(field), str):
            character = first_forbidden_character(line[field])
            if character is not None:
                messages.append(
                    _("caractère de contrôle interdit (U+%(code)04X) : retirez-le.") % {"code": ord(character)}
                )
        if messages:
            errors[field] = messages
    for key in sorted(set(line) - set(LINE_FIELDS)):
        errors[str(key)[:40]] = [_("champ inconnu « %(field)s ».") % {"field": str(key)[:40]}]
    return errors


def line_errors(lines, clause_lines=()):
    """Messages for the tender's own lines, each "Ligne de prix N (field) : …" (empty when valid).

    `clause_lines` are (clause title, line) pairs of the tender's clauses: a code they use is taken.
    """
    if not isinstance(lines, list):
        return [_("Une liste de lignes de prix {code, label, unit, quantity, period} est attendue.")]
    if len(lines) > MAX_TENDER_PRICE_LINES:
        return [_("%(max)s lignes de prix au plus.") % {"max": MAX_TENDER_PRICE_LINES}]
    taken = {}
    for title, line in clause_lines:
        if isinstance(line, dict) and isinstance(line.get("code"), str):
            taken.setdefault(line["code"], title)
    messages, seen = [], set()
    for number, line in enumerate(lines, start=1):
        found = field_errors(line)
        code = line.get("code") if isinstance(line, dict) else None
        if "code" not in found and isinstance(code, str):
            if code in seen:
                found["code"] = [_("le code « %(code)s » est déjà celui d'une autre ligne.") % {"code": code}]
            elif code in taken:
                found["code"] = [
                    _("le code « %(code)s » est déjà celui d'une ligne de la clause « %(title)s ».")
                    % {"code": code, "title": taken[code]}
                ]
            seen.add(code)
        for field, texts in found.items():
            for text in texts:
                messages.append(
                    _("Ligne de prix %(n)s (%(field)s) : %(message)s") % {"n": number, "field": field, "message": text}
                )
    return messages


def clause_code_conflicts(new_lines, tender_lines, clause_lines):
    """Codes of a clause's lines already used by the tender's lines or another clause's: [(code, where)]."""
    used = {line.get("code"): _("les lignes de l'acheteur") for line in tender_lines if isinstance(line, dict)}
    for title, line in clause_lines:
        if isinstance(line, dict):
            used.setdefault(line.get("code"), _("la clause « %(title)s »") % {"title": title})
    return [
        (line["code"], used[line["code"]]) for line in new_lines if isinstance(line, dict) and line.get("code") in used
    ]


def periods(period, duration_months):
    """How many times a line is paid over the contract: once 1, year duration/12, month duration (Decimal)."""
    duration = Decimal(int(duration_months))
    if period == "year":
        return duration / 12
    if period == "month":
        return duration
    return Decimal(1)


def plain_number(value):
    """A Decimal as JSON prints it: an int when whole, else a float (2.5 years, 1.5 units)."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def to_decimal(value):
    """A number (int, float, Decimal or numeric text with a decimal comma) as a Decimal; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(
            str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
        )
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def line_amount(quantity, unit_price, line_periods):
    """quantity × unit price × periods, rounded to the cent (half up, as the spreadsheet's ROUND)."""
    return (Decimal(str(quantity)) * Decimal(unit_price) * Decimal(line_periods)).quantize(CENT, ROUND_HALF_UP)


def default_basis(duration_months):
    return _(
        "Le prix comparé est le montant total hors taxes du bordereau des prix sur la durée du marché, "
        "soit %(months)s mois : somme, pour chaque ligne, de la quantité × le prix unitaire HT × le nombre "
        "de périodes sur la durée."
    ) % {"months": duration_months}


def price_section(*, duration_months, price_basis, buyer_lines, clause_lines):
    """`doc["price"]`: {"duration_months", "basis", "lines", "total_label"}.

    `clause_lines` are (article number, line) pairs in article order; the buyer's lines come first.
    Call it inside the document's language.
    """
    lines = []
    for article, line in [(None, line) for line in buyer_lines or []] + list(clause_lines):
        if not isinstance(line, dict):
            continue
        line_periods = periods(line.get("period"), duration_months)
        lines.append(
            {
                "number": len(lines) + 1,
                "code": line.get("code", ""),
                "label": line.get("label", ""),
                "unit": line.get("unit", ""),
                "quantity": line.get("quantity"),
                "period": line.get("period"),
                "periods": plain_number(line_periods),
                "article": article,
            }
        )
    return {
        "duration_months": duration_months,
        "basis": (price_basis or "").strip() or default_basis(duration_months),
        "lines": lines,
        "total_label": _("Montant total HT sur %(months)s mois") % {"months": duration_months},
    }

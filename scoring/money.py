"""Prices as people write them: "1 200 000", "1 200 000 €", "1 200 000,50 € HT" (pure, no database).

Accepted: digits grouped by three with spaces (ordinary, non-breaking U+00A0 or narrow U+202F),
or not grouped; one decimal separator, comma or point, followed by one or two digits; "€" or
"EUR" and "HT" before or after. Refused with a message saying why: anything ambiguous ("1,200",
"1.200" — thousands or decimals?; "1.200,50" mixes conventions), "TTC" (prices are compared
excluding tax), negative amounts and anything else.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
UNITS = re.compile(r"(€|\bEUR\b|\bHT\b|\bH\.T\.)", re.IGNORECASE)
GROUPED = re.compile(r"^\d{1,3}( \d{3})+([.,]\d{1,2})?$")
PLAIN = re.compile(r"^\d+([.,]\d{1,2})?$")
AMBIGUOUS = re.compile(r"^\d{1,3}([.,]\d{3})+$")


class MoneyError(ValueError):
    """The text is not a price we can read without guessing; the message says what to write."""


def parse_money(raw) -> Decimal:
    """The amount written in `raw` (a str, int or Decimal) as a Decimal; MoneyError when unreadable."""
    if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(str(raw))
    if not isinstance(raw, str):
        raise MoneyError(_("Saisissez un montant, par exemple 1 200 000,50 € HT."))
    text = SPACES.sub(" ", raw).strip()
    if not text:
        raise MoneyError(_("Le prix est obligatoire."))
    if re.search(r"\bTTC\b", text, re.IGNORECASE):
        raise MoneyError(_("Saisissez le prix hors taxes (HT), pas TTC."))
    text = SPACES.sub(" ", UNITS.sub(" ", text)).strip()
    if text.startswith("-"):
        raise MoneyError(_("Le prix doit être strictement positif."))
    if AMBIGUOUS.match(text):
        raise MoneyError(
            _(
                "Montant ambigu « %(raw)s » : séparez les milliers par des espaces (1 200) "
                "et les décimales par une virgule (1,20)."
            )
            % {"raw": raw.strip()}
        )
    if not (GROUPED.match(text) or PLAIN.match(text)):
        raise MoneyError(
            _("Montant illisible « %(raw)s » : écrivez par exemple 1 200 000 ou 1 200 000,50 € HT.")
            % {"raw": raw.strip()}
        )
    try:
        return Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:  # the patterns above make this unreachable; kept as the last guard
        raise MoneyError(_("Montant illisible « %(raw)s ».") % {"raw": raw.strip()})

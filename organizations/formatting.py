"""Numbers, money, percentages and dates as a reader of one language writes them.

One helper for every app (pages, API texts, documents), built on Django's locale data through
`django.utils.formats`: French `12 345,5` (thousands grouped with a narrow no-break space, see
config/formats/fr), English `12,345.5`. Each function follows the active language, or the one given
as `language=` (a document is written in its tender's language, whatever the reader's).
Pure functions: plain values in, text out; `None` gives "" so a template can show a dash itself.
Templates use them through the `formatting` filters (organizations/templatetags/formatting.py).
"""

import contextlib
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, timezone, translation
from django.utils.translation import pgettext

NO_BREAK_SPACE = "\u00a0"


def _in(language):
    return translation.override(language) if language else contextlib.nullcontext()


def is_french(language=None):
    """Whether `language` (or the active language) writes French: "fr", "fr-fr", "fr-ca"…

    For the typography that is not a number (a space before ":" and ";" in French)."""
    return ((language or translation.get_language() or "fr").split("-")[0]).lower() == "fr"


def _rounded(value, decimals, trim):
    """A Decimal rounded half up (as people and spreadsheets round, not as floats do); `trim` drops
    the zeros after the decimal point that add nothing ("92.50" → "92.5", "90.00" → "90")."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if trim:
        number = number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    return number


def _number(value, decimals, trim):
    number = _rounded(value, decimals, trim)
    places = max(0, -number.as_tuple().exponent)
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def format_number(value, decimals=2, *, trim=False, language=None):
    """`12345.678` → "12 345,68" (fr) / "12,345.68" (en); with `trim`, `92.50` → "92,5"."""
    if value is None:
        return ""
    with _in(language):
        return _number(value, decimals, trim)


def format_money(value, currency="€", tax=None, *, decimals=2, language=None):
    """`12345.5` → "12 345,50 € HT" (fr) / "€12,345.50 HT" (en, the tax words translated).

    `tax` is "HT" (before tax), "TTC" (tax included) or None (no mention)."""
    if value is None:
        return ""
    if tax not in (None, "HT", "TTC"):
        raise ValueError(f"tax must be 'HT', 'TTC' or None, got {tax!r}")
    with _in(language):
        amount = _number(value, decimals, trim=False)
        if is_french():
            text = f"{amount}{NO_BREAK_SPACE}{currency}"
        else:
            text = f"{currency}{NO_BREAK_SPACE if currency.isalpha() else ''}{amount}"
        if tax == "HT":
            text += NO_BREAK_SPACE + pgettext("montant", "HT")
        elif tax == "TTC":
            text += NO_BREAK_SPACE + pgettext("montant", "TTC")
        return text


def format_percent(value, decimals=2, *, trim=True, language=None):
    """`12.5` (a percentage, not a ratio) → "12,5 %" (fr, no-break space) / "12.5%" (en)."""
    if value is None:
        return ""
    with _in(language):
        number = _number(value, decimals, trim)
        return f"{number}{NO_BREAK_SPACE}%" if is_french() else f"{number}%"


def to_date(value):
    """The `datetime.date` of a date, a datetime (its day in the site's time zone) or an ISO string
    ("2029-03-26", "2029-03-26T10:00:00Z": its first ten characters); None for None or ""."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def format_date_words(value, *, language=None):
    """A date with its month in words: "26 mars 2029" (fr) / "26 March 2029" (en).

    Takes what `to_date` takes."""
    day = to_date(value)
    if day is None:
        return ""
    with _in(language):
        return formats.date_format(day, "j F Y")

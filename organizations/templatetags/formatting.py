"""Template filters over organizations.formatting, in the page's active language.

`{% load formatting %}`, then `{{ row.total|number:2 }}` ("92,50" / "92.50"), `{{ weight|number:"-2" }}`
("92,5" / "92.5": a negative count drops the zeros that add nothing, as the helper's `trim` does — not
floatformat's "92,50"), `{{ share|percent }}` ("12,5 %" / "12.5%"; `percent:2` keeps both decimals),
`{{ bid.price|money }}` ("1 200 000,50 €" / "€1,200,000.50"; a whole amount shows no cents: "125 000 €").
None or "" gives "", and so does a value that is not a number, as with floatformat.
"""

from decimal import Decimal, InvalidOperation

from django import template

from .. import formatting

register = template.Library()


def _places(arg):
    """(decimals, trim) from a filter argument: 2 → (2, False); "-2" → (2, True)."""
    count = int(arg)
    return abs(count), count < 0


def _shown(function, value, *args, **kwargs):
    if value in (None, ""):
        return ""
    try:
        return function(value, *args, **kwargs)
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def number(value, arg=-2):
    decimals, trim = _places(arg)
    return _shown(formatting.format_number, value, decimals, trim=trim)


@register.filter
def percent(value, arg=-2):
    decimals, trim = _places(arg)
    return _shown(formatting.format_percent, value, decimals, trim=trim)


def _money(value):
    amount = Decimal(str(value))
    # A price list reads "125 000 €" and "1 200 000,50 €": cents only when there are some.
    return formatting.format_money(amount, decimals=0 if amount == amount.to_integral_value() else 2)


@register.filter
def money(value):
    return _shown(_money, value)

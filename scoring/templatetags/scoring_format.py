"""Numbers on the evaluation pages, in the active language: "1 200 000,50 €" in French."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def money(value):
    """A price with thousands separators and two decimals (none when whole), then "€"."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value))
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)}\u00a0€"

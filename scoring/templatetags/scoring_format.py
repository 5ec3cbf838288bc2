"""Numbers on the evaluation pages, in the active language: "1 200 000,50 €" in French."""

import datetime
from decimal import Decimal

from django import template
from django.utils.formats import date_format, number_format

register = template.Library()


@register.filter
def money(value):
    """A price with thousands separators and two decimals (none when whole), then "€"."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value))
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)}\u00a0€"


@register.filter
def iso_date(value):
    """An ISO date kept in JSON ("2027-06-30", the roadmap's) as the active language writes dates."""
    try:
        return date_format(datetime.date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return value

"""Dates kept as ISO text on the evaluation pages, in the active language (numbers, percentages and money:
the `formatting` filters of organizations)."""

import datetime

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def iso_date(value):
    """An ISO date kept in JSON ("2027-06-30", the roadmap's) as the active language writes dates."""
    try:
        return date_format(datetime.date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return value

"""Scoring's check before a tender is published (registered in tenders/hooks.py by ScoringConfig.ready())."""

from . import services
from .models import Criterion


def criteria_publish_check(tender):
    """A tender without a grid may be published (an annex alone); a grid must add up (400 otherwise)."""
    if Criterion.objects.filter(tender_id=tender.pk).exists():
        services.criteria_check(tender)

"""Scoring's check and panel before a tender is published (registered in tenders/hooks.py by ScoringConfig.ready())."""

from . import market, services
from .models import Criterion


def criteria_publish_check(tender):
    """A tender without a grid may be published (an annex alone); a grid must add up (400 otherwise)."""
    if Criterion.objects.filter(tender_id=tender.pk).exists():
        services.criteria_check(tender)


MARKET_CHECK_TEMPLATE = "scoring/_market_check_panel.html"


def market_check_panel(request, tender):
    """The publish page's market check: every eliminatory requirement with the organisation's earlier
    judged bids, and the ones to look at (nobody asked, or under half met it). Drafts only."""
    if not tender.is_draft:
        return {}
    rows = [
        {**row, "share_percent": None if row["compliant_share"] is None else row["compliant_share"] * 100}
        for row in market.market_check(tender)
    ]
    return {"market_check": {"rows": rows, "warnings": market.warnings(rows)}}

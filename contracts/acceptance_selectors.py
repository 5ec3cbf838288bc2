"""Reads of the acceptance plan, each in a fixed number of queries whatever the number of rows."""

from django.db.models import Subquery

from . import acceptance
from .models import AcceptanceEvent, AcceptancePlan, AcceptanceProbe, AcceptanceResult, AcceptanceRow


def plan_of(contract):
    """The contract's plan with its decision's author (one query), or None before it is made."""
    return AcceptancePlan.objects.select_related("decided_by").filter(contract=contract).first()


def plan_rows(plan, *, result=None):
    """The plan's rows in the annex's order with who last recorded each (one query)."""
    rows = AcceptanceRow.objects.filter(plan=plan).select_related("updated_by").order_by("position", "id")
    if result:
        rows = rows.filter(result=result)
    return rows


def latest_probe(contract):
    return AcceptanceProbe.objects.filter(contract=contract).order_by("-created_at", "-id").first()


def events_of(contract):
    """The plan's audit trail, newest first, with who (one query per page)."""
    return AcceptanceEvent.objects.filter(plan__contract=contract).select_related("user").order_by("-at", "-id")


def summary(rows) -> dict:
    """{"counts": {result: n}, "proposed_decision"} of rows already read (no query)."""
    results = [row.result for row in rows]
    counts = {value: results.count(value) for value in AcceptanceResult.values}
    return {"counts": counts, "total": len(results), "proposed_decision": acceptance.proposed_decision(results)}


def acceptance_version(tender_id):
    """The id of the latest acceptance event of the tender's contracts (a subquery): the acceptance record is stale
    once it moved on (documents/registry.py `set_source_version`)."""
    return Subquery(
        AcceptanceEvent.objects.filter(plan__contract__tender_id=tender_id).order_by("-id").values("id")[:1]
    )

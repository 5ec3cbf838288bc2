"""Reads of the conformance probe: the tender's checks, the latest report and its results."""

import json

from django.utils.translation import gettext as _

from .models import ProbeReport


def tender_checks(tender):
    """[(tender_clause_id, check)] for every check of every clause of the tender, in the tender's order."""
    from tenders.models import TenderClause

    clauses = TenderClause.objects.filter(tender=tender).select_related("version").order_by("position", "id")
    return [
        (clause.pk, check)
        for clause in clauses
        for check in (clause.version.checks or [])
        if isinstance(check, dict)
    ]


def latest_report(bid):
    return ProbeReport.objects.filter(bid=bid).order_by("-created_at", "-id").first()


def _pending(message):
    return {"outcome": "unknown", "evidence": {"path": "$", "excerpt": None, "message": message}}


def report_results(report, clause_checks):
    """The report's results for the tender's current checks: each check once, in the tender's order.

    A report keeps the results of the checks that existed when it ran; a check added since (on a
    draft tender) shows as unknown until the probe runs again; a queued report shows every check
    as unknown.
    """
    stored = {}
    for result in report.results or []:
        stored.setdefault((result.get("tender_clause"), _key(result.get("check"))), result)
    if report.is_finished:
        missing = _pending(_("Vérification ajoutée après ce sondage ; relancez-le."))
    else:
        missing = _pending(_("Sondage en attente."))
    results = []
    for tender_clause_id, check in clause_checks:
        found = stored.get((tender_clause_id, _key(check))) or missing
        results.append({
            "tender_clause": tender_clause_id, "check": check,
            "outcome": found["outcome"], "evidence": found["evidence"],
        })
    return results


def _key(check):
    return json.dumps(check, sort_keys=True, ensure_ascii=False)


def report_payload(report, tender):
    """The report in API.md's shape."""
    return {
        "status": report.status,
        "fetched_at": report.fetched_at,
        "source": report.source,
        "documents": report.documents,
        "results": report_results(report, tender_checks(tender)),
    }


def latest_results_by_criterion(bid):
    """{tender_clause_id: [{"check", "outcome", "evidence"}]} of the bid's latest report ({} if none).

    For the scoring grid: a criterion's `tender_clause_id` picks the outcomes to show beside the answer.
    Two queries (the report, the tender's clauses).
    """
    report = latest_report(bid)
    if report is None:
        return {}
    grouped = {}
    for result in report_results(report, tender_checks(bid.tender)):
        grouped.setdefault(result["tender_clause"], []).append(
            {"check": result["check"], "outcome": result["outcome"], "evidence": result["evidence"]}
        )
    return grouped

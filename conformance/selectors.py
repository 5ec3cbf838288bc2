"""Reads of the conformance probe: the tender's checks, the latest report and its results."""

import json

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from scoring.models import Bid
from tenders.models import TenderClause

from .checks import error_text, localize, render
from .models import ProbeReport
from .validate import localize_documents


def _tender_clauses(tender):
    return list(TenderClause.objects.filter(tender=tender).select_related("version").order_by("position", "id"))


def _checks_of(clauses):
    return [
        (clause.pk, check) for clause in clauses for check in (clause.version.checks or []) if isinstance(check, dict)
    ]


def tender_checks(tender):
    """[(tender_clause_id, check)] for every check of every clause of the tender, in the tender's order."""
    return _checks_of(_tender_clauses(tender))


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
        # Messages are rendered now, in the reader's language (checks.localize), with the basis of the outcome.
        found = localize(stored.get((tender_clause_id, _key(check))) or missing)
        results.append(
            {
                "tender_clause": tender_clause_id,
                "check": check,
                "outcome": found["outcome"],
                "basis": found["basis"],
                "evidence": found["evidence"],
            }
        )
    # A live report's results gain the live checks (API.md "Live probe"), after the static ones.
    results += [localize_live(result) for result in report.results or [] if is_live(result)]
    return results


def is_live(result):
    check = result.get("check") if isinstance(result, dict) else None
    return isinstance(check, dict) and str(check.get("type", "")).startswith("live_")


def localize_live(result):
    """A stored live result with its note rendered in the reader's language (evidence.note, and evidence.message
    for the pages that show messages)."""
    code = result.get("message_code")
    evidence = dict(result.get("evidence") or {})
    if isinstance(code, dict) and isinstance(code.get("id"), str):
        evidence["note"] = render(code["id"], code.get("params"))
    evidence["message"] = evidence.get("note", "")
    return {
        "tender_clause": result.get("tender_clause"),
        "check": result["check"],
        "outcome": result.get("outcome"),
        "basis": result.get("basis") or "observed",
        "evidence": evidence,
    }


def _key(check):
    return json.dumps(check, sort_keys=True, ensure_ascii=False)


def report_payload(report, tender):
    """The report in API.md's shape."""
    return {
        "status": report.status,
        "fetched_at": report.fetched_at,
        "source": report.source,
        "documents": localize_documents(report.documents),
        "results": report_results(report, tender_checks(tender)),
    }


def latest_results_for_tender(tender):
    """{bid_id: {tender_clause_id: [{"check", "outcome", "evidence"}]}} for every bid of the tender that was probed.

    For a grid of all bids: three queries whatever the number of bids (latest report ids, the reports, the
    tender's clauses).
    """
    latest = ProbeReport.objects.filter(bid=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1]
    ids = [
        pk
        for pk in Bid.objects.filter(tender=tender).annotate(latest=Subquery(latest)).values_list("latest", flat=True)
        if pk
    ]
    if not ids:
        return {}
    reports = ProbeReport.objects.filter(pk__in=ids)
    clause_checks = tender_checks(tender)
    by_bid = {}
    for report in reports:
        grouped = by_bid.setdefault(report.bid_id, {})
        for result in report_results(report, clause_checks):
            grouped.setdefault(result["tender_clause"], []).append(
                {
                    "check": result["check"],
                    "outcome": result["outcome"],
                    "basis": result["basis"],
                    "evidence": result["evidence"],
                }
            )
    return by_bid


def report_sections(report, tender):
    """The report for a page: the payload plus its results grouped by clause, with the clause titles.

    {"status", "fetched_at", "source", "base_url", "error", "documents", "sections": [{"tender_clause",
    "title", "results": [...]}], "counts": {"pass", "fail", "unknown"}}. Two queries (none for the report).
    """
    clauses = _tender_clauses(tender)
    results = report_results(report, _checks_of(clauses))
    sections, by_clause = [], {}
    for clause in clauses:
        by_clause[clause.pk] = {"tender_clause": clause.pk, "title": clause.version.title, "results": []}
    for result in results:
        by_clause[result["tender_clause"]]["results"].append(result)
    sections = [section for section in by_clause.values() if section["results"]]
    counts = {outcome: sum(r["outcome"] == outcome for r in results) for outcome in ("pass", "fail", "unknown")}
    return {
        "status": report.status,
        "status_label": report.get_status_display(),
        "fetched_at": report.fetched_at,
        "source": report.source,
        "source_label": report.get_source_display(),
        "mode_label": report.get_mode_display() if report.mode == ProbeReport.Mode.LIVE else "",
        "base_url": report.base_url,
        "error": error_text(report.error),
        "documents": localize_documents(report.documents),
        "sections": sections,
        "counts": counts,
    }

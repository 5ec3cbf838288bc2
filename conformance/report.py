"""The conformance probe's part of the evaluation report (its `probes` section).

Registered into scoring's extension point (scoring/extensions.py) in ConformanceConfig.ready():
scoring never imports conformance.
"""

import json

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from scoring.models import Bid
from tenders.models import TenderClause

from . import selectors
from .checks import describe, error_text
from .models import ProbeReport
from .templatetags.conformance_tags import DOCUMENT_LABELS
from .validate import localize_documents

MAX_PROBE_EXCERPT = 300


def report_section(tender, bids) -> dict:
    """The report's `probes` section (scoring/reports.py writes it in every format)."""
    return {"probes": probe_entries(tender, bids)}


def probe_entries(tender, bids) -> list[dict]:
    """Each bid's latest conformance probe, in the report's bid order, as plain data.

    Source, when the documents were read, each document's validity and SHA-256, the pass / fail /
    unknown counts and the failed checks with the clause they belong to and their evidence.
    Four queries whatever the number of bids.
    """
    reports = _latest_reports(tender)
    clause_checks = selectors.tender_checks(tender) if reports else []
    titles = dict(TenderClause.objects.filter(tender=tender).values_list("pk", "version__title")) if reports else {}
    entries = []
    for bid in bids:
        report = reports.get(bid["id"])
        if report is None:
            entries.append({"bid": bid["id"], "vendor": bid["vendor"], "probed": False})
            continue
        results = selectors.report_results(report, clause_checks)
        entries.append(
            {"bid": bid["id"], "vendor": bid["vendor"], "probed": True, **_probe_facts(report, results, titles)}
        )
    return entries


def _latest_reports(tender) -> dict:
    """{bid id: its latest probe report} (two queries; none without any bid probed)."""
    latest = ProbeReport.objects.filter(bid=OuterRef("pk")).order_by("-created_at", "-id").values("pk")[:1]
    ids = [
        pk
        for pk in Bid.objects.filter(tender=tender).annotate(latest=Subquery(latest)).values_list("latest", flat=True)
        if pk
    ]
    return {report.bid_id: report for report in ProbeReport.objects.filter(pk__in=ids)} if ids else {}


def _probe_facts(report, results, titles) -> dict:
    return {
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "source": report.source,
        "source_label": str(report.get_source_display()),
        "base_url": report.base_url,
        "fetched_at": timezone.localtime(report.fetched_at).strftime("%Y-%m-%d %H:%M") if report.fetched_at else None,
        "error": error_text(report.error),
        "documents": [_document(document) for document in localize_documents(report.documents)],
        "counts": {outcome: sum(r["outcome"] == outcome for r in results) for outcome in ("pass", "fail", "unknown")},
        "failed": [_failed_check(result, titles) for result in results if result["outcome"] == "fail"],
    }


def _document(document) -> dict:
    return {
        "kind": document.get("kind"),
        "label": str(DOCUMENT_LABELS.get(document.get("kind"), document.get("kind"))),
        "valid": bool(document.get("valid")),
        "sha256": document.get("sha256") or "",
        "errors": [str(error) for error in document.get("errors") or []],
    }


def _failed_check(result, titles) -> dict:
    evidence = result["evidence"] or {}
    return {
        "clause": titles.get(result["tender_clause"], ""),
        "check": describe(result["check"]),
        "message": evidence.get("message") or "",
        "path": evidence.get("path") or "",
        # A live check has no excerpt: its counts stand in (never patient content).
        "excerpt": _excerpt(evidence.get("excerpt", evidence.get("counts"))),
    }


def _excerpt(value) -> str:
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_PROBE_EXCERPT else text[: MAX_PROBE_EXCERPT - 1] + "…"

"""The conformance probe on scoring's pages: the bid page's probe panel and actions, the grid's outcomes.

Registered into scoring's extension points (scoring/extensions.py) in ConformanceConfig.ready():
scoring never imports conformance.
"""

from django.contrib import messages
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError

from . import selectors, services
from .models import MAX_DOCUMENT_BYTES


def bid_panel(request, tender, bid) -> dict:
    """The bid page's probe section: the latest report and its sections by clause."""
    report = selectors.latest_report(bid)
    return {
        "report": report,
        "probe": selectors.report_sections(report, tender) if report else None,
        "max_document_kib": MAX_DOCUMENT_BYTES // 1024,
    }


def probe_action(request, bid):
    """POST action=probe: read the documents from the bid's FHIR base URL, in the background."""
    services.probe_request(user=request.user, bid=bid)
    messages.success(request, _("Vérification demandée : elle s'exécute en arrière-plan."))


def upload_action(request, bid):
    """POST action=upload: probe the uploaded CapabilityStatement and/or SMART configuration."""
    files = {kind: request.FILES.get(kind) for kind in services.KINDS}
    files = {kind: upload for kind, upload in files.items() if upload is not None}
    if not files:
        raise ApplicationError({"detail": [_("Choisissez au moins un document à téléverser.")]})
    for upload in files.values():
        if upload.size > MAX_DOCUMENT_BYTES:
            raise ApplicationError(
                {"detail": [_("Fichier trop volumineux (%(max)s octets au plus).") % {"max": MAX_DOCUMENT_BYTES}]}
            )
    services.probe_request(user=request.user, bid=bid, files=files)
    messages.success(request, _("Documents reçus : la vérification s'exécute en arrière-plan."))


def live_action(request, bid):
    """POST action=probe_live: the live probe of the bid's sandbox, in the background."""
    services.probe_request(user=request.user, bid=bid, mode="live")
    messages.success(request, _("Sondage en direct demandé : il s'exécute en arrière-plan."))


def cancel_action(request, bid):
    """POST action=probe_cancel: stop the running probe before its next request."""
    services.probe_cancel(user=request.user, bid=bid)
    messages.success(request, _("Annulation demandée."))


def annotate_grid(tender, rows):
    """Each cell of a criterion drawn from a clause gets that bid's latest probe outcomes for the clause.

    One query when no bid of the tender was probed, three otherwise, whatever the number of bids.
    """
    by_bid = selectors.latest_results_for_tender(tender)
    for row in rows:
        clause_id = row["criterion"].tender_clause_id
        for cell in row["cells"]:
            cell["probe"] = (by_bid.get(cell["bid"].pk) or {}).get(clause_id, []) if clause_id else []

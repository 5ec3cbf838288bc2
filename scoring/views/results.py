"""Results: the ranking with its chart, the provisional/blocking state, abnormally low offers, and the
evaluation report and rejection letters (made by the workers, their progress shown here)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from documents import selectors as document_selectors
from organizations.errors import ApplicationError
from tenders import services as tender_services

from .. import access, forms, rules, selectors, services
from ..report.chart import chart_svg
from .common import base_context, flash, form_invalid, lot_of, tender_of, url

REPORT_KINDS = ("evaluation_report", "rejection_letters", "award_notice")


@login_required
@require_GET
def results_page(request, pk):
    return results_response(request, tender_of(request, pk))


def results_response(request, tender, *, status=200, **extra):
    """The results page (also rendered, with the form's errors, when a low-offer form was garbage, or with
    what was typed in the award failure form when it was refused: `extra`)."""
    access.require_results_reader(request.user, tender)
    context = base_context(request, tender, "results")
    context["lots"], context["lot"] = lot_of(request, tender)
    try:
        full = selectors.tender_outcome(tender, context["lot"])
    except rules.CriteriaError as error:
        context["problems"] = error.messages
        return render(request, "scoring/results.html", context, status=400)
    except rules.PriceError as error:
        context["problems"] = [str(error)]
        return render(request, "scoring/results.html", context, status=400)
    outcome = full.results
    names = selectors.criterion_names(tender)
    rows = [
        {
            "result": r,
            "eliminated_by": [names[c] for c in r.eliminated_by],
            "technical": rules.as_number(r.technical_points),
            "price": rules.as_number(r.price_points),
            "total": rules.as_number(r.total),
            "low_offer": full.low_offers.get(r.bid),
        }
        for r in outcome
    ]
    chart_data = {  # no "language": the chart's numbers follow the page's, as its words do
        "bids": [
            {
                "vendor": r.vendor,
                "technical_points": rules.as_number(r.technical_points) or 0.0,
                "price_points": rules.as_number(r.price_points) or 0.0,
                "eligible": r.eligible,
            }
            for r in outcome
        ],
    }
    context.update(
        {
            "rows": rows,
            "chart": mark_safe(chart_svg(chart_data)),  # built from escaped values only
            "documents": document_selectors.tender_documents(request.user, tender, kinds=REPORT_KINDS)[:10],
            "report_buttons": [("pdf", "PDF"), ("docx", "DOCX"), ("xlsx", "XLSX")],
            "provisional": full.provisional,
            "blocking": full.blocking,
            "awardee": next((r for r in outcome if r.bid == full.awardee), None),
            "tie": full.tie,
            "low_offer_pending": any(item["code"] == "low_offer_pending" for item in full.blocking),
            "low_offer_threshold": full.threshold,
            "low_offers": [row for row in rows if row["low_offer"]],
        }
    )
    award = services.award_of(tender, context["lot"])
    context.update(_award_context(tender, full, award, context["lot"]))
    context.update(
        {
            "award": award,
            "award_refusal": services.award_letters_refusal(tender, award) if full.awardee else None,
            "standstill_until": services.standstill_until(
                award.letters_sent_on, award.letters_electronic, bids_count=len(outcome)
            )
            if award
            else None,
            "today": timezone.localdate(),
            "notice_buttons": [("pdf", "PDF"), ("docx", "DOCX")],
        }
    )
    context.update(extra)
    return render(request, "scoring/results.html", context, status=status)


def _award_context(tender, full, award, lot=None) -> dict:
    """The bid the award goes to (the first ranked, or the next after awardees that did not provide their
    certificates, R2144-7), those failures, and the bid the award would pass to if the awardee fails now."""
    failures = list(services.award_failures_of(tender, lot))
    failed = {failure.bid_id for failure in failures}
    failed |= services.passed_over_bids(tender, lot)  # bidders at the limit of lots pass (docs/LOTS.md)
    retained = services.retained_bid(full, failed)
    following = None
    if award is not None and not award.certificates_done and not award.letters_sent_on and not full.provisional:
        following = services.retained_bid(full, failed | {award.bid_id})
    by_id = {r.bid: r for r in full.results}
    return {
        "retained": by_id.get(retained),
        "award_failures": failures,
        "failure_next": by_id.get(following),
    }


@login_required
@require_POST
def report_request(request, pk):
    """Without JavaScript: queue the evaluation report and come back to the results, where its progress shows."""
    tender = tender_of(request, pk, lead=True)
    try:
        tender_services.document_request(
            user=request.user,
            tender=tender,
            kind=request.POST.get("kind") if request.POST.get("kind") in REPORT_KINDS else "evaluation_report",
            format=request.POST.get("format", ""),
        )
    except tender_services.BrokerUnavailable:
        messages.error(
            request, _("Le service de génération est momentanément injoignable. Réessayez dans quelques minutes.")
        )
    except ApplicationError as error:
        flash(request, error)
    else:
        messages.info(request, _("Rapport en préparation."))
    return redirect(url("results", tender, "documents"))


LOW_OFFER_FORMS = {
    "threshold": lambda post, tender: forms.LowOfferThresholdForm(post),
    "request": lambda post, tender: forms.LowOfferRequestForm(post, tender=tender),
    "decision": lambda post, tender: forms.LowOfferDecisionForm(post, tender=tender),
}


@login_required
@require_POST
def low_offer_action(request, pk, action):
    """The lead's request for justification, decision (kept / rejected with a reason) or new threshold."""
    tender = tender_of(request, pk, lead=True)
    form = LOW_OFFER_FORMS[action](request.POST, tender)
    if not form.is_valid():
        form_invalid(request, form)
        return results_response(request, tender)
    data = form.cleaned_data
    try:
        if action == "threshold":
            services.low_offer_threshold_set(user=request.user, tender=tender, threshold=data["threshold"])
            messages.success(request, _("Seuil des offres anormalement basses enregistré."))
        elif action == "request":
            services.low_offer_request(
                user=request.user,
                bid=data["bid"],
                note=data["note"],
                sent_on=data["sent_on"],
                deadline=data["deadline"],
            )
            messages.success(
                request, _("Demande de justification enregistrée pour %(vendor)s.") % {"vendor": data["bid"].vendor}
            )
        else:
            services.low_offer_decide(
                user=request.user,
                bid=data["bid"],
                decision=data["decision"],
                reason=data["reason"],
                received_on=data["received_on"],
            )
            messages.success(request, _("Décision enregistrée pour %(vendor)s.") % {"vendor": data["bid"].vendor})
    except ApplicationError as error:
        flash(request, error)
    return redirect(url("results", tender, "low-offers"))

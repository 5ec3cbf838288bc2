"""Bids: the list (with a new bid and the answer-form import) and one bid's page (answers with committed
values, the lead's eliminatory decisions, the FHIR base URL and the conformance probe)."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from organizations.errors import ApplicationError

from .. import access, extensions, forms, imports, questionnaire, selectors, services
from ..models import EliminatoryDecision, ImportJob
from .common import base_context, flash, form_invalid, lot_of, tender_of, url


def _bids_page(request, tender, *, bid_form=None, status=200, running_import=None):
    context = base_context(request, tender, "bids")
    context["running_import"] = running_import
    context["lots"], context["lot"] = lot_of(request, tender)
    bids = selectors.bids_of(tender)
    context["bids"] = list(bids.filter(lot=context["lot"]) if context["lot"] else bids)
    context["sees_prices"] = access.sees_prices(request.user, tender)
    context["bid_form"] = bid_form or forms.BidForm()
    # The import's bid selector keeps the bid chosen: after an import (?bid=) and when the form comes back refused.
    context["selected_bid"] = request.POST.get("bid") or request.GET.get("bid") or ""
    return render(request, "scoring/bids.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bids(request, pk):
    tender = tender_of(request, pk, reader=True)
    if request.method == "GET":
        job = _running_import(request, tender)
        if job is not None and job.is_finished:
            _import_messages(request, job, job.bid)
            return redirect(f"{url('bids', tender)}?bid={job.bid_id}")
        return _bids_page(request, tender, running_import=job)
    tender = tender_of(request, pk, lead=True)
    if request.POST.get("action") == "import":
        return _import(request, tender)
    form = forms.BidForm(request.POST)
    if not form.is_valid():
        # What was typed stays in the form (vendor name and price), with the reason beside it.
        form_invalid(request, form)
        return _bids_page(request, tender, bid_form=form)
    _lots, lot = lot_of(request, tender)
    try:
        services.bid_create(
            user=request.user,
            tender=tender,
            vendor=form.cleaned_data["vendor"].strip(),
            price=form.cleaned_data["price"],
            lot_id=lot.pk if lot else None,
        )
    except ApplicationError as error:
        flash(request, error)
        return _bids_page(request, tender, bid_form=form)
    messages.success(request, _("Offre enregistrée."))
    return redirect(url("bids", tender) + (f"?lot={lot.pk}" if lot else ""))


def _import(request, tender):
    """A vendor's filled-in answer form (XLSX) imported into its bid by the worker; every problem named by
    sheet, row, column. The page waits for the job as the API does; a longer job shows its progress."""
    max_bytes = questionnaire.questionnaire_max_bytes()
    form = forms.QuestionnaireImportForm(request.POST, request.FILES, tender=tender, max_bytes=max_bytes)
    if not form.is_valid():
        form_invalid(request, form)
        return _bids_page(request, tender)
    bid = form.cleaned_data["bid"]
    # The selector keeps the bid chosen (the next import is often the same bid's corrected file).
    back = f"{url('bids', tender)}?bid={bid.pk}"
    try:
        job = imports.import_start(
            user=request.user,
            bid=bid,
            kind=ImportJob.Kind.ANSWER_FORM,
            data=form.cleaned_data["file"].read(max_bytes + 1),
            replace=request.POST.get("confirm") == "replace",
        )
    except ApplicationError as error:
        flash(request, error)
        return redirect(back)
    job = imports.import_wait(job)
    if not job.is_finished:
        return redirect(f"{back}&import={job.pk}#import-progress")
    _import_messages(request, job, bid)
    return redirect(back)


def _import_messages(request, job, bid) -> bool:
    """The outcome of a finished import as the page's messages; True when it succeeded."""
    if job.status == ImportJob.Status.FAILED:
        messages.error(request, job.error)
        return False
    if job.status_code != 200:
        flash(request, ApplicationError(job.body, status=job.status_code))
        return False
    outcome = job.body
    if job.kind == ImportJob.Kind.PRICE_SCHEDULE:
        messages.success(
            request,
            _("Bordereau des prix importé : %(count)d lignes, prix de l'offre %(price)s € HT.")
            % {"count": len(outcome["lines"]), "price": number_format(Decimal(outcome["price"]), 2, use_l10n=True)},
        )
    else:
        messages.success(
            request,
            _("%(count)d réponses importées pour %(vendor)s.") % {"count": outcome["imported"], "vendor": bid.vendor},
        )
    return True


def _running_import(request, tender):
    """The import named by `?import=` when it is one of this tender's and the person leads it; else None."""
    job_id = request.GET.get("import", "")
    if not job_id.isdigit() or not access.is_lead(request.user, tender):
        return None
    return ImportJob.objects.defer("data").select_related("bid").filter(pk=job_id, bid__tender=tender).first()


def _bid_page(request, tender, bid, *, decision_form=None, status=200, running_import=None):
    sees_prices = access.sees_prices(request.user, tender)
    rows = selectors.bid_answer_rows(tender, bid, sealed_price=not sees_prices)
    context = base_context(request, tender, "bids")
    context.update(
        {
            "bid": bid,
            "sees_prices": sees_prices,
            "answer_rows": rows,
            "eliminatory_rows": [r for r in rows if r["criterion"].kind == "eliminatory"],
            "decision_choices": EliminatoryDecision.Decision.choices,
            "qualification_choices": EliminatoryDecision.Qualification.choices,
            "decision_form": decision_form,
            "running_import": running_import,
        }
    )
    context.update(extensions.bid_panels(request, tender, bid))  # the probe section (conformance)
    return render(request, "scoring/bid_detail.html", context, status=status)


def _bid_url(tender, bid, anchor):
    return reverse("scoring:bid_detail", args=[tender.pk, bid.pk]) + f"#{anchor}"


@login_required
@require_http_methods(["GET", "POST"])
def bid_detail(request, pk, bid_pk):
    """A bid's page: readers see everything; only the lead posts."""
    tender = tender_of(request, pk, reader=True)
    bid = selectors.bid_of(tender, bid_pk)
    if bid is None:
        raise Http404
    if request.method == "GET":
        job = _running_import(request, tender)
        if job is not None and job.bid_id != bid.pk:
            job = None
        if job is not None and job.is_finished:
            _import_messages(request, job, bid)
            return redirect(_bid_url(tender, bid, "price"))
        return _bid_page(request, tender, bid, running_import=job)
    tender_of(request, pk, lead=True)
    if request.POST.get("action") == "eliminatory":
        return _eliminatory_decision(request, tender, bid)
    if request.POST.get("action") == "price_schedule":
        return _price_schedule(request, tender, bid)
    if request.POST.get("action") == "accept_declared":
        return _accept_declared(request, tender, bid)
    try:
        _bid_post(request, bid)
    except ApplicationError as error:
        flash(request, error)
    return redirect(_bid_url(tender, bid, "probe"))


def _price_schedule(request, tender, bid):
    """The vendor's filled price schedule: the bid's price becomes its total (scoring/price_schedule.py),
    imported by the worker; the page waits for it as the API does, a longer job shows its progress."""
    max_bytes = questionnaire.questionnaire_max_bytes()
    form = forms.PriceScheduleImportForm(request.POST, request.FILES, max_bytes=max_bytes)
    if not form.is_valid():
        form_invalid(request, form)
        return _bid_page(request, tender, bid, status=400)
    try:
        job = imports.import_start(
            user=request.user,
            bid=bid,
            kind=ImportJob.Kind.PRICE_SCHEDULE,
            data=form.cleaned_data["file"].read(max_bytes + 1),
        )
    except ApplicationError as error:
        flash(request, error)
        return _bid_page(request, tender, bid, status=error.status)
    job = imports.import_wait(job)
    if not job.is_finished:
        return redirect(reverse("scoring:bid_detail", args=[tender.pk, bid.pk]) + f"?import={job.pk}#import-progress")
    if not _import_messages(request, job, bid):
        bid.refresh_from_db()
        return _bid_page(request, tender, bid, status=job.status_code or 500)
    return redirect(_bid_url(tender, bid, "price"))


def _eliminatory_decision(request, tender, bid):
    form = forms.EliminatoryDecisionForm(request.POST, tender=tender)
    if not form.is_valid():
        form_invalid(request, form)
        return _bid_page(request, tender, bid, decision_form=form)
    data = dict(form.cleaned_data)
    try:
        services.eliminatory_decide(
            user=request.user,
            bid=bid,
            criterion=data.pop("criterion"),
            decision=data.pop("decision"),
            qualification=data.pop("qualification") or None,
            reason=data.pop("reason"),
            **{k: (v if v not in ("",) else None) for k, v in data.items()},
        )
    except ApplicationError as error:
        flash(request, error)
        return _bid_page(request, tender, bid, decision_form=form)
    messages.success(request, _("Décision enregistrée."))
    return redirect(_bid_url(tender, bid, "eliminatory"))


def _accept_declared(request, tender, bid):
    """One click: every undecided requirement the vendor declared met is marked compliant."""
    try:
        made = services.eliminatory_accept_declared(user=request.user, bid=bid)
    except ApplicationError as error:
        flash(request, error)
    else:
        messages.success(
            request,
            _("Exigences déclarées satisfaites acceptées : %(count)s.") % {"count": len(made)},
        )
    return redirect(_bid_url(tender, bid, "eliminatory"))


def _bid_post(request, bid):
    action = request.POST.get("action")
    if action == "fhir_base_url":
        form = forms.FhirBaseUrlForm(request.POST)
        if not form.is_valid():
            raise ApplicationError({"fhir_base_url": [str(m) for m in form.errors["fhir_base_url"]]})
        services.bid_update(user=request.user, bid=bid, changes={"fhir_base_url": form.cleaned_data["fhir_base_url"]})
        messages.success(request, _("URL de base FHIR enregistrée."))
    elif extensions.bid_action(action) is not None:  # the probe's actions (conformance)
        extensions.bid_action(action)(request, bid)
    else:
        raise ApplicationError({"detail": [_("Action inconnue.")]})

"""The lots page of a tender (docs/LOTS.md): why it is not divided or its lots, and which clauses apply to which
lot. One URL per POST action; a refused post shows the page again with what was typed and a 400."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from organizations.errors import ApplicationError, ConflictError

from . import lots as lot_services
from . import selectors, services
from .forms import AllotmentForm, LotForm
from .models import Lot
from .views import _editable, _tender


def _page(request, tender, *, allotment=None, new_lot=None, edited=None, status=200):
    lots = list(tender.lots.all())
    clauses = list(selectors.tender_clauses(tender).prefetch_related("lots"))
    numbers = selectors.article_numbers(tender, clauses)
    rows = [
        {
            "clause": tc,
            "number": numbers.get(tc.pk, ""),
            "lots": {lot.pk for lot in tc.lots.all()},
        }
        for tc in clauses
    ]
    edit_forms = [
        edited if edited is not None and edited.instance.pk == lot.pk else LotForm(instance=lot, prefix=f"lot-{lot.pk}")
        for lot in lots
    ]
    context = {
        "tender": tender,
        "nav": "tenders",
        "lots": list(zip(lots, edit_forms, strict=True)),
        "lot_list": lots,
        "rows": rows,
        "allotment_form": allotment or AllotmentForm(instance=tender, prefix="allotment"),
        "new_lot_form": new_lot or LotForm(prefix="new"),
        "editable": tender.is_draft,
    }
    return render(request, "tenders/tender_lots.html", context, status=status)


def _lots_url(tender, anchor=""):
    url = reverse("tenders:tender_lots", args=[tender.pk])
    return f"{url}#{anchor}" if anchor else url


def _add_errors(form, error: ApplicationError):
    for field, problems in error.errors.items():
        form.add_error(field if field in form.fields else None, problems)


@login_required
@require_http_methods(["GET"])
def tender_lots(request, pk):
    return _page(request, _tender(request, pk))


@login_required
@require_POST
def tender_allotment(request, pk):
    tender = _tender(request, pk)
    _editable(request, tender)
    form = AllotmentForm(request.POST, instance=tender, prefix="allotment")
    if form.is_valid():
        try:
            services.tender_update(user=request.user, tender=tender, changes=form.cleaned_data)
        except (ApplicationError, ConflictError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Allotissement enregistré."))
            return redirect(_lots_url(tender))
    tender.refresh_from_db()
    return _page(request, tender, allotment=form, status=400)


@login_required
@require_POST
def tender_lot_add(request, pk):
    tender = _tender(request, pk)
    _editable(request, tender)
    form = LotForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            lot = lot_services.lot_create(user=request.user, tender=tender, **form.cleaned_data)
        except (ApplicationError, ConflictError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Lot n° %(number)s ajouté.") % {"number": lot.number})
            return redirect(_lots_url(tender, f"lot-{lot.pk}"))
    return _page(request, tender, new_lot=form, status=400)


@login_required
@require_POST
def tender_lot_edit(request, pk, lot_pk):
    tender = _tender(request, pk)
    _editable(request, tender)
    lot = get_object_or_404(Lot, pk=lot_pk, tender=tender)
    form = LotForm(request.POST, instance=Lot.objects.get(pk=lot.pk), prefix=f"lot-{lot.pk}")
    if form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if not (k == "number" and v is None)}
        try:
            lot = lot_services.lot_update(user=request.user, lot=lot, changes=changes)
        except (ApplicationError, ConflictError) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Lot n° %(number)s enregistré.") % {"number": lot.number})
            return redirect(_lots_url(tender, f"lot-{lot.pk}"))
    return _page(request, tender, edited=form, status=400)


@login_required
@require_POST
def tender_lot_delete(request, pk, lot_pk):
    tender = _tender(request, pk)
    _editable(request, tender)
    lot = get_object_or_404(Lot, pk=lot_pk, tender=tender)
    try:
        lot_services.lot_delete(user=request.user, lot=lot)
    except (ApplicationError, ConflictError) as error:
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("Lot n° %(number)s supprimé.") % {"number": lot.number})
    return redirect(_lots_url(tender))


@login_required
@require_POST
def tender_lot_clauses(request, pk):
    """Which clauses apply to which lots, every clause at once (`lots-<clause id>`: the ticked lot ids;
    none ticked: every lot)."""
    tender = _tender(request, pk)
    _editable(request, tender)
    clauses = list(selectors.tender_clauses(tender))
    try:
        with transaction.atomic():
            for tender_clause in clauses:
                raw = request.POST.getlist(f"lots-{tender_clause.pk}")
                ids = [int(value) for value in raw if value.isdigit()]
                if len(ids) != len(raw):
                    raise ApplicationError({"lots": [_("Lot inconnu dans cet appel d'offres.")]})
                lot_services.tender_clause_lots_set(user=request.user, tender_clause=tender_clause, lots=ids)
    except (ApplicationError, ConflictError) as error:
        for problems in error.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return _page(request, tender, status=400)
    messages.success(request, _("Répartition des clauses entre les lots enregistrée."))
    return redirect(_lots_url(tender, "lot-clauses"))

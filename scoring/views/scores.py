"""Scoring pages: the evaluator's grid (their own scores, blind until reveal) and the lead's consensus."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from organizations.errors import ApplicationError

from .. import access, extensions, forms, selectors, services
from .common import base_context, flash, form_invalid, lot_of, tender_of, url


@login_required
@require_GET
def grid(request, pk):
    """Bid × criterion grid of the calling evaluator's own scores, with the rubric and the answer at hand."""
    tender = tender_of(request, pk, reader=True)
    context = base_context(request, tender, "grid")
    context["lots"], context["lot"] = lot_of(request, tender)
    sealed = not access.sees_prices(request.user, tender)
    context.update(selectors.grid_of(tender, request.user, sealed_price=sealed, lot=context["lot"]))
    context["closed"] = context["state"].technical_closed_at is not None
    context["require_justification"] = tender.require_justification
    extensions.annotate_grid(tender, context["rows"])  # the probe outcomes (conformance)
    return render(request, "scoring/grid.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consensus(request, pk):
    tender = tender_of(request, pk, lead=True)
    if request.method == "GET":
        return _consensus_page(request, tender)
    form = forms.ConsensusForm(request.POST, tender=tender)
    if not form.is_valid():
        form_invalid(request, form)
        return _consensus_page(request, tender)
    data = form.cleaned_data
    try:
        services.consensus_set(
            user=request.user,
            bid=data["bid"],
            criterion=data["criterion"],
            value=data["value"],
            justification=data["justification"].strip(),
            version=data["version"],
        )
    except ApplicationError as error:
        flash(request, error)
    else:
        messages.success(request, _("Consensus enregistré."))
    lot = f"?lot={data['bid'].lot_id}" if data["bid"].lot_id else ""
    return redirect(url("consensus", tender) + f"{lot}#bid-{data['bid'].pk}")


def _consensus_page(request, tender):
    context = base_context(request, tender, "consensus")
    context["lots"], context["lot"] = lot_of(request, tender)
    context["sections"] = selectors.consensus_sections(tender, context["lot"])
    return render(request, "scoring/consensus.html", context)

"""The requirements × bids matrix (lead only): every eliminatory requirement against every bid, decided in one
post, with the legal qualification and the reason a non-compliant offer needs; the one-click acceptance of what
each vendor declared met sits above each bid's column.

A refused batch writes nothing (services.eliminatory_decide_many) and the page comes back with what was
chosen and typed in every cell, the reason beside each refused one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from organizations.errors import ApplicationError

from .. import forms, matrix, selectors, services
from ..models import EliminatoryDecision
from .common import base_context, flash, tender_of, url


def _cell_values(cell, form):
    """What the cell shows: the posted values after a refusal, else the recorded decision."""
    key = cell["key"]
    if form is not None and form.is_bound:
        return form.data.get(f"d-{key}", ""), form.data.get(f"q-{key}", ""), form.data.get(f"r-{key}", "")
    decision = cell["decision"]
    if decision is None:
        return "", "", ""
    return decision.decision, decision.qualification, decision.reason


def _form_errors(form) -> dict:
    errors = {}
    if form is not None and form.is_bound and form.errors:
        for name, problems in form.errors.items():
            key = name.split("-", 1)[1] if "-" in name else name
            errors.setdefault(key, []).extend(str(p) for p in problems)
    return errors


def _page(request, tender, *, data=None, form=None, cell_errors=None, status=200):
    data = data or matrix.requirement_matrix(tender)
    errors = {**_form_errors(form), **(cell_errors or {})}
    for row in data["rows"]:
        for cell in row["cells"]:
            cell["value_decision"], cell["value_qualification"], cell["value_reason"] = _cell_values(cell, form)
            cell["errors"] = errors.get(cell["key"], [])
    context = base_context(request, tender, "requirements")
    context.update(
        {
            "matrix": data,
            "bid_columns": [{"bid": bid, "undecided": data["undecided"][bid.pk]} for bid in data["bids"]],
            "decision_choices": forms.MATRIX_DECISIONS,
            "qualification_choices": EliminatoryDecision.Qualification.choices,
            "pending_value": EliminatoryDecision.Decision.REGULARISATION_REQUESTED,
            "refused": len(errors),
        }
    )
    return render(request, "scoring/requirements.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def requirement_matrix(request, pk):
    tender = tender_of(request, pk, lead=True)
    if request.method == "GET":
        return _page(request, tender)
    if request.POST.get("action") == "accept_declared":
        return _accept_declared(request, tender)
    data = matrix.requirement_matrix(tender)
    form = forms.RequirementMatrixForm(request.POST, matrix=data)
    if not form.is_valid():
        messages.error(request, _("Certaines cases sont à corriger (voir ci-dessous) : rien n'a été enregistré."))
        return _page(request, tender, data=data, form=form)
    changes = form.changes()
    for bid in data["bids"]:
        bid.tender = tender  # the service reads the tender of each bid: no query per cell
    try:
        made = services.eliminatory_decide_many(user=request.user, tender=tender, decisions=changes)
    except ApplicationError as error:
        cells = error.errors.get("cells")
        if cells:
            messages.error(
                request,
                ngettext(
                    "%(count)d décision refusée (motif dans la case) : rien n'a été enregistré.",
                    "%(count)d décisions refusées (motif dans chaque case) : rien n'a été enregistré.",
                    len(cells),
                )
                % {"count": len(cells)},
            )
        else:
            flash(request, error)
        return _page(
            request, tender, data=data, form=form, cell_errors=cells, status=error.status if not cells else 200
        )
    if made:
        messages.success(
            request,
            ngettext("%(count)d décision enregistrée.", "%(count)d décisions enregistrées.", len(made))
            % {"count": len(made)},
        )
    else:
        messages.info(request, _("Aucune décision nouvelle : rien n'a changé."))
    return redirect(url("requirements_matrix", tender))


def _accept_declared(request, tender):
    """The bid page's one click, from the matrix: the bid's undecided requirements it declared met."""
    bid = selectors.bid_of(tender, request.POST.get("bid") if str(request.POST.get("bid", "")).isdigit() else 0)
    if bid is None:
        raise Http404
    try:
        made = services.eliminatory_accept_declared(user=request.user, bid=bid)
    except ApplicationError as error:
        flash(request, error)
    else:
        messages.success(
            request,
            _("%(vendor)s : exigences déclarées satisfaites acceptées : %(count)s.")
            % {"vendor": bid.vendor, "count": len(made)},
        )
    return redirect(url("requirements_matrix", tender))

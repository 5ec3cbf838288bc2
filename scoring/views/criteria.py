"""The criteria editor: the weighted tree, built from the clauses or by hand, with live weight sums."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from organizations.errors import ApplicationError
from organizations.formatting import format_number

from .. import forms, rules, selectors, services
from ..models import Criterion
from .common import base_context, flash, form_invalid, lot_of, tender_of, url

WEIGHTS_MESSAGE = gettext_noop(
    "Les pondérations du niveau « %(name)s » totalisent %(total)s %% : la publication sera refusée "
    "tant qu'elles ne totalisent pas 100 %%."
)


def _criteria_rows(tender, lot=None):
    tree = selectors.criteria_tree(tender, lot)
    plain = selectors.rule_criteria([c for c, _d, _n, _s in tree])
    sums = {parent: total for parent, total in rules.level_sums(plain)}
    rows = [
        {"criterion": c, "depth": d, "number": n, "share": s, "indent": range(d), "level": c.parent_id or 0}
        for c, d, n, s in tree
    ]
    levels = [
        {
            "id": parent or 0,
            "name": _("Niveau supérieur") if parent is None else next(c.name for c, *_ in tree if c.pk == parent),
            "total": total,
            "ok": rules.rounded(total, 2) == 100,
        }
        for parent, total in sums.items()
    ]
    for level in levels:
        level["message"] = _weights_message(level)
    return rows, levels


def _weights_message(level):
    """What the lead must know at once about a level whose weights do not sum to 100 (None when they do)."""
    if level["ok"]:
        return None
    return _(WEIGHTS_MESSAGE) % {"name": level["name"], "total": format_number(level["total"], trim=True)}


def _criteria_page(request, tender, status=200):
    lots, lot = lot_of(request, tender)
    rows, levels = _criteria_rows(tender, lot)
    context = base_context(request, tender, "criteria")
    context.update({"lots": lots, "lot": lot})
    context.update(
        {
            "rows": rows,
            "levels": levels,
            "kinds": Criterion.Kind.choices,
            "parents": [r for r in rows if r["criterion"].kind == "scored"],
            "range_warning": tender.price_formula == rules.RANGE,
            # The same sentence for the page's live sums (scoring.js fills in the name and the total).
            "weights_message": _(WEIGHTS_MESSAGE).replace("%%", "%"),
        }
    )
    return render(request, "scoring/criteria.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def criteria_editor(request, pk):
    tender = tender_of(request, pk)
    if request.method == "GET":
        return _criteria_page(request, tender)
    tender = tender_of(request, pk, lead=True)
    form = _criteria_form(request, tender)
    if form is None:
        messages.error(request, _("Action inconnue."))
        return redirect(url("criteria", tender))
    if not form.is_valid():
        form_invalid(request, form)
        return _criteria_page(request, tender)
    try:
        _criteria_post(request, tender, form)
    except ApplicationError as error:
        flash(request, error)
    lot = lot_of(request, tender)[1]
    return redirect(url("criteria", tender) + (f"?lot={lot.pk}" if lot else ""))


CRITERIA_FORMS = {
    "from_clauses": lambda post, tender: forms.FromClausesForm(post),
    "add": lambda post, tender: forms.CriterionAddForm(post, tender=tender),
    "delete": lambda post, tender: forms.CriterionDeleteForm(post, tender=tender),
    "weights": lambda post, tender: forms.WeightsForm(
        post, criteria=[row[0] for row in selectors.criteria_tree(tender, _posted_lot(post, tender))]
    ),
}


def _posted_lot(post, tender):
    raw = post.get("lot") or ""
    return tender.lots.filter(pk=int(raw)).first() if raw.isdigit() else None


def _criteria_form(request, tender):
    make = CRITERIA_FORMS.get(request.POST.get("action"))
    return None if make is None else make(request.POST, tender)


def _criteria_post(request, tender, form):
    action, data = request.POST.get("action"), form.cleaned_data
    if action == "from_clauses":
        services.criteria_from_clauses(
            user=request.user, tender=tender, replace=data["replace"], price_weight=data["price_weight"]
        )
        messages.success(request, _("Critères construits à partir des clauses."))
    elif action == "add":
        services.criterion_create(
            user=request.user,
            tender=tender,
            data={
                "name": data["name"].strip(),
                "kind": data["kind"],
                "parent": data["parent"],
                "weight": data["weight"],
                "scale_max": data["scale_max"],
                "lot": lot_of(request, tender)[1],
            },
        )
        messages.success(request, _("Critère ajouté."))
    elif action == "delete":
        services.criterion_delete(user=request.user, criterion=data["criterion"])
        messages.success(request, _("Critère supprimé."))
    else:
        services.criteria_weights_set(user=request.user, tender=tender, changes=form.changes())
        # Publishing refuses a level that does not sum to 100: say so now, not at publication.
        problems = [
            level["message"] for level in _criteria_rows(tender, lot_of(request, tender)[1])[1] if not level["ok"]
        ]
        for problem in problems:
            messages.warning(request, f"{_('Pondérations enregistrées.')} {problem}")
        if not problems:
            messages.success(request, _("Pondérations enregistrées."))

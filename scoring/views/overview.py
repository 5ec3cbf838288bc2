"""The evaluation's overview: the list of evaluations, a tender's home (evaluators, declaration, state)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from organizations.errors import ApplicationError

from .. import access, forms, selectors, services
from .common import base_context, flash, form_invalid, tender_of, url


@login_required
@require_GET
def evaluation_list(request):
    """Tenders the user evaluates (named evaluator) or leads (buyer or admin), published ones first."""
    mine = selectors.declarations_of(request.user)
    rows = [
        {"tender": t, "evaluator": t.pk in mine, "declared_at": mine.get(t.pk)}
        for t in access.evaluation_tenders(request.user)
    ]
    return render(request, "scoring/list.html", {"rows": rows, "nav": "evaluation"})


def home_page(request, tender, status=200, **extra):
    context = base_context(request, tender, "home")
    context["evaluators"] = list(selectors.evaluators_of(tender))
    context["bid_count"] = selectors.bid_count(tender)
    context.update(extra)
    return render(request, "scoring/home.html", context, status=status)


@login_required
@require_GET
def evaluation_home(request, pk):
    return home_page(request, tender_of(request, pk))


@login_required
@require_POST
def evaluator_add(request, pk):
    tender = tender_of(request, pk, lead=True)
    form = forms.EvaluatorAddForm(request.POST)
    if not form.is_valid():
        form_invalid(request, form)
        return home_page(request, tender)
    try:
        services.evaluator_add(user=request.user, tender=tender, username=form.cleaned_data["username"].strip())
    except ApplicationError as error:
        flash(request, error)
    else:
        messages.success(request, _("Évaluateur ajouté."))
    return redirect(url("evaluation_home", tender, "evaluators"))


@login_required
@require_POST
def evaluator_remove(request, pk, username):
    """The lead withdraws an evaluator who has not scored yet (the service says when it cannot)."""
    tender = tender_of(request, pk, lead=True)
    try:
        services.evaluator_remove(user=request.user, tender=tender, username=username)
    except ApplicationError as error:
        flash(request, error)
        return home_page(request, tender, status=error.status)
    messages.success(request, _("Évaluateur « %(username)s » retiré.") % {"username": username})
    return redirect(url("evaluation_home", tender, "evaluators"))


@login_required
@require_POST
def declaration(request, pk):
    tender = tender_of(request, pk)
    form = forms.DeclarationForm(request.POST)
    form.is_valid()  # a checkbox: anything but "on" is a refusal, which the service explains
    try:
        services.evaluator_declare(user=request.user, tender=tender, no_conflict=form.cleaned_data["no_conflict"])
    except ApplicationError as error:
        flash(request, error)
        return redirect(url("evaluation_home", tender))
    messages.success(request, _("Déclaration enregistrée : vous pouvez noter les offres."))
    return redirect(url("grid", tender))


@login_required
@require_POST
def reopen(request, pk):
    """The lead's recorded, justified reopening after close-technical (issue 18, finding 6)."""
    tender = tender_of(request, pk, lead=True)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        form_invalid(request, form)
        return home_page(request, tender, reopen_form=form)
    try:
        services.tender_reopen(user=request.user, tender=tender, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        flash(request, error)
    else:
        messages.success(request, _("Évaluation rouverte : la réouverture et son motif sont au journal."))
    return redirect(url("evaluation_home", tender))


@login_required
@require_POST
def state_change(request, pk, action):
    tender = tender_of(request, pk, lead=True)
    if action == "reveal":
        services.tender_reveal(user=request.user, tender=tender)
        messages.success(request, _("Les notes de chaque évaluateur sont désormais visibles de tous."))
    else:
        try:
            services.tender_close_technical(user=request.user, tender=tender)
        except ApplicationError as error:
            # What remains open, listed on the consensus page where it is settled.
            flash(request, ApplicationError({"detail": error.errors.get("detail", [])}))
            for item in error.errors.get("open", []):
                messages.warning(request, item)
            return redirect(url("consensus", tender))
        messages.success(request, _("Notation technique close : les prix sont visibles des évaluateurs."))
    return redirect(url("evaluation_home", tender))

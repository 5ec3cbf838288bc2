"""The evaluation's overview: the list of evaluations, a tender's home (evaluators, declaration, state)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from organizations.errors import ApplicationError

from .. import access, forms, picker, selectors, services
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
    if context["is_lead"]:
        context["evaluator_choices"] = picker.evaluator_choices(tender)
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


# What each of the lead's irreversible (or logged) steps does, shown before it takes effect.
CONSEQUENCES = {
    "reveal": (
        gettext_lazy("Lever l'anonymat des notes"),
        [
            gettext_lazy("Chaque évaluateur verra les notes et les commentaires des autres évaluateurs."),
            gettext_lazy("La notation à l'aveugle prend fin : ce n'est pas réversible."),
        ],
    ),
    "close": (
        gettext_lazy("Clore la notation technique"),
        [
            gettext_lazy("Les notes des évaluateurs sont figées."),
            gettext_lazy("Les prix deviennent visibles des évaluateurs."),
            gettext_lazy(
                "Offres, prix, réponses, décisions éliminatoires, consensus et seuil d'offre anormalement basse ne "
                "changent plus sans une réouverture motivée, inscrite au journal."
            ),
        ],
    ),
    "reopen": (
        gettext_lazy("Rouvrir l'évaluation"),
        [
            gettext_lazy("La réouverture, son auteur et son motif sont inscrits au journal et figurent au rapport."),
            gettext_lazy(
                "Les résultats redeviennent provisoires : offres, prix, décisions et consensus peuvent de nouveau "
                "changer ; les notes restent figées."
            ),
            gettext_lazy("L'évaluation devra être close à nouveau avant l'attribution."),
        ],
    ),
}


def confirmation_page(request, tender, action, *, reopen_form=None, status=200):
    """The consequences of `action` and its form with the confirmation box (GET, or a POST not confirmed)."""
    title, consequences = CONSEQUENCES[action]
    context = base_context(request, tender, "home")
    context.update(
        {
            "action": action,
            "action_title": title,
            "consequences": consequences,
            "action_url": url({"reveal": "reveal", "close": "close_technical", "reopen": "reopen"}[action], tender),
            "reopen_form": reopen_form,
            # Before closing, what would make the close refused (missing scores, consensus to settle).
            "still_open": services.technical_close_blockers(tender) if action == "close" else [],
        }
    )
    return render(request, "scoring/confirm.html", context, status=status)


def confirmed(request) -> bool:
    """The form's confirmation box was ticked; otherwise nothing happens and the page says why."""
    if request.POST.get("confirm") == "on":
        return True
    messages.error(request, _("Cochez la case de confirmation après avoir lu les conséquences : rien n'a été modifié."))
    return False


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request, pk):
    """The lead's recorded, justified reopening after close-technical: a confirmation page first (GET)."""
    tender = tender_of(request, pk, lead=True)
    if request.method == "GET":
        return confirmation_page(request, tender, "reopen")
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        form_invalid(request, form)
        return confirmation_page(request, tender, "reopen", reopen_form=form)
    if not confirmed(request):
        return confirmation_page(request, tender, "reopen", reopen_form=form)
    try:
        services.tender_reopen(user=request.user, tender=tender, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        flash(request, error)
    else:
        messages.success(request, _("Évaluation rouverte : la réouverture et son motif sont au journal."))
    return redirect(url("evaluation_home", tender))


@login_required
@require_http_methods(["GET", "POST"])
def state_change(request, pk, action):
    """Reveal or close-technical: GET shows what follows; a POST acts only with the confirmation box ticked."""
    tender = tender_of(request, pk, lead=True)
    if request.method == "GET" or not confirmed(request):
        return confirmation_page(request, tender, action)
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

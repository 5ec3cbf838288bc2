"""Pages of the evaluation: overview, criteria editor, bids, the evaluator's grid, consensus, results.

Thin like the API: check who may (scoring/access.py), read through selectors, write through services.
Each page runs a fixed number of queries whatever the number of bids or criteria.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

from documents.models import Document
from organizations.access import BUYER_ROLES, organization_ids_with_role
from organizations.errors import ApplicationError
from tenders import services as tender_services

from . import access, extensions, forms, questionnaire, rules, selectors, services, simulation
from .models import Answer, Bid, Consensus, Criterion, EliminatoryDecision, Evaluator, Score
from .report.chart import chart_svg


def _tender(request, pk, *, lead=False, reader=False):
    tender = access.tender_for(request.user, pk)
    try:
        if lead:
            access.require_lead(request.user, tender)
        elif reader:
            access.require_reader(request.user, tender)
    except ApiPermissionDenied as exc:
        raise PermissionDenied(str(exc.detail))
    return tender


# What a person calls the field a service's error is about; a key with no label here is never shown.
FIELD_LABELS = {
    "price": gettext_lazy("Prix"),
    "price_weight": gettext_lazy("Poids du prix"),
    "no_conflict": gettext_lazy("Déclaration d'absence de conflit d'intérêts"),
    "vendor": gettext_lazy("Candidat"),
    "name": gettext_lazy("Nom"),
    "weight": gettext_lazy("Pondération"),
    "parent": gettext_lazy("Critère parent"),
    "criterion": gettext_lazy("Critère"),
    "value": gettext_lazy("Note"),
    "comment": gettext_lazy("Commentaire"),
    "justification": gettext_lazy("Justification"),
    "threshold": gettext_lazy("Seuil"),
    "reason": gettext_lazy("Motif"),
    "decision": gettext_lazy("Décision"),
    "note": gettext_lazy("Objet de la demande"),
    "qualification": gettext_lazy("Qualification"),
    "fhir_base_url": gettext_lazy("URL de base FHIR"),
    "user": gettext_lazy("Identifiant du membre"),
    "committed_values": gettext_lazy("Valeurs engagées"),
    "submitted_at": gettext_lazy("Date de dépôt"),
}


def _flash(request, error: ApplicationError):
    """Each message of a service's refusal, prefixed by the label of the field it is about (never its key)."""
    for field, problems in error.errors.items():
        if isinstance(problems, str):
            problems = [problems]
        elif not isinstance(problems, list):
            continue
        label = FIELD_LABELS.get(field)
        for text in problems:
            messages.error(request, f"{label} : {text}" if label else str(text))


def _form_invalid(request, form):
    """Garbage typed in a form: say what is wrong on the page itself (200), nothing changed."""
    for text in forms.error_messages(form):
        messages.error(request, text)


def _url(name, tender, anchor=None):
    url = reverse(f"scoring:{name}", args=[tender.pk])
    return f"{url}#{anchor}" if anchor else url


def _base(request, tender, page):
    state = selectors.state_of(tender)
    evaluator = access.evaluator_of(request.user, tender)
    return {
        "tender": tender,
        "page": page,
        "nav": "evaluation",
        "state": state,
        "is_lead": access.is_lead(request.user, tender),
        "evaluator": evaluator,
        # The « Résultats » tab only for those the results page lets in (no tab leading to a refusal).
        "results_visible": evaluator is not None
        and access.sees_all_scores(request.user, tender)
        and access.sees_prices(request.user, tender),
        "is_draft": tender.status == "draft",
    }


# Overview -------------------------------------------------------------------------------------


@login_required
@require_GET
def evaluation_list(request):
    """Tenders the user evaluates (named evaluator) or leads (buyer or admin), published ones first."""
    led = access.visible_tenders(request.user).filter(
        organization_id__in=organization_ids_with_role(request.user, BUYER_ROLES)
    )
    named = access.visible_tenders(request.user).filter(evaluators__user=request.user)
    tenders = (led | named).distinct().select_related("organization").order_by("status", "-created_at")[:200]
    mine = dict(Evaluator.objects.filter(user=request.user).values_list("tender_id", "declared_at"))
    rows = [{"tender": t, "evaluator": t.pk in mine, "declared_at": mine.get(t.pk)} for t in tenders]
    return render(request, "scoring/list.html", {"rows": rows, "nav": "evaluation"})


def _home_page(request, tender, status=200, **extra):
    context = _base(request, tender, "home")
    context["evaluators"] = list(selectors.evaluators_of(tender))
    context["bid_count"] = Bid.objects.filter(tender=tender).count()
    context.update(extra)
    return render(request, "scoring/home.html", context, status=status)


@login_required
@require_GET
def evaluation_home(request, pk):
    return _home_page(request, _tender(request, pk))


@login_required
@require_POST
def evaluator_add(request, pk):
    tender = _tender(request, pk, lead=True)
    form = forms.EvaluatorAddForm(request.POST)
    if not form.is_valid():
        _form_invalid(request, form)
        return _home_page(request, tender)
    try:
        services.evaluator_add(user=request.user, tender=tender, username=form.cleaned_data["username"].strip())
    except ApplicationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Évaluateur ajouté."))
    return redirect(_url("evaluation_home", tender, "evaluators"))


@login_required
@require_POST
def evaluator_remove(request, pk, username):
    """The lead withdraws an evaluator who has not scored yet (the service says when it cannot)."""
    tender = _tender(request, pk, lead=True)
    try:
        services.evaluator_remove(user=request.user, tender=tender, username=username)
    except ApplicationError as error:
        _flash(request, error)
        return _home_page(request, tender, status=error.status)
    messages.success(request, _("Évaluateur « %(username)s » retiré.") % {"username": username})
    return redirect(_url("evaluation_home", tender, "evaluators"))


@login_required
@require_POST
def declaration(request, pk):
    tender = _tender(request, pk)
    form = forms.DeclarationForm(request.POST)
    form.is_valid()  # a checkbox: anything but "on" is a refusal, which the service explains
    try:
        services.evaluator_declare(user=request.user, tender=tender, no_conflict=form.cleaned_data["no_conflict"])
    except ApplicationError as error:
        _flash(request, error)
        return redirect(_url("evaluation_home", tender))
    messages.success(request, _("Déclaration enregistrée : vous pouvez noter les offres."))
    return redirect(_url("grid", tender))


@login_required
@require_POST
def reopen(request, pk):
    """The lead's recorded, justified reopening after close-technical (issue 18, finding 6)."""
    tender = _tender(request, pk, lead=True)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        _form_invalid(request, form)
        return _home_page(request, tender, reopen_form=form)
    try:
        services.tender_reopen(user=request.user, tender=tender, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Évaluation rouverte : la réouverture et son motif sont au journal."))
    return redirect(_url("evaluation_home", tender))


@login_required
@require_POST
def state_change(request, pk, action):
    tender = _tender(request, pk, lead=True)
    if action == "reveal":
        services.tender_reveal(user=request.user, tender=tender)
        messages.success(request, _("Les notes de chaque évaluateur sont désormais visibles de tous."))
    else:
        services.tender_close_technical(user=request.user, tender=tender)
        messages.success(request, _("Notation technique close : les prix sont visibles des évaluateurs."))
    return redirect(_url("evaluation_home", tender))


# Criteria -------------------------------------------------------------------------------------


def _criteria_rows(tender):
    tree = selectors.criteria_tree(tender)
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
    return _(WEIGHTS_MESSAGE) % {"name": level["name"], "total": floatformat(level["total"], "-2")}


WEIGHTS_MESSAGE = gettext_noop(
    "Les pondérations du niveau « %(name)s » totalisent %(total)s %% : la publication sera refusée "
    "tant qu'elles ne totalisent pas 100 %%."
)


def _criteria_page(request, tender, status=200):
    rows, levels = _criteria_rows(tender)
    context = _base(request, tender, "criteria")
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
    tender = _tender(request, pk)
    if request.method == "POST":
        tender = _tender(request, pk, lead=True)
        form = _criteria_form(request, tender)
        if form is not None and not form.is_valid():
            _form_invalid(request, form)
            return _criteria_page(request, tender)
        try:
            _criteria_post(request, tender, form)
        except ApplicationError as error:
            _flash(request, error)
        return redirect(_url("criteria", tender))
    return _criteria_page(request, tender)


def _criteria_form(request, tender):
    action = request.POST.get("action")
    if action == "from_clauses":
        return forms.FromClausesForm(request.POST)
    if action == "add":
        return forms.CriterionAddForm(request.POST, tender=tender)
    if action == "delete":
        return forms.CriterionDeleteForm(request.POST, tender=tender)
    if action == "weights":
        return forms.WeightsForm(request.POST, criteria=list(Criterion.objects.filter(tender=tender)))
    return None


def _criteria_post(request, tender, form):
    from django.db import transaction

    action = request.POST.get("action")
    if form is None:
        raise ApplicationError({"detail": [_("Action inconnue.")]})
    data = form.cleaned_data
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
            },
        )
        messages.success(request, _("Critère ajouté."))
    elif action == "delete":
        services.criterion_delete(user=request.user, criterion=data["criterion"])
        messages.success(request, _("Critère supprimé."))
    elif action == "weights":
        with transaction.atomic():
            for criterion, weight in form.changes():
                services.criterion_update(user=request.user, criterion=criterion, changes={"weight": weight})
        # Publishing refuses a level that does not sum to 100: say so now, not at publication.
        problems = [level["message"] for level in _criteria_rows(tender)[1] if not level["ok"]]
        if problems:
            for problem in problems:
                messages.warning(request, f"{_('Pondérations enregistrées.')} {problem}")
        else:
            messages.success(request, _("Pondérations enregistrées."))


# Bids -----------------------------------------------------------------------------------------


def _bids_page(request, tender, *, bid_form=None, status=200):
    context = _base(request, tender, "bids")
    context["bids"] = list(selectors.bids_of(tender))
    context["sees_prices"] = access.sees_prices(request.user, tender)
    context["bid_form"] = bid_form or forms.BidForm()
    return render(request, "scoring/bids.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bids(request, pk):
    tender = _tender(request, pk, reader=True)
    if request.method == "GET":
        return _bids_page(request, tender)
    tender = _tender(request, pk, lead=True)
    if request.POST.get("action") == "import":
        form = forms.QuestionnaireImportForm(
            request.POST, request.FILES, tender=tender, max_bytes=questionnaire.questionnaire_max_bytes()
        )
        if not form.is_valid():
            _form_invalid(request, form)
            return _bids_page(request, tender)
        bid = form.cleaned_data["bid"]
        try:
            outcome = questionnaire.questionnaire_import(
                user=request.user,
                bid=bid,
                data=form.cleaned_data["file"].read(questionnaire.questionnaire_max_bytes() + 1),
            )
        except ApplicationError as error:
            _flash(request, error)
        else:
            messages.success(
                request,
                _("%(count)d réponses importées pour %(vendor)s.")
                % {"count": outcome["imported"], "vendor": bid.vendor},
            )
        return redirect(_url("bids", tender))
    form = forms.BidForm(request.POST)
    if not form.is_valid():
        # What was typed stays in the form (vendor name and price), with the reason beside it.
        _form_invalid(request, form)
        return _bids_page(request, tender, bid_form=form)
    try:
        services.bid_create(
            user=request.user,
            tender=tender,
            vendor=form.cleaned_data["vendor"].strip(),
            price=form.cleaned_data["price"],
        )
    except ApplicationError as error:
        _flash(request, error)
        return _bids_page(request, tender, bid_form=form)
    messages.success(request, _("Offre enregistrée."))
    return redirect(_url("bids", tender))


# One bid: its FHIR base URL and the conformance probe -----------------------------------------------


def _bid_page(request, tender, bid, *, decision_form=None, status=200):
    answers = {a.criterion_id: a for a in selectors.answers_of(bid)}
    decisions = {d.criterion_id: d for d in selectors.eliminatory_decisions_of(bid)}
    rows = []
    for criterion, _depth, number, _share in selectors.criteria_tree(tender):
        answer = answers.get(criterion.pk)
        if criterion.kind == "price" or (answer is None and criterion.kind != "eliminatory"):
            continue
        suggestion = None if answer is None or answer.compliant is None else answer.compliant
        rows.append(
            {
                "criterion": criterion,
                "number": number,
                "answer": answer,
                "decision": decisions.get(criterion.pk),
                "suggestion": suggestion,
            }
        )
    context = _base(request, tender, "bids")
    context.update(
        {
            "bid": bid,
            "sees_prices": access.sees_prices(request.user, tender),
            "answer_rows": rows,
            "eliminatory_rows": [r for r in rows if r["criterion"].kind == "eliminatory"],
            "decision_choices": EliminatoryDecision.Decision.choices,
            "qualification_choices": EliminatoryDecision.Qualification.choices,
            "decision_form": decision_form,
        }
    )
    context.update(extensions.bid_panels(request, tender, bid))  # the probe section (conformance)
    return render(request, "scoring/bid_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bid_detail(request, pk, bid_pk):
    """A bid's page: its answers (with committed values), the lead's eliminatory decisions, the FHIR base
    URL and the conformance probe. Readers see everything; only the lead posts."""
    tender = _tender(request, pk, reader=True)
    bid = Bid.objects.filter(tender=tender, pk=bid_pk).first()
    if bid is None:
        raise Http404
    bid.tender = tender
    if request.method == "GET":
        return _bid_page(request, tender, bid)
    _tender(request, pk, lead=True)
    if request.POST.get("action") == "eliminatory":
        form = forms.EliminatoryDecisionForm(request.POST, tender=tender)
        if not form.is_valid():
            _form_invalid(request, form)
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
            _flash(request, error)
            return _bid_page(request, tender, bid, decision_form=form)
        messages.success(request, _("Décision enregistrée."))
        return redirect(reverse("scoring:bid_detail", args=[tender.pk, bid.pk]) + "#eliminatory")
    try:
        _bid_post(request, bid)
    except ApplicationError as error:
        _flash(request, error)
    return redirect(reverse("scoring:bid_detail", args=[tender.pk, bid.pk]) + "#probe")


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


# The evaluator's grid ------------------------------------------------------------------------------


@login_required
@require_GET
def grid(request, pk):
    """Bid × criterion grid of the calling evaluator's own scores, with the rubric at hand."""
    tender = _tender(request, pk, reader=True)
    context = _base(request, tender, "grid")
    tree = selectors.criteria_tree(tender)
    plain = rules.Tree(selectors.rule_criteria([c for c, *_ in tree]))
    leaves = [
        {"criterion": c, "number": n, "rubric": (c.tender_clause.version.rubric if c.tender_clause_id else [])}
        for c, _d, n, _s in tree
        if c.kind == "scored" and plain.is_scored_leaf(plain.by_id[c.pk])
    ]
    bid_list = list(selectors.bids_of(tender))
    mine = {(s.bid_id, s.criterion_id): s for s in Score.objects.filter(bid__tender=tender, evaluator=request.user)}
    # The vendor's answer and committed values beside the score (issue 14): one query for the whole grid.
    answers = {(a.bid_id, a.criterion_id): a for a in Answer.objects.filter(bid__tender=tender)}
    rows = [
        {
            **leaf,
            "cells": [
                {
                    "bid": b,
                    "score": mine.get((b.pk, leaf["criterion"].pk)),
                    "answer": answers.get((b.pk, leaf["criterion"].pk)),
                }
                for b in bid_list
            ],
        }
        for leaf in leaves
    ]
    # Eliminatory requirements beside the scores: the lead's decision (or "en cours") and the vendor's answer.
    decisions = {
        (d.bid_id, d.criterion_id): d for d in EliminatoryDecision.objects.filter(bid__tender=tender, bid__in=bid_list)
    }
    eliminatory_rows = [
        {
            "criterion": c,
            "number": n,
            "cells": [
                {"bid": b, "decision": decisions.get((b.pk, c.pk)), "answer": answers.get((b.pk, c.pk))}
                for b in bid_list
            ],
        }
        for c, _d, n, _s in tree
        if c.kind == "eliminatory"
    ]
    context.update(
        {
            "rows": rows,
            "eliminatory_rows": eliminatory_rows,
            "bids": bid_list,
            "closed": selectors.state_of(tender).technical_closed_at is not None,
            "require_justification": tender.require_justification,
        }
    )
    extensions.annotate_grid(tender, rows)  # the probe outcomes (conformance)
    return render(request, "scoring/grid.html", context)


# Consensus ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consensus(request, pk):
    tender = _tender(request, pk, lead=True)
    if request.method == "POST":
        form = forms.ConsensusForm(request.POST, tender=tender)
        if not form.is_valid():
            _form_invalid(request, form)
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
            _flash(request, error)
        else:
            messages.success(request, _("Consensus enregistré."))
        return redirect(_url("consensus", tender, f"bid-{data['bid'].pk}"))
    return _consensus_page(request, tender)


def _consensus_page(request, tender):
    context = _base(request, tender, "consensus")
    tree = selectors.criteria_tree(tender)
    plain = rules.Tree(selectors.rule_criteria([c for c, *_ in tree]))
    judged = [
        (c, n)
        for c, _d, n, _s in tree
        if c.kind == "eliminatory" or (c.kind == "scored" and plain.is_scored_leaf(plain.by_id[c.pk]))
    ]
    scores = {}
    for score in selectors.scores_of_tender(tender):
        scores.setdefault((score.bid_id, score.criterion_id), []).append(score)
    agreed = {(c.bid_id, c.criterion_id): c for c in Consensus.objects.filter(bid__tender=tender)}
    answers = {(a.bid_id, a.criterion_id): a for a in Answer.objects.filter(bid__tender=tender)}
    sections = []
    for bid in selectors.bids_of(tender):
        rows = []
        for criterion, number in judged:
            cell = scores.get((bid.pk, criterion.pk), [])
            values = [s.value for s in cell]
            rows.append(
                {
                    "criterion": criterion,
                    "number": number,
                    "scores": cell,
                    "mean": rules.mean(values),
                    "dispersed": rules.is_dispersed(values, criterion.scale_max),
                    "consensus": agreed.get((bid.pk, criterion.pk)),
                    "answer": answers.get((bid.pk, criterion.pk)),
                }
            )
        sections.append({"bid": bid, "rows": rows, "disagreements": sum(1 for r in rows if r["dispersed"])})
    context["sections"] = sections
    return render(request, "scoring/consensus.html", context, status=200)


# Results --------------------------------------------------------------------------------------


@login_required
@require_GET
def results_page(request, pk):
    return results(request, pk)


def results(request, pk):  # called by results_page and low_offer_action, both behind login_required
    """The results page (also rendered, with the form's errors, when a low-offer form was garbage)."""
    tender = _tender(request, pk)
    try:
        access.require_results_reader(request.user, tender)
    except ApiPermissionDenied as exc:
        raise PermissionDenied(str(exc.detail))
    context = _base(request, tender, "results")
    try:
        full = selectors.tender_outcome(tender)
        outcome = full.results
    except rules.CriteriaError as error:
        context["problems"] = error.messages
        return render(request, "scoring/results.html", context, status=400)
    except rules.PriceError as error:
        context["problems"] = [str(error)]
        return render(request, "scoring/results.html", context, status=400)
    names = {c.pk: c.name for c in Criterion.objects.filter(tender=tender)}
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
    chart_data = {
        "language": "fr",
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
            "documents": Document.objects.filter(tender=tender, kind__in=("evaluation_report", "rejection_letters"))
            .select_related("tender")
            .order_by("-created_at")[:10],
            "report_buttons": [("pdf", "PDF"), ("docx", "DOCX"), ("xlsx", "XLSX")],
            "provisional": full.provisional,
            "blocking": full.blocking,
            "awardee": next((r for r in outcome if r.bid == full.awardee), None),
            "low_offer_pending": any(item["code"] == "low_offer_pending" for item in full.blocking),
            "low_offer_threshold": full.threshold,
            "low_offers": [row for row in rows if row["low_offer"]],
        }
    )
    return render(request, "scoring/results.html", context)


@login_required
@require_POST
def report_request(request, pk):
    """Without JavaScript: queue the evaluation report and come back to the results, where its progress shows."""
    tender = _tender(request, pk, lead=True)
    try:
        tender_services.document_request(
            user=request.user,
            tender=tender,
            kind="rejection_letters" if request.POST.get("kind") == "rejection_letters" else "evaluation_report",
            format=request.POST.get("format", ""),
        )
    except tender_services.BrokerUnavailable:
        messages.error(
            request, _("Le service de génération est momentanément injoignable. Réessayez dans quelques minutes.")
        )
    except ApplicationError as error:
        _flash(request, error)
    else:
        messages.info(request, _("Rapport en préparation."))
    return redirect(_url("results", tender, "documents"))


# Simulation before publishing ----------------------------------------------------------------------

SIMULATION_ROWS = 6


def _simulation_leaves(tender):
    tree = selectors.criteria_tree(tender)
    criteria = selectors.rule_criteria([c for c, *_ in tree])
    plain = rules.Tree(criteria)
    leaves = [
        {"criterion": c, "number": n}
        for c, _d, n, _s in tree
        if c.kind == "scored" and plain.is_scored_leaf(plain.by_id[c.pk])
    ]
    return criteria, leaves


def _simulation_rows(request, leaves, criteria):
    """The form's rows: posted values, generated profiles (?profiles=1) or blanks; always SIMULATION_ROWS."""
    rows = []
    if request.method == "POST":
        for index in range(SIMULATION_ROWS):
            prefix = f"bid-{index}-"
            rows.append(
                {
                    "name": request.POST.get(prefix + "name", "").strip(),
                    "price": request.POST.get(prefix + "price", "").strip(),
                    "scores": {
                        str(leaf["criterion"].pk): request.POST.get(f"{prefix}c{leaf['criterion'].pk}", "").strip()
                        for leaf in leaves
                    },
                }
            )
    elif request.GET.get("profiles"):
        for profile in simulation.profiles(criteria):
            rows.append({"name": profile["name"], "price": f"{profile['price']:f}", "scores": profile["scores"]})
    while len(rows) < SIMULATION_ROWS:
        rows.append({"name": "", "price": "", "scores": {}})
    return [
        {
            "index": index,
            "name": row["name"],
            "price": row["price"],
            "cells": [{"leaf": leaf, "value": row["scores"].get(str(leaf["criterion"].pk), "")} for leaf in leaves],
        }
        for index, row in enumerate(rows)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def simulation_page(request, pk):
    """Try the scoring method on hypothetical bids before publishing it; nothing is stored."""
    tender = _tender(request, pk, lead=True)
    criteria, leaves = _simulation_leaves(tender)
    rows = _simulation_rows(request, leaves, criteria)
    context = _base(request, tender, "simulation")
    context.update(
        {
            "rows": rows,
            "leaves": leaves,
            "step": request.POST.get("step", "5"),
            "formula_labels": simulation.FORMULA_LABELS,
        }
    )
    context["range_warning"] = tender.price_formula == rules.RANGE
    status = 200
    if request.method == "POST":
        form = forms.SimulationForm(request.POST, rows=SIMULATION_ROWS)
        if not form.is_valid():
            # Garbage in the step or a price: the form's error on the page (200), what was typed kept.
            _form_invalid(request, form)
            return render(request, "scoring/simulation.html", context, status=200)
        bids = [
            {
                "name": r["name"],
                "price": form.cleaned_data[f"bid-{r['index']}-price"],
                "scores": {str(c["leaf"]["criterion"].pk): c["value"] for c in r["cells"]},
            }
            for r in rows
            if r["name"] or r["price"]
        ]
        step = form.cleaned_data["step"]
        try:
            outcome = simulation.simulate(criteria=criteria, bids=bids, formula=tender.price_formula, step=step)
        except rules.CriteriaError as error:
            context["problems"], status = error.messages, 400
        except simulation.SimulationError as error:
            context["problems"], status = [m for ms in error.errors.values() for m in ms], 400
        else:
            context["outcome"] = simulation.as_json(outcome)
            context["step_display"] = rules.format_number(step)
            names = {c.id: c.name for c in criteria}
            for change, raw in zip(context["outcome"]["weight_changes"], outcome["weight_changes"], strict=True):
                change["weights_label"] = " · ".join(
                    f"{names[cid]} {rules.format_number(weight)} %" for cid, weight in raw["weights"].items()
                )
    return render(request, "scoring/simulation.html", context, status=status)


# Abnormally low offers -----------------------------------------------------------------------------


LOW_OFFER_FORMS = {
    "threshold": forms.LowOfferThresholdForm,
    "request": forms.LowOfferRequestForm,
    "decision": forms.LowOfferDecisionForm,
}


@login_required
@require_POST
def low_offer_action(request, pk, action):
    """The lead's request for justification, decision (kept / rejected with a reason) or new threshold."""
    tender = _tender(request, pk, lead=True)
    form_class = LOW_OFFER_FORMS[action]
    form = form_class(request.POST) if action == "threshold" else form_class(request.POST, tender=tender)
    if not form.is_valid():
        _form_invalid(request, form)
        return results(request, pk)
    data = form.cleaned_data
    try:
        if action == "threshold":
            services.low_offer_threshold_set(user=request.user, tender=tender, threshold=data["threshold"])
            messages.success(request, _("Seuil des offres anormalement basses enregistré."))
        elif action == "request":
            bid = data["bid"]
            services.low_offer_request(user=request.user, bid=bid, note=data["note"])
            messages.success(
                request, _("Demande de justification enregistrée pour %(vendor)s.") % {"vendor": bid.vendor}
            )
        else:
            bid = data["bid"]
            services.low_offer_decide(user=request.user, bid=bid, decision=data["decision"], reason=data["reason"])
            messages.success(request, _("Décision enregistrée pour %(vendor)s.") % {"vendor": bid.vendor})
    except ApplicationError as error:
        _flash(request, error)
    return redirect(_url("results", tender, "low-offers"))

"""Pages of the evaluation: overview, criteria editor, bids, the evaluator's grid, consensus, results.

Thin like the API: check who may (scoring/access.py), read through selectors, write through services.
Each page runs a fixed number of queries whatever the number of bids or criteria.
"""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

from documents.models import Document
from organizations.access import BUYER_ROLES, organization_ids_with_role
from organizations.errors import ApplicationError
from tenders import services as tender_services

from . import access, extensions, rules, selectors, services, simulation
from .models import Answer, Bid, Consensus, Criterion, Evaluator, Score
from .reports import chart_svg


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


def _flash(request, error: ApplicationError):
    for field, problems in error.errors.items():
        if not isinstance(problems, list):
            continue
        for text in problems:
            messages.error(
                request, text if field in ("detail", "criteria", "file", "non_field_errors") else f"{field} : {text}"
            )


def _decimal(value):
    try:
        return Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        return None


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


@login_required
@require_GET
def evaluation_home(request, pk):
    tender = _tender(request, pk)
    context = _base(request, tender, "home")
    context["evaluators"] = list(selectors.evaluators_of(tender))
    context["bid_count"] = Bid.objects.filter(tender=tender).count()
    return render(request, "scoring/home.html", context)


@login_required
@require_POST
def evaluator_add(request, pk):
    tender = _tender(request, pk, lead=True)
    try:
        services.evaluator_add(user=request.user, tender=tender, username=request.POST.get("username", "").strip())
    except ApplicationError as error:
        _flash(request, error)
    else:
        messages.success(request, _("Évaluateur ajouté."))
    return redirect(_url("evaluation_home", tender, "evaluators"))


@login_required
@require_POST
def declaration(request, pk):
    tender = _tender(request, pk)
    try:
        services.evaluator_declare(
            user=request.user, tender=tender, no_conflict=request.POST.get("no_conflict") == "on"
        )
    except ApplicationError as error:
        _flash(request, error)
        return redirect(_url("evaluation_home", tender))
    messages.success(request, _("Déclaration enregistrée : vous pouvez noter les offres."))
    return redirect(_url("grid", tender))


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
    return rows, levels


@login_required
@require_http_methods(["GET", "POST"])
def criteria_editor(request, pk):
    tender = _tender(request, pk)
    if request.method == "POST":
        tender = _tender(request, pk, lead=True)
        try:
            _criteria_post(request, tender)
        except ApplicationError as error:
            _flash(request, error)
        return redirect(_url("criteria", tender))
    rows, levels = _criteria_rows(tender)
    context = _base(request, tender, "criteria")
    context.update(
        {
            "rows": rows,
            "levels": levels,
            "kinds": Criterion.Kind.choices,
            "parents": [r for r in rows if r["criterion"].kind == "scored"],
        }
    )
    return render(request, "scoring/criteria.html", context)


def _criteria_post(request, tender):
    action = request.POST.get("action")
    if action == "from_clauses":
        services.criteria_from_clauses(
            user=request.user,
            tender=tender,
            replace=request.POST.get("replace") == "on",
            price_weight=_decimal(request.POST.get("price_weight") or "40"),
        )
        messages.success(request, _("Critères construits à partir des clauses."))
    elif action == "add":
        parent = Criterion.objects.filter(tender=tender, pk=request.POST.get("parent") or 0).first()
        kind = request.POST.get("kind", "scored")
        services.criterion_create(
            user=request.user,
            tender=tender,
            data={
                "name": request.POST.get("name", "").strip(),
                "kind": kind,
                "parent": parent,
                "weight": None if kind == "eliminatory" else _decimal(request.POST.get("weight") or ""),
                "scale_max": int(request.POST.get("scale_max") or 5),
            },
        )
        messages.success(request, _("Critère ajouté."))
    elif action == "delete":
        criterion = Criterion.objects.filter(tender=tender, pk=request.POST.get("criterion") or 0).first()
        if criterion:
            services.criterion_delete(user=request.user, criterion=criterion)
            messages.success(request, _("Critère supprimé."))
    elif action == "weights":
        with transaction.atomic():
            for criterion in Criterion.objects.filter(tender=tender).exclude(kind="eliminatory"):
                raw = request.POST.get(f"weight-{criterion.pk}")
                if raw is None:
                    continue
                weight = _decimal(raw)
                if weight is None:
                    raise ApplicationError(
                        {"weight": [_("Poids invalide pour « %(name)s ».") % {"name": criterion.name}]}
                    )
                if weight != criterion.weight:
                    services.criterion_update(user=request.user, criterion=criterion, changes={"weight": weight})
        messages.success(request, _("Pondérations enregistrées."))


# Bids -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def bids(request, pk):
    tender = _tender(request, pk, reader=True)
    if request.method == "POST":
        tender = _tender(request, pk, lead=True)
        try:
            if request.POST.get("action") == "import":
                bid = Bid.objects.filter(tender=tender, pk=request.POST.get("bid") or 0).first()
                upload = request.FILES.get("file")
                if bid is None or upload is None:
                    raise ApplicationError({"file": [_("Choisissez une offre et un fichier.")]})
                if upload.size > services.questionnaire_max_bytes():
                    raise ApplicationError({"file": [_("Fichier trop volumineux.")]})
                outcome = services.questionnaire_import(
                    user=request.user, bid=bid, data=upload.read(services.questionnaire_max_bytes() + 1)
                )
                messages.success(
                    request,
                    _("%(count)d réponses importées pour %(vendor)s.")
                    % {"count": outcome["imported"], "vendor": bid.vendor},
                )
            else:
                services.bid_create(
                    user=request.user,
                    tender=tender,
                    vendor=request.POST.get("vendor", "").strip(),
                    price=_decimal(request.POST.get("price") or ""),
                )
                messages.success(request, _("Offre enregistrée."))
        except ApplicationError as error:
            _flash(request, error)
        return redirect(_url("bids", tender))
    context = _base(request, tender, "bids")
    context["bids"] = list(selectors.bids_of(tender))
    context["sees_prices"] = access.sees_prices(request.user, tender)
    return render(request, "scoring/bids.html", context)


# One bid: its FHIR base URL and the conformance probe -----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def bid_detail(request, pk, bid_pk):
    """A bid's page: the lead sets its FHIR base URL, runs the probe or uploads the documents; readers see the report."""
    tender = _tender(request, pk, reader=True)
    bid = Bid.objects.filter(tender=tender, pk=bid_pk).first()
    if bid is None:
        raise Http404
    bid.tender = tender
    if request.method == "POST":
        _tender(request, pk, lead=True)
        try:
            _bid_post(request, bid)
        except ApplicationError as error:
            _flash(request, error)
        return redirect(reverse("scoring:bid_detail", args=[tender.pk, bid.pk]) + "#probe")
    context = _base(request, tender, "bids")
    context.update({"bid": bid, "sees_prices": access.sees_prices(request.user, tender)})
    context.update(extensions.bid_panels(request, tender, bid))  # the probe section (conformance)
    return render(request, "scoring/bid_detail.html", context)


def _bid_post(request, bid):
    action = request.POST.get("action")
    if action == "fhir_base_url":
        url = request.POST.get("fhir_base_url", "").strip()
        if url:
            try:
                URLValidator(schemes=["https"])(url)
            except ValidationError:
                raise ApplicationError(
                    {"fhir_base_url": [_("L'URL de base FHIR doit être une adresse https:// valide.")]}
                )
            if len(url) > 500:
                raise ApplicationError({"fhir_base_url": [_("URL trop longue (500 caractères au plus).")]})
        services.bid_update(user=request.user, bid=bid, changes={"fhir_base_url": url})
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
    rows = [
        {**leaf, "cells": [{"bid": b, "score": mine.get((b.pk, leaf["criterion"].pk))} for b in bid_list]}
        for leaf in leaves
    ]
    context.update(
        {"rows": rows, "bids": bid_list, "closed": selectors.state_of(tender).technical_closed_at is not None}
    )
    extensions.annotate_grid(tender, rows)  # the probe outcomes (conformance)
    return render(request, "scoring/grid.html", context)


# Consensus ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consensus(request, pk):
    tender = _tender(request, pk, lead=True)
    if request.method == "POST":
        bid = Bid.objects.filter(tender=tender, pk=request.POST.get("bid") or 0).first()
        criterion = Criterion.objects.filter(tender=tender, pk=request.POST.get("criterion") or 0).first()
        try:
            if bid is None or criterion is None:
                raise ApplicationError({"detail": [_("Offre ou critère inconnu.")]})
            services.consensus_set(
                user=request.user,
                bid=bid,
                criterion=criterion,
                value=_decimal(request.POST.get("value") or ""),
                justification=request.POST.get("justification", "").strip(),
            )
        except ApplicationError as error:
            _flash(request, error)
        else:
            messages.success(request, _("Consensus enregistré."))
        return redirect(_url("consensus", tender, f"bid-{request.POST.get('bid')}"))
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
    return render(request, "scoring/consensus.html", context)


# Results --------------------------------------------------------------------------------------


@login_required
@require_GET
def results(request, pk):
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
            "documents": Document.objects.filter(tender=tender, kind="evaluation_report")
            .select_related("tender")
            .order_by("-created_at")[:10],
            "report_buttons": [("pdf", "PDF"), ("docx", "DOCX"), ("xlsx", "XLSX")],
            "provisional": full.provisional,
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
            user=request.user, tender=tender, kind="evaluation_report", format=request.POST.get("format", "")
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
    status = 200
    if request.method == "POST":
        bids = [
            {
                "name": r["name"],
                "price": _decimal(r["price"]),
                "scores": {str(c["leaf"]["criterion"].pk): c["value"] for c in r["cells"]},
            }
            for r in rows
            if r["name"] or r["price"]
        ]
        step = _decimal(context["step"])
        try:
            if step is None or not 0 < step <= 50:
                raise simulation.SimulationError({"step": [_("Le pas doit être compris entre 0 et 50 points.")]})
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


@login_required
@require_POST
def low_offer_action(request, pk, action):
    """The lead's request for justification, decision (kept / rejected with a reason) or new threshold."""
    tender = _tender(request, pk, lead=True)
    try:
        if action == "threshold":
            services.low_offer_threshold_set(
                user=request.user, tender=tender, threshold=_decimal(request.POST.get("threshold") or "")
            )
            messages.success(request, _("Seuil des offres anormalement basses enregistré."))
        else:
            bid = Bid.objects.filter(tender=tender, pk=request.POST.get("bid") or 0).first()
            if bid is None:
                raise ApplicationError({"detail": [_("Offre inconnue.")]})
            if action == "request":
                services.low_offer_request(user=request.user, bid=bid, note=request.POST.get("note", ""))
                messages.success(
                    request, _("Demande de justification enregistrée pour %(vendor)s.") % {"vendor": bid.vendor}
                )
            else:
                services.low_offer_decide(
                    user=request.user,
                    bid=bid,
                    decision=request.POST.get("decision", ""),
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Décision enregistrée pour %(vendor)s.") % {"vendor": bid.vendor})
    except ApplicationError as error:
        _flash(request, error)
    return redirect(_url("results", tender, "low-offers"))

"""Try the scoring method on hypothetical bids before publishing it; nothing is stored."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from organizations.formatting import format_number

from .. import forms, rules, selectors, simulation
from .common import base_context, form_invalid, tender_of

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
    tender = tender_of(request, pk, lead=True)
    criteria, leaves = _simulation_leaves(tender)
    rows = _simulation_rows(request, leaves, criteria)
    context = base_context(request, tender, "simulation")
    context.update(
        {
            "rows": rows,
            "leaves": leaves,
            "step": request.POST.get("step", "5"),
            "formula_labels": simulation.FORMULA_LABELS,
            "range_warning": tender.price_formula == rules.RANGE,
        }
    )
    if request.method == "GET":
        return render(request, "scoring/simulation.html", context)
    form = forms.SimulationForm(request.POST, rows=SIMULATION_ROWS)
    if not form.is_valid():
        # Garbage in the step or a price: the form's error on the page (200), what was typed kept.
        form_invalid(request, form)
        return render(request, "scoring/simulation.html", context)
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
        context["problems"] = error.messages
        return render(request, "scoring/simulation.html", context, status=400)
    except simulation.SimulationError as error:
        context["problems"] = [m for ms in error.errors.values() for m in ms]
        return render(request, "scoring/simulation.html", context, status=400)
    context["outcome"] = simulation.as_json(outcome)
    context["step_display"] = format_number(step, trim=True)
    names = {c.id: c.name for c in criteria}
    for change, raw in zip(context["outcome"]["weight_changes"], outcome["weight_changes"], strict=True):
        change["weights_label"] = " · ".join(
            f"{names[cid]} {format_number(weight, trim=True)} %" for cid, weight in raw["weights"].items()
        )
    return render(request, "scoring/simulation.html", context)

"""The acceptance page: the plan's rows with their result and evidence, the probe, the decision, the record.

Each POST names its `action`; a refused write shows the form again with what was typed (400), a successful
one redirects (no double submission). The rules are the services'; the forms check shapes only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from documents import selectors as document_selectors
from organizations.errors import ApplicationError
from tenders.services import BrokerUnavailable

from . import acceptance_selectors, acceptance_services, access, documents
from .acceptance_forms import DecisionForm, DocumentForm, ProbeForm, ResultFilterForm, RowForm
from .models import AcceptanceDecision


def _show_errors(form, error):
    """The service's {field: [message]} on the form (a field it does not have goes to the top)."""
    errors = error.errors if isinstance(error, ApplicationError) else {"detail": list(error.messages)}
    for field, problems in errors.items():
        for text in problems if isinstance(problems, list) else [problems]:
            form.add_error(field if field in form.fields else None, str(text))


def _row(request, contract, plan, forms):
    row = plan.rows.filter(pk=request.POST.get("row")).first()
    if row is None:
        messages.error(request, _("Exigence inconnue."))
        return False
    form = RowForm(request.POST, request.FILES, prefix=f"row{row.pk}")
    forms["rows"][row.pk] = form
    if not form.is_valid():
        return False
    data = form.cleaned_data
    acceptance_services.row_record(
        user=request.user,
        contract=contract,
        article=row.article,
        result=data["result"],
        evidence=data["evidence"],
        evidence_file=data.get("evidence_file"),
    )
    return f"row-{row.pk}"


def _probe(request, contract, plan, forms):
    form = forms["probe"] = ProbeForm(request.POST, request.FILES, prefix="probe")
    if not form.is_valid():
        return False
    data = form.cleaned_data
    sandbox = None
    if data["live"] and data["token_url"]:
        sandbox = {
            "fhir_base_url": data["fhir_base_url"],
            "token_url": data["token_url"],
            "client_id": data["client_id"],
        }
        if data["scope"]:
            sandbox["scope"] = data["scope"]
    acceptance_services.probe_request(
        user=request.user,
        contract=contract,
        files={key: data.get(key) for key in ("capability_statement", "smart_configuration")},
        mode="live" if data["live"] else "static",
        fhir_base_url=data["fhir_base_url"],
        sandbox=sandbox,
    )
    return "probe"


def _decision(request, contract, plan, forms):
    form = forms["decision"] = DecisionForm(request.POST, prefix="decision")
    if not form.is_valid():
        return False
    acceptance_services.decision_record(user=request.user, contract=contract, **form.cleaned_data)
    return "decision"


def _document(request, contract, plan, forms):
    form = forms["document"] = DocumentForm(request.POST, prefix="document")
    if not form.is_valid():
        return False
    try:
        documents.contract_document_request(
            user=request.user, contract=contract, kind="acceptance_report", format=form.cleaned_data["format"]
        )
    except BrokerUnavailable:
        messages.warning(request, _("Le service de génération est injoignable : la demande est enregistrée."))
    return "documents"


ACTIONS = {"row": _row, "probe": _probe, "decision": _decision, "document": _document}


@login_required
@require_http_methods(["GET", "POST"])
def acceptance_page(request, pk):
    contract = access.contract_for(request.user, pk)
    writer = access.can_write(request.user, contract.organization_id)
    plan = acceptance_services.plan_ensure(user=request.user, contract=contract)
    forms = {
        "rows": {},
        "probe": ProbeForm(
            prefix="probe", initial={"fhir_base_url": (contract.sandbox or {}).get("fhir_base_url", "")}
        ),
        "decision": DecisionForm(prefix="decision"),
        "document": DocumentForm(prefix="document"),
    }
    status = 200
    if request.method == "POST":
        access.require_writer(request.user, contract.organization_id)
        handler = ACTIONS.get(request.POST.get("action"))
        if handler is None:
            messages.error(request, _("Action inconnue."))
            return redirect("contracts:acceptance", contract.pk)
        try:
            anchor = handler(request, contract, plan, forms)
        except (ApplicationError, ValidationError) as error:
            anchor = False
            target = forms.get(request.POST.get("action")) or next(iter(forms["rows"].values()), None)
            if target is not None:
                _show_errors(target, error)
            else:
                messages.error(request, " ".join(str(e) for e in getattr(error, "messages", [error])))
        if anchor:
            messages.success(request, _("Enregistré."))
            return redirect(reverse("contracts:acceptance", args=[contract.pk]) + f"#{anchor}")
        status = 400
        plan = acceptance_selectors.plan_of(contract)
    filter_form = ResultFilterForm(request.GET or None)
    result = filter_form.cleaned_data["result"] if filter_form.is_valid() else ""
    rows = list(acceptance_selectors.plan_rows(plan, result=result or None))
    summary = acceptance_selectors.summary(list(acceptance_selectors.plan_rows(plan)) if result else rows)
    row_forms = [
        (
            row,
            forms["rows"].get(row.pk)
            or RowForm(prefix=f"row{row.pk}", initial={"result": row.result, "evidence": row.evidence}),
        )
        for row in rows
    ]
    context = {
        "contract": contract,
        "plan": plan,
        "writer": writer,
        "closed": plan.decision in ("admission", "refaction", "rejet"),
        "rows": row_forms,
        "summary": summary,
        "proposed_label": AcceptanceDecision(summary["proposed_decision"]).label,
        "filter_form": filter_form,
        "result": result,
        "probe": acceptance_selectors.latest_probe(contract),
        "documents": list(document_selectors.contract_documents(request.user, contract)[:20]),
        "events": list(acceptance_selectors.events_of(contract)[:30]),
        "forms": forms,
        "nav": "contracts",
    }
    return render(request, "contracts/acceptance.html", context, status=status)

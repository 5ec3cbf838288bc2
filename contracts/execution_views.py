"""Pages of the execution log: requests (list, form, delivery), availability (table, entry, CSV import),
penalties (lines, cap and exemption, observations, decision, the statement's documents)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from documents import selectors as document_selectors
from organizations.errors import ApplicationError
from tenders.services import BrokerUnavailable

from . import access, execution
from .documents import contract_document_request
from .execution_forms import (
    AvailabilityForm,
    AvailabilityImportForm,
    DecisionForm,
    DeliveryForm,
    ObservationForm,
    RequestForm,
)

# A service's field → the form's field that shows it.
FORM_FIELDS = {"article": "deadline", "delay": "deadline"}


def _show_errors(form, error):
    """A service's refusal shown on the form's fields (the form keeps what was typed)."""
    for field, problems in error.errors.items():
        name = FORM_FIELDS.get(field, field)
        for text in problems if isinstance(problems, list) else [problems]:
            form.add_error(name if name in form.fields else None, str(text))


def _context(request, contract, **extra):
    return {
        "contract": contract,
        "writer": access.can_write(request.user, contract.organization_id),
        "nav": "contracts",
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def contract_requests(request, pk):
    contract = access.contract_for(request.user, pk)
    terms = execution.contract_terms(contract)
    form = RequestForm(terms=terms, delays_of=execution.delays_of, prefix="request")
    if request.method == "POST":
        access.require_writer(request.user, contract.organization_id)
        if request.POST.get("action") == "deliver":
            return _deliver(request, contract)
        form = RequestForm(request.POST, terms=terms, delays_of=execution.delays_of, prefix="request")
        if form.is_valid():
            try:
                created = execution.request_create(
                    user=request.user, contract=contract, data=form.service_data(), terms=terms
                )
            except ApplicationError as error:
                _show_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Demande n° %(n)s enregistrée : échéance le %(d)s.") % {"n": created.number, "d": created.due_on},
                )
                return redirect("contracts:contract_requests", contract.pk)
    rows = execution.requests_of(contract)
    return render(request, "contracts/requests.html", _context(request, contract, form=form, rows=rows))


def _deliver(request, contract):
    found = execution.request_of(contract, request.POST.get("request") or 0)
    if found is None:
        raise Http404
    form = DeliveryForm(request.POST, prefix=f"deliver-{found.pk}")
    if form.is_valid():
        try:
            execution.request_update(user=request.user, request=found, changes=form.cleaned_data)
            messages.success(request, _("Livraison enregistrée."))
        except ApplicationError as error:
            for problems in error.errors.values():
                for text in problems:
                    messages.error(request, str(text))
    else:
        for problems in form.errors.values():
            for text in problems:
                messages.error(request, str(text))
    return redirect("contracts:contract_requests", contract.pk)


@login_required
@require_http_methods(["GET", "POST"])
def contract_availability(request, pk):
    contract = access.contract_for(request.user, pk)
    form, upload = AvailabilityForm(prefix="month"), AvailabilityImportForm(prefix="csv")
    if request.method == "POST":
        access.require_writer(request.user, contract.organization_id)
        if request.POST.get("action") == "import":
            upload = AvailabilityImportForm(request.POST, request.FILES, prefix="csv")
            if upload.is_valid():
                data = upload.cleaned_data["file"].read(execution.AVAILABILITY_CSV_MAX_BYTES + 1)
                try:
                    count = execution.availability_import(user=request.user, contract=contract, data=data)
                except ApplicationError as error:
                    _show_errors(upload, error)
                else:
                    messages.success(request, _("%(n)d mois importés.") % {"n": count})
                    return redirect("contracts:contract_availability", contract.pk)
        else:
            form = AvailabilityForm(request.POST, prefix="month")
            if form.is_valid():
                try:
                    execution.availability_set(user=request.user, contract=contract, **form.cleaned_data)
                except ApplicationError as error:
                    _show_errors(form, error)
                else:
                    messages.success(request, _("Enregistré."))
                    return redirect("contracts:contract_availability", contract.pk)
    statement = execution.penalty_statement(contract)
    context = _context(
        request,
        contract,
        form=form,
        upload=upload,
        rows=statement["availability"],
        target=statement["availability_target"],
    )
    return render(request, "contracts/availability.html", context)


def _penalty_post(request, contract, forms):
    action = request.POST.get("action")
    if action == "document":
        fmt = request.POST.get("format")
        try:
            contract_document_request(user=request.user, contract=contract, kind="penalty_statement", format=fmt)
            messages.success(request, _("Relevé demandé : il apparaît ci-dessous une fois prêt."))
        except BrokerUnavailable:
            messages.error(request, _("Le service de génération est injoignable : la demande pourra être relancée."))
        except ApplicationError as error:
            messages.error(request, " ".join(str(t) for problems in error.errors.values() for t in problems))
        return True
    form_class, service = {
        "observation": (ObservationForm, execution.observation_add),
        "decision": (DecisionForm, execution.decision_record),
    }.get(action, (None, None))
    if form_class is None:
        messages.error(request, _("Action inconnue."))
        return True
    form = forms[action] = form_class(request.POST, prefix=action)
    if not form.is_valid():
        return False
    try:
        service(user=request.user, contract=contract, **form.cleaned_data)
    except ApplicationError as error:
        _show_errors(form, error)
        return False
    messages.success(request, _("Enregistré."))
    return True


@login_required
@require_http_methods(["GET", "POST"])
def contract_penalties(request, pk):
    contract = access.contract_for(request.user, pk)
    forms = {"observation": ObservationForm(prefix="observation"), "decision": DecisionForm(prefix="decision")}
    if request.method == "POST":
        access.require_writer(request.user, contract.organization_id)
        if _penalty_post(request, contract, forms):
            return redirect("contracts:contract_penalties", contract.pk)
    context = _context(
        request,
        contract,
        statement=execution.penalty_statement(contract),
        forms=forms,
        observations=execution.observations_of(contract),
        decisions=execution.decisions_of(contract),
        documents=list(document_selectors.contract_documents(request.user, contract)[:10]),
    )
    return render(request, "contracts/penalties.html", context)

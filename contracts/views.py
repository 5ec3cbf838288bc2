"""Pages of contracts: the list, the creation from a tender, the contract page with its essential data."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from organizations.access import organization_ids
from organizations.errors import ApplicationError

from . import access, decp_xml, schemas, selectors, services
from .forms import ContractCreateForm, ContractForm, ModificationForm, SubcontractingActForm
from .ocds_check import ocds_problems


def _refusal(request, error):
    errors = error.message_dict if isinstance(error, ValidationError) and hasattr(error, "error_dict") else None
    if errors is None and isinstance(error, ApplicationError):
        errors = error.errors
    if errors is None:
        errors = {"detail": list(getattr(error, "messages", [str(error)]))}
    for field, problems in errors.items():
        if field == "errors":
            continue
        for text in problems if isinstance(problems, list) else [problems]:
            messages.error(request, str(text))


def _form_errors(request, form):
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for text in errors:
            messages.error(request, f"{label} : {text}" if label else str(text))


@login_required
def contract_list(request):
    contracts = list(selectors.contracts_for(organization_ids(request.user))[:500])
    waiting = list(selectors.tenders_without_contract(access.writer_organization_ids(request.user))[:200])
    context = {"contracts": contracts, "waiting": waiting, "nav": "contracts"}
    return render(request, "contracts/contract_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request, tender_pk):
    tender = access.tender_for(request.user, tender_pk)
    access.require_writer(request.user, tender.organization_id)
    existing = selectors.contracts_of_tender(tender).first()
    if existing is not None:
        return redirect("contracts:contract_detail", existing.pk)
    refusal, bid = None, None
    try:
        bid = services.retained_bid(tender)
    except ApplicationError as error:
        refusal = error.errors.get("detail", [])
    form = ContractCreateForm(
        request.POST or None, initial={"duration_months": tender.duration_months, "amount": bid.price if bid else None}
    )
    if request.method == "POST" and bid is not None:
        if form.is_valid():
            try:
                contract = services.contract_create(user=request.user, tender=tender, data=form.cleaned_data)
            except (ApplicationError, ValidationError) as error:
                _refusal(request, error)
            else:
                messages.success(request, _("Marché %(uid)s créé.") % {"uid": contract.uid})
                return redirect("contracts:contract_detail", contract.pk)
        else:
            _form_errors(request, form)
    context = {"tender": tender, "bid": bid, "refusal": refusal, "form": form, "nav": "contracts"}
    return render(request, "contracts/contract_create.html", context, status=409 if refusal else 200)


def _links(contract) -> dict:
    """Where each problem of the DECP record is fixed (decp.problems' `page`)."""
    return {
        "contract": "#contract-data",
        "modification": "#modifications",
        "act": "#subcontracting",
        "organization": reverse("organizations:organization_detail", args=[contract.organization_id]),
        "tender": reverse("tenders:tender_settings", args=[contract.tender_id]),
        "bids": reverse("scoring:bids", args=[contract.tender_id]),
    }


def _panel(contract):
    document, problems = selectors.decp_file(contract)
    links = _links(contract)
    for problem in problems:
        problem["link"] = links.get(problem["page"], "")
    return {
        "json": json.dumps(document, ensure_ascii=False, indent=2),
        "problems": problems,
        "valid": not problems,
        "version": schemas.DECP_VERSION,
        "record": document["marches"]["marche"][0],
    }


def _contract_update(*, user, contract, data):
    return services.contract_update(user=user, contract=contract, changes=data)


# The contract page's forms: POST action → (form, service). Each form's prefix is its action.
WRITES = {
    "contract": (ContractForm, _contract_update),
    "modification": (ModificationForm, services.modification_add),
    "act": (SubcontractingActForm, services.act_add),
}


@login_required
@require_http_methods(["GET", "POST"])
def contract_detail(request, pk):
    contract = access.contract_for(request.user, pk)
    writer = access.can_write(request.user, contract.organization_id)
    forms = {
        "contract": ContractForm(instance=contract, prefix="contract"),
        "modification": ModificationForm(prefix="modification"),
        "act": SubcontractingActForm(prefix="act"),
    }
    if request.method == "POST":
        access.require_writer(request.user, contract.organization_id)
        action = request.POST.get("action")
        if action == "published":
            try:
                services.contract_mark_published(user=request.user, contract=contract)
                messages.success(request, _("Date de publication enregistrée."))
            except ApplicationError as error:
                _refusal(request, error)
            return redirect("contracts:contract_detail", contract.pk)
        if action not in WRITES:
            messages.error(request, _("Action inconnue."))
            return redirect("contracts:contract_detail", contract.pk)
        form_class, service = WRITES[action]
        form = forms[action] = form_class(
            request.POST, prefix=action, **({"instance": contract} if action == "contract" else {})
        )
        if form.is_valid():
            try:
                service(user=request.user, contract=contract, data=form.cleaned_data)
            except (ApplicationError, ValidationError) as error:
                _refusal(request, error)
                contract.refresh_from_db()
            else:
                messages.success(request, _("Enregistré."))
                return redirect("contracts:contract_detail", contract.pk)
        else:
            _form_errors(request, form)
            contract.refresh_from_db()
    context = {
        "contract": contract,
        "writer": writer,
        "modifications": selectors.modifications_of(contract),
        "acts": selectors.acts_of(contract),
        "panel": _panel(contract),
        "forms": forms,
        "nav": "contracts",
    }
    return render(request, "contracts/contract_detail.html", context)


@login_required
def contract_decp_download(request, pk):
    """The DECP file as an attachment, only when valid: otherwise 409 and the problems, never a bad file."""
    contract = access.contract_for(request.user, pk)
    document, problems = selectors.decp_file(contract)
    if problems:
        return render(
            request,
            "contracts/decp_refused.html",
            {"contract": contract, "problems": problems, "nav": "contracts"},
            status=409,
        )
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="decp-{contract.uid}.json"'
    return response


@login_required
def contract_decp_xml_download(request, pk):
    """The same file in XML (XSD 2.0.2): produced from the schema-valid JSON, checked against the XSD too."""
    contract = access.contract_for(request.user, pk)
    document, problems = selectors.decp_file(contract)
    content = None
    if not problems:
        content = decp_xml.to_xml(document)
        problems = decp_xml.xml_problems(content)
    if problems:
        return render(
            request,
            "contracts/decp_refused.html",
            {"contract": contract, "problems": problems, "nav": "contracts"},
            status=409,
        )
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="decp-{contract.uid}.xml"'
    return response


@login_required
def tender_ocds_download(request, tender_pk):
    tender = access.tender_for(request.user, tender_pk)
    package = selectors.ocds_package(tender, uri=selectors.site_url(reverse("api-tender-ocds", args=[tender.pk])))
    problems = ocds_problems(package)
    if problems:
        return HttpResponse("\n".join(f"{p['path']}: {p['message']}" for p in problems), status=409)
    response = HttpResponse(
        json.dumps(package, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="ocds-{tender.pk}.json"'
    return response

"""The procedure record's page (lead only): what the report and the letters need beyond the evaluation.
A refused form comes back with its errors (400) and changes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import selectors
from ..forms import ProcedureRecordForm
from ..services.procedure_record import procedure_record_update
from .common import tender_of


@login_required
@require_http_methods(["GET", "POST"])
def procedure_record_page(request, pk):
    tender = tender_of(request, pk, lead=True)
    record = selectors.procedure_record_of(tender)
    form = ProcedureRecordForm(request.POST or None, instance=record, tender=tender)
    if request.method == "POST" and form.is_valid():
        procedure_record_update(user=request.user, tender=tender, data=form.record_data())
        messages.success(request, _("Données du rapport enregistrées."))
        return redirect(reverse("scoring:procedure_record", args=[tender.pk]))
    return render(
        request,
        "scoring/procedure_record.html",
        {"tender": tender, "form": form, "page": "results", "is_lead": True},
        status=400 if request.method == "POST" else 200,
    )

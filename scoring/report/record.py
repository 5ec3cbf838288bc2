"""The procedure record (scoring.models.ProcedureRecord): read, validate, write; its API view and page.

Lead only (scoring/access.py): an evaluator gets 403, another organisation 404. Bad input answers a 400
(API) or a form error (page) naming the field, and changes nothing. Every change is in the audit trail.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .. import access, services
from ..models import Bid, ProcedureRecord

FIELDS = [
    "buyer_address",
    "contract_value",
    "vat_rate",
    "lots_reason",
    "conflicts_detected",
    "conflict_measures",
    "candidatures",
    "subcontracting",
    "signatory_name",
    "signatory_role",
    "signed_at",
    "tribunal",
    "letters_sent_on",
    "letters_electronic",
    "notice_published_on",
    "notice_medium",
    "offers_deadline",
    "opened_on",
]


def record_of(tender) -> ProcedureRecord:
    return ProcedureRecord.objects.filter(tender=tender).first() or ProcedureRecord(tender=tender)


def procedure_record_update(*, user, tender, data: dict) -> ProcedureRecord:
    """Write the validated fields of the tender's procedure record (created on first write), audited."""
    with transaction.atomic():
        record, _created = ProcedureRecord.objects.select_for_update().get_or_create(tender=tender)
        for field, value in data.items():
            old = getattr(record, field)
            if old != value:
                services.audit(
                    tender_id=tender.pk,
                    user=user,
                    action="procedure_record_update",
                    obj=record,
                    field=field,
                    old=str(old) if old is not None and not isinstance(old, (list, dict, bool)) else old,
                    new=str(value) if value is not None and not isinstance(value, (list, dict, bool)) else value,
                )
            setattr(record, field, value)
        record.updated_by = user
        record.save()
    return record


# API ----------------------------------------------------------------------------------------------


class CandidatureSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    admitted = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, max_length=4000, required=False, default="")


class SubcontractingSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    share = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), allow_null=True, required=False
    )
    subcontractors = serializers.CharField(allow_blank=True, max_length=2000, required=False, default="")


class ProcedureRecordSerializer(serializers.ModelSerializer):
    candidatures = CandidatureSerializer(many=True, required=False)
    subcontracting = SubcontractingSerializer(many=True, required=False)
    contract_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), allow_null=True, required=False
    )
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False
    )

    class Meta:
        model = ProcedureRecord
        fields = [*FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]

    def validate_candidatures(self, rows):
        # Partial updates (PUT is partial) would let a nested row miss its own fields: each needs them all.
        for row in rows:
            if not row.get("name") or "admitted" not in row:
                raise serializers.ValidationError(_("Chaque candidature a un nom (name) et un statut (admitted)."))
        return [{"name": row["name"], "admitted": row["admitted"], "reason": row.get("reason", "")} for row in rows]

    def validate_subcontracting(self, rows):
        tender = self.context["tender"]
        known = set(Bid.objects.filter(tender=tender).values_list("pk", flat=True))
        for row in rows:
            if "bid" not in row:  # PUT is partial: a nested row may miss its own fields
                raise serializers.ValidationError(_("Chaque ligne de sous-traitance désigne une offre (bid)."))
            if row["bid"] not in known:
                raise serializers.ValidationError(_("Offre %(bid)s inconnue pour ce marché.") % {"bid": row["bid"]})
        return [{**row, "share": None if row.get("share") is None else float(row["share"])} for row in rows]


class ProcedureRecordView(GenericAPIView):
    """`/api/v1/tenders/{id}/procedure-record/`: what the procedure report and the letters need (lead only)."""

    serializer_class = ProcedureRecordSerializer

    def _tender(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        return tender

    def get(self, request, tender_id):
        tender = self._tender(request, tender_id)
        return Response(ProcedureRecordSerializer(record_of(tender), context={"tender": tender}).data)

    @extend_schema(request=ProcedureRecordSerializer, responses={200: ProcedureRecordSerializer})
    def put(self, request, tender_id):
        tender = self._tender(request, tender_id)
        serializer = ProcedureRecordSerializer(data=request.data, context={"tender": tender}, partial=True)
        serializer.is_valid(raise_exception=True)
        record = procedure_record_update(user=request.user, tender=tender, data=serializer.validated_data)
        return Response(ProcedureRecordSerializer(record, context={"tender": tender}).data)


# Page ---------------------------------------------------------------------------------------------


class ProcedureRecordForm(forms.ModelForm):
    candidatures_text = forms.CharField(
        label=gettext_lazy("Candidatures (une par ligne : nom ; admis ou exclu ; motif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    subcontracting_text = forms.CharField(
        label=gettext_lazy("Sous-traitance (une ligne par offre : candidat ; part en % ; sous-traitants)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = ProcedureRecord
        fields = [f for f in FIELDS if f not in ("candidatures", "subcontracting")]
        widgets = {
            "signed_at": forms.DateInput(attrs={"type": "date"}),
            "letters_sent_on": forms.DateInput(attrs={"type": "date"}),
            "notice_published_on": forms.DateInput(attrs={"type": "date"}),
            "opened_on": forms.DateInput(attrs={"type": "date"}),
            "offers_deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "buyer_address": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.tender = tender
        for name, field in self.fields.items():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("aria-describedby", f"error-{name}")
        record = self.instance
        admitted, excluded = _("admis"), _("exclu")
        self.fields["candidatures_text"].initial = "\n".join(
            f"{c.get('name', '')} ; {admitted if c.get('admitted') else excluded} ; {c.get('reason', '')}"
            for c in record.candidatures or []
        )
        vendors = dict(Bid.objects.filter(tender=tender).values_list("pk", "vendor"))
        self.fields["subcontracting_text"].initial = "\n".join(
            f"{vendors.get(s.get('bid'), '')} ; {'' if s.get('share') is None else s['share']} ; {s.get('subcontractors', '')}"
            for s in record.subcontracting or []
        )

    def clean_contract_value(self):
        value = self.cleaned_data.get("contract_value")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("La valeur doit être strictement positive."))
        return value

    def clean_vat_rate(self):
        value = self.cleaned_data.get("vat_rate")
        if value is None or not 0 <= value <= 100:
            raise forms.ValidationError(_("Un taux entre 0 et 100."))
        return value

    def clean_candidatures_text(self):
        rows = []
        for number, line in enumerate(self.cleaned_data.get("candidatures_text", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";", 2)]
            if len(parts) < 2 or not parts[0] or parts[1].casefold() not in ("admis", "exclu", "admitted", "excluded"):
                raise forms.ValidationError(
                    _("Ligne %(number)s : écrivez « nom ; admis ; motif » ou « nom ; exclu ; motif ».")
                    % {"number": number}
                )
            rows.append(
                {
                    "name": parts[0],
                    "admitted": parts[1].casefold() in ("admis", "admitted"),
                    "reason": (parts + [""])[2],
                }
            )
        return rows

    def clean_subcontracting_text(self):
        bids = {
            vendor.casefold(): pk for pk, vendor in Bid.objects.filter(tender=self.tender).values_list("pk", "vendor")
        }
        rows = []
        for number, line in enumerate(self.cleaned_data.get("subcontracting_text", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";", 2)] + ["", ""]
            bid = bids.get(parts[0].casefold())
            if bid is None:
                raise forms.ValidationError(_("Ligne %(number)s : candidat inconnu.") % {"number": number})
            share = None
            if parts[1]:
                try:
                    share = float(Decimal(parts[1].replace(",", ".").replace("%", "").strip()))
                except ArithmeticError:
                    share = -1
                if not 0 <= share <= 100:
                    raise forms.ValidationError(
                        _("Ligne %(number)s : une part entre 0 et 100 %%.") % {"number": number}
                    )
            rows.append({"bid": bid, "share": share, "subcontractors": parts[2]})
        return rows

    def record_data(self):
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        data["candidatures"] = self.cleaned_data["candidatures_text"]
        data["subcontracting"] = self.cleaned_data["subcontracting_text"]
        return data


@login_required
@require_http_methods(["GET", "POST"])
def procedure_record_page(request, pk):
    tender = access.tender_for(request.user, pk)
    access.require_lead(request.user, tender)
    record = record_of(tender)
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

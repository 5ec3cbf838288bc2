"""The procedure record over HTTP: `/api/v1/tenders/{id}/procedure-record/` (lead only: an evaluator gets
403, another organisation 404; bad input a 400 naming the field, nothing changed)."""

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .. import access, selectors
from ..models import Bid, ProcedureRecord
from ..services.procedure_record import procedure_record_update


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
        fields = [*ProcedureRecord.EDITABLE_FIELDS, "updated_at"]
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
        return Response(
            ProcedureRecordSerializer(selectors.procedure_record_of(tender), context={"tender": tender}).data
        )

    @extend_schema(request=ProcedureRecordSerializer, responses={200: ProcedureRecordSerializer})
    def put(self, request, tender_id):
        tender = self._tender(request, tender_id)
        serializer = ProcedureRecordSerializer(data=request.data, context={"tender": tender}, partial=True)
        serializer.is_valid(raise_exception=True)
        record = procedure_record_update(user=request.user, tender=tender, data=serializer.validated_data)
        return Response(ProcedureRecordSerializer(record, context={"tender": tender}).data)

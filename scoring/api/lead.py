"""The lead's shortcuts: accept in one request every eliminatory requirement the vendor declared met; decide many
requirements of many bids in one request (what the requirements × bids matrix page posts)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .. import access, services
from ..models import Bid, Criterion, EliminatoryDecision
from .serializers import EliminatoryDecisionSerializer


class AcceptDeclaredView(GenericAPIView):
    """`POST /api/v1/bids/{id}/eliminatory/accept-declared/` (lead): the decisions made, one audit entry each."""

    serializer_class = EliminatoryDecisionSerializer
    queryset = EliminatoryDecision.objects.none()  # for the schema only: the bid is read through scoring.access
    pagination_class = None  # the decisions made, a plain list (the schema says so too)

    @extend_schema(request=None, responses={200: EliminatoryDecisionSerializer(many=True)})
    def post(self, request, pk):
        bid = access.bid_for(request.user, pk)
        access.require_lead(request.user, bid.tender)
        decisions = services.eliminatory_accept_declared(user=request.user, bid=bid)
        return Response(EliminatoryDecisionSerializer(decisions, many=True).data)


class DecisionItemSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    criterion = serializers.IntegerField()
    decision = serializers.ChoiceField(
        choices=[EliminatoryDecision.Decision.COMPLIANT, EliminatoryDecision.Decision.NON_COMPLIANT]
    )
    qualification = serializers.ChoiceField(
        choices=EliminatoryDecision.Qualification.values, allow_null=True, required=False, default=None
    )
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)


class DecisionBatchSerializer(serializers.Serializer):
    decisions = DecisionItemSerializer(many=True, allow_empty=False, max_length=5000)


class TenderEliminatoryBatchView(GenericAPIView):
    """`POST /api/v1/tenders/{id}/eliminatory/` (lead) `{"decisions": [{"bid", "criterion", "decision",
    "qualification"?, "reason"?}]}`: all or nothing (services.eliminatory_decide_many). 400 `{"decisions": [...]}`
    for a bid or requirement that is not this tender's eliminatory one, `{"cells": {"<bid>-<criterion>": [...]}}`
    for refused decisions; 409 once prices are opened. Returns the decisions written (one audit entry each)."""

    serializer_class = DecisionBatchSerializer
    queryset = EliminatoryDecision.objects.none()  # for the schema only: the tender is read through scoring.access

    @extend_schema(request=DecisionBatchSerializer, responses={200: EliminatoryDecisionSerializer(many=True)})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_lead(request.user, tender)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data["decisions"]
        bids = Bid.objects.in_bulk({item["bid"] for item in items})
        criteria = Criterion.objects.filter(tender=tender, kind=Criterion.Kind.ELIMINATORY).in_bulk(
            {item["criterion"] for item in items}
        )
        unknown = [
            f"{item['bid']}-{item['criterion']}"
            for item in items
            if item["bid"] not in bids or bids[item["bid"]].tender_id != tender.pk or item["criterion"] not in criteria
        ]
        if unknown:
            raise serializers.ValidationError(
                {
                    "decisions": [
                        _("Offre ou exigence éliminatoire inconnue pour ce marché : %(cells)s.")
                        % {"cells": ", ".join(unknown)}
                    ]
                }
            )
        for bid in bids.values():
            bid.tender = tender
        decisions = services.eliminatory_decide_many(
            user=request.user,
            tender=tender,
            decisions=[{**item, "bid": bids[item["bid"]], "criterion": criteria[item["criterion"]]} for item in items],
        )
        return Response(EliminatoryDecisionSerializer(decisions, many=True).data)

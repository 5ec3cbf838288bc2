"""The execution log's API (API.md "Execution (after notification)"): access → serializer → service → serialise."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from documents.models import Document
from organizations.errors import ApplicationError
from scoring.api.serializers import MoneyField

from .. import access, execution
from ..models import AvailabilityMonth, ExecutionRequest, PenaltyDecision, PenaltyObservation

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": False}


class RequestSerializer(serializers.ModelSerializer):
    value = MoneyField(min_value=0, required=False, allow_null=True, **MONEY)
    delay = serializers.CharField(source="delay_parameter", required=False, allow_blank=True, max_length=100)
    obligation = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    description = serializers.CharField(max_length=10000)

    class Meta:
        model = ExecutionRequest
        fields = [
            "id",
            "number",
            "kind",
            "article",
            "delay",
            "delay_value",
            "delay_unit",
            "delay_committed",
            "obligation",
            "obligation_label",
            "regime",
            "requested_on",
            "due_on",
            "delivered_on",
            "description",
            "value",
            "whole_unusable",
        ]
        read_only_fields = [
            "id",
            "number",
            "delay_value",
            "delay_unit",
            "delay_committed",
            "obligation_label",
            "regime",
            "due_on",
        ]


class RequestUpdateSerializer(serializers.Serializer):
    delivered_on = serializers.DateField(required=False, allow_null=True)
    value = MoneyField(min_value=0, required=False, allow_null=True, **MONEY)
    whole_unusable = serializers.BooleanField(required=False)


def _contract_for_writer(request, pk):
    contract = access.contract_for(request.user, pk)
    access.require_writer(request.user, contract.organization_id)
    return contract


class ContractRequestsView(GenericAPIView):
    serializer_class = RequestSerializer
    queryset = ExecutionRequest.objects.none()

    @extend_schema(operation_id="v1_contracts_requests_list", responses=RequestSerializer(many=True))
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        page = self.paginate_queryset(ExecutionRequest.objects.filter(contract=contract).order_by("number"))
        return self.get_paginated_response(RequestSerializer(page, many=True).data)

    @extend_schema(responses={201: RequestSerializer})
    def post(self, request, pk):
        contract = _contract_for_writer(request, pk)
        serializer = RequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["delay"] = data.pop("delay_parameter", None)
        created = execution.request_create(user=request.user, contract=contract, data=data)
        return Response(RequestSerializer(created).data, status=status.HTTP_201_CREATED)


class ContractRequestView(GenericAPIView):
    serializer_class = RequestSerializer
    queryset = ExecutionRequest.objects.none()

    def _request(self, contract, request_id):
        found = ExecutionRequest.objects.filter(contract=contract, pk=request_id).select_related("contract").first()
        if found is None:
            raise Http404
        return found

    @extend_schema(operation_id="v1_contracts_request_retrieve")
    def get(self, request, pk, request_id):
        contract = access.contract_for(request.user, pk)
        return Response(RequestSerializer(self._request(contract, request_id)).data)

    @extend_schema(request=RequestUpdateSerializer, responses={200: RequestSerializer})
    def patch(self, request, pk, request_id):
        contract = _contract_for_writer(request, pk)
        found = self._request(contract, request_id)
        serializer = RequestUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = execution.request_update(user=request.user, request=found, changes=serializer.validated_data)
        return Response(RequestSerializer(updated).data)


class PenaltyLineSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    number = serializers.IntegerField()
    article = serializers.CharField()
    kind = serializers.CharField()
    obligation = serializers.CharField()
    requested_on = serializers.DateField()
    due_on = serializers.DateField()
    delivered_on = serializers.DateField(allow_null=True)
    late_days = serializers.IntegerField()
    regime = serializers.CharField(allow_null=True)
    value = serializers.DecimalField(allow_null=True, **MONEY)
    amount = serializers.DecimalField(allow_null=True, **MONEY)
    note = serializers.CharField()


class AvailabilityLineSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    measured = serializers.DecimalField(max_digits=6, decimal_places=3, coerce_to_string=False)
    committed = serializers.DecimalField(max_digits=6, decimal_places=3, coerce_to_string=False, allow_null=True)
    steps = serializers.IntegerField()
    monthly_fee = serializers.DecimalField(allow_null=True, **MONEY)
    amount = serializers.DecimalField(allow_null=True, **MONEY)
    note = serializers.CharField()

    def get_month(self, row) -> str:
        return f"{row['month']:%Y-%m}"


class PenaltiesSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    lines = PenaltyLineSerializer(many=True)
    availability = AvailabilityLineSerializer(many=True)
    computed = serializers.DecimalField(**MONEY)
    cap = serializers.DecimalField(**MONEY)
    exempted = serializers.BooleanField()
    total = serializers.DecimalField(**MONEY)
    contract_amount = serializers.DecimalField(**MONEY)
    threshold = serializers.DecimalField(**MONEY)
    penalty_article = serializers.CharField(allow_null=True)


class ContractPenaltiesView(GenericAPIView):
    serializer_class = PenaltiesSerializer
    queryset = ExecutionRequest.objects.none()

    @extend_schema(parameters=[OpenApiParameter("on", str, description="AAAA-MM-JJ: date of the computation")])
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        return Response(PenaltiesSerializer(execution.penalty_statement(contract, today=_date_param(request))).data)


def _date_param(request):
    """The `on` parameter (a date), None when absent; a malformed one is a 400 naming it."""
    if not request.query_params.get("on"):
        return None
    try:
        return serializers.DateField().run_validation(request.query_params["on"])
    except serializers.ValidationError as error:
        raise ApplicationError({"on": list(error.detail)}) from None


class AvailabilitySerializer(serializers.ModelSerializer):
    month = serializers.CharField(max_length=10)
    measured = serializers.CharField(max_length=20)

    class Meta:
        model = AvailabilityMonth
        fields = ["month", "measured"]

    def to_representation(self, row):
        return {"month": f"{row.month:%Y-%m}", "measured": row.measured}


class ContractAvailabilityView(GenericAPIView):
    serializer_class = AvailabilitySerializer
    queryset = AvailabilityMonth.objects.none()

    @extend_schema(operation_id="v1_contracts_availability_list", responses=AvailabilitySerializer(many=True))
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        rows = AvailabilityMonth.objects.filter(contract=contract).order_by("month")
        return Response([{"month": f"{row.month:%Y-%m}", "measured": row.measured} for row in rows])

    @extend_schema(responses={201: AvailabilitySerializer})
    def post(self, request, pk):
        contract = _contract_for_writer(request, pk)
        serializer = AvailabilitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = execution.availability_set(user=request.user, contract=contract, **serializer.validated_data)
        return Response(AvailabilitySerializer(row).data, status=status.HTTP_201_CREATED)


class ContractAvailabilityImportView(GenericAPIView):
    parser_classes = [MultiPartParser, FormParser]
    queryset = AvailabilityMonth.objects.none()

    @extend_schema(
        request={"multipart/form-data": inline_serializer("AvailabilityCsv", {"file": serializers.FileField()})},
        responses={200: inline_serializer("AvailabilityImported", {"months": serializers.IntegerField()})},
    )
    def post(self, request, pk):
        contract = _contract_for_writer(request, pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError({"file": ["Joignez le fichier CSV (mois ; disponibilité)."]})
        data = upload.read(execution.AVAILABILITY_CSV_MAX_BYTES + 1)
        count = execution.availability_import(user=request.user, contract=contract, data=data)
        return Response({"months": count})


class ObservationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(max_length=20000)

    class Meta:
        model = PenaltyObservation
        fields = ["id", "received_on", "text"]
        read_only_fields = ["id"]


class DecisionSerializer(serializers.ModelSerializer):
    applied = MoneyField(min_value=0, **MONEY)
    computed = serializers.DecimalField(read_only=True, **MONEY)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=20000)

    class Meta:
        model = PenaltyDecision
        fields = ["id", "decided_on", "computed", "applied", "reason"]
        read_only_fields = ["id", "computed"]


class ContractObservationsView(GenericAPIView):
    serializer_class = ObservationSerializer
    queryset = PenaltyObservation.objects.none()

    @extend_schema(operation_id="v1_contracts_penalty_observations_list", responses=ObservationSerializer(many=True))
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        rows = PenaltyObservation.objects.filter(contract=contract).order_by("received_on", "id")
        return Response(ObservationSerializer(rows, many=True).data)

    @extend_schema(responses={201: ObservationSerializer})
    def post(self, request, pk):
        contract = _contract_for_writer(request, pk)
        serializer = ObservationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        observation = execution.observation_add(user=request.user, contract=contract, **serializer.validated_data)
        return Response(ObservationSerializer(observation).data, status=status.HTTP_201_CREATED)


class ContractDecisionsView(GenericAPIView):
    serializer_class = DecisionSerializer
    queryset = PenaltyDecision.objects.none()

    @extend_schema(operation_id="v1_contracts_penalty_decisions_list", responses=DecisionSerializer(many=True))
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        rows = PenaltyDecision.objects.filter(contract=contract).order_by("decided_on", "id")
        return Response(DecisionSerializer(rows, many=True).data)

    @extend_schema(responses={201: DecisionSerializer})
    def post(self, request, pk):
        contract = _contract_for_writer(request, pk)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = execution.decision_record(user=request.user, contract=contract, **serializer.validated_data)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class ContractDocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(Document.CONTRACT_KINDS))
    format = serializers.ChoiceField(choices=Document.Format.choices)


class PenaltyAuditSerializer(serializers.Serializer):
    action = serializers.CharField()
    user = serializers.CharField(source="user.username", allow_null=True, default=None)
    object = serializers.IntegerField(source="object_id", allow_null=True)
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    at = serializers.DateTimeField()


class ContractPenaltyAuditView(GenericAPIView):
    serializer_class = PenaltyAuditSerializer
    queryset = ExecutionRequest.objects.none()

    @extend_schema(operation_id="v1_contracts_penalty_audit_list", responses=PenaltyAuditSerializer(many=True))
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        page = self.paginate_queryset(execution.audit_of(contract))
        return self.get_paginated_response(PenaltyAuditSerializer(page, many=True).data)

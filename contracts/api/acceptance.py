"""The acceptance plan's API (API.md "Execution (after notification)") and the contract's documents:
access → serializer → service → serialise."""

from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from documents import selectors as document_selectors
from scoring.api.serializers import validate_sandbox
from tenders.api.serializers import DocumentSerializer
from tenders.api.views import broker_down_response
from tenders.services import BrokerUnavailable

from .. import acceptance, acceptance_selectors, acceptance_services, access, documents
from ..models import AcceptanceEvent, AcceptancePlan, AcceptanceProbe, AcceptanceRow, Contract


def _username(user):
    return user.get_username() if user is not None else None


class AcceptanceRowSerializer(serializers.ModelSerializer):
    """API.md's row, plus who recorded it and when, its evidence file and the probe that filled it."""

    updated_by = serializers.SerializerMethodField()
    evidence_file = serializers.SerializerMethodField()
    probe = serializers.PrimaryKeyRelatedField(source="probe_id", read_only=True)

    class Meta:
        model = AcceptanceRow
        fields = [
            "article",
            "title",
            "method",
            "expected",
            "result",
            "evidence",
            "evidence_file",
            "evidence_file_name",
            "probe",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_updated_by(self, row) -> str | None:
        return _username(row.updated_by)

    def get_evidence_file(self, row) -> str | None:
        if not row.evidence_file:
            return None
        return reverse("api-contract-acceptance-evidence", args=[row.plan.contract_id, row.article])


class AcceptanceRowWriteSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=acceptance.RESULTS)
    evidence = serializers.CharField(
        required=False, allow_blank=True, max_length=acceptance_services.MAX_EVIDENCE_CHARS
    )
    evidence_file = serializers.FileField(required=False, allow_empty_file=False)


class AcceptanceDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=acceptance.DECISIONS)
    reason = serializers.CharField(allow_blank=True, max_length=5000)
    refaction_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)


class AcceptanceProbeRequestSerializer(serializers.Serializer):
    """As a bid's probe: the discovery documents uploaded, or a base URL, or `mode: live` with the sandbox."""

    mode = serializers.ChoiceField(choices=["static", "live"], required=False, default="static")
    fhir_base_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    sandbox = serializers.DictField(required=False)
    capability_statement = serializers.FileField(required=False)
    smart_configuration = serializers.FileField(required=False)

    def validate_fhir_base_url(self, value):
        # https, as for a bid; plain http only for the hosts the probe is allowed to reach in tests.
        host = value.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if value and not value.lower().startswith("https://") and host not in settings.PROBE_ALLOWED_HOSTS:
            raise serializers.ValidationError(_("L'URL de base FHIR doit commencer par https://."))
        return value

    def validate_sandbox(self, value):
        return validate_sandbox(value)


class AcceptanceProbeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AcceptanceProbe
        fields = [
            "id",
            "status",
            "source",
            "mode",
            "base_url",
            "documents",
            "results",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


def _decision(plan):
    if plan is None or not plan.decision:
        return None
    return {
        "decision": plan.decision,
        "reason": plan.decision_reason,
        "refaction_percent": float(plan.refaction_percent) if plan.refaction_percent is not None else None,
        "decided_at": plan.decided_at,
        "decided_by": _username(plan.decided_by),
    }


def plan_payload(contract, plan, rows, probe):
    summary = acceptance_selectors.summary(rows)
    return {
        "contract": contract.pk,
        "rows": AcceptanceRowSerializer(rows, many=True).data,
        "counts": summary["counts"],
        "proposed_decision": summary["proposed_decision"],
        "decision": _decision(plan),
        "latest_probe": {"id": probe.pk, "status": probe.status, "created_at": probe.created_at} if probe else None,
    }


def _plan_response(request, contract, plan=None, *, code=status.HTTP_200_OK):
    plan = plan or acceptance_selectors.plan_of(contract)
    rows = list(acceptance_selectors.plan_rows(plan, result=request.query_params.get("result") or None))
    for row in rows:
        row.plan = plan  # the serializer's evidence link reads the contract without a query per row
    probe = acceptance_selectors.latest_probe(contract)
    return Response(plan_payload(contract, plan, rows, probe), status=code)


class AcceptancePlanView(GenericAPIView):
    """GET the plan (made on first reading); POST makes it again from the tender, keeping what was recorded."""

    queryset = AcceptancePlan.objects.none()

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        plan = acceptance_services.plan_ensure(user=request.user, contract=contract)
        return _plan_response(request, contract, plan)

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, pk):
        contract = access.contract_for(request.user, pk)
        access.require_writer(request.user, contract.organization_id)
        acceptance_services.plan_generate(user=request.user, contract=contract)
        return _plan_response(request, contract)


class AcceptanceRowView(GenericAPIView):
    serializer_class = AcceptanceRowWriteSerializer
    queryset = AcceptanceRow.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: AcceptanceRowSerializer})
    def put(self, request, pk, article):
        contract = access.contract_for(request.user, pk)
        access.require_writer(request.user, contract.organization_id)
        serializer = AcceptanceRowWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        row = acceptance_services.row_record(
            user=request.user,
            contract=contract,
            article=article,
            result=data["result"],
            evidence=data.get("evidence"),
            evidence_file=data.get("evidence_file"),
        )
        return Response(AcceptanceRowSerializer(row).data)


class AcceptanceEvidenceView(GenericAPIView):
    """The row's evidence file, as an attachment, to every member of the contract's organisation."""

    queryset = AcceptanceRow.objects.none()

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk, article):
        contract = access.contract_for(request.user, pk)
        row = AcceptanceRow.objects.filter(plan__contract=contract, article=article).first()
        if row is None or not row.evidence_file:
            raise Http404
        response = FileResponse(
            row.evidence_file.open("rb"),
            as_attachment=True,
            filename=row.evidence_file_name or "evidence",
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class AcceptanceDecisionView(GenericAPIView):
    serializer_class = AcceptanceDecisionSerializer
    queryset = AcceptancePlan.objects.none()

    @extend_schema(responses={200: dict, 409: dict})
    def put(self, request, pk):
        contract = access.contract_for(request.user, pk)
        access.require_writer(request.user, contract.organization_id)
        serializer = AcceptanceDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        acceptance_services.decision_record(user=request.user, contract=contract, **serializer.validated_data)
        return _plan_response(request, contract)


class AcceptanceProbeView(GenericAPIView):
    serializer_class = AcceptanceProbeRequestSerializer
    queryset = AcceptanceProbe.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: AcceptanceProbeSerializer})
    def get(self, request, pk):
        """The latest probe, or `?id=` one of the contract's probes (the one a row links to)."""
        contract = access.contract_for(request.user, pk)
        probe_id = request.query_params.get("id")
        if probe_id is not None:
            probe = (
                AcceptanceProbe.objects.filter(contract=contract, pk=probe_id).first() if probe_id.isdigit() else None
            )
        else:
            probe = acceptance_selectors.latest_probe(contract)
        if probe is None:
            raise Http404
        return Response(AcceptanceProbeSerializer(probe).data)

    @extend_schema(responses={202: AcceptanceProbeSerializer})
    def post(self, request, pk):
        contract = access.contract_for(request.user, pk)
        access.require_writer(request.user, contract.organization_id)
        serializer = AcceptanceProbeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        probe = acceptance_services.probe_request(
            user=request.user,
            contract=contract,
            files={key: data.get(key) for key in ("capability_statement", "smart_configuration")},
            mode=data.get("mode") or "static",
            fhir_base_url=data.get("fhir_base_url") or "",
            sandbox=data.get("sandbox") or None,
        )
        return Response(AcceptanceProbeSerializer(probe).data, status=status.HTTP_202_ACCEPTED)


class AcceptanceEventSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = AcceptanceEvent
        fields = ["at", "user", "action", "article", "old", "new"]
        read_only_fields = fields

    def get_user(self, event) -> str | None:
        return _username(event.user)


class AcceptanceAuditView(GenericAPIView):
    """The plan's audit trail, newest first: every result, probe filling and decision with who and when."""

    serializer_class = AcceptanceEventSerializer
    queryset = AcceptanceEvent.objects.none()

    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        page = self.paginate_queryset(acceptance_selectors.events_of(contract))
        return self.get_paginated_response(AcceptanceEventSerializer(page, many=True).data)


class ContractDocumentRequestSerializer(serializers.Serializer):
    kind = serializers.CharField()
    format = serializers.CharField()


class ContractDocumentsView(GenericAPIView):
    serializer_class = ContractDocumentRequestSerializer
    queryset = Contract.objects.none()

    @extend_schema(responses={200: DocumentSerializer(many=True)})
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        page = self.paginate_queryset(document_selectors.contract_documents(request.user, contract))
        return self.get_paginated_response(DocumentSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses={202: dict, 503: dict})
    def post(self, request, pk):
        contract = access.contract_for(request.user, pk)
        access.require_writer(request.user, contract.organization_id)
        serializer = ContractDocumentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            document = documents.contract_document_request(
                user=request.user, contract=contract, **serializer.validated_data
            )
        except BrokerUnavailable as exc:
            return broker_down_response(exc.document)
        return Response({"id": document.pk, "status": document.status}, status=status.HTTP_202_ACCEPTED)

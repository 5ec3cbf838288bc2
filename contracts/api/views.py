"""Contracts and public data (API.md): access → serializer → service → serialise."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from organizations.errors import ConflictError

from .. import access, selectors, services
from ..models import Contract
from ..ocds_check import ocds_problems
from .serializers import (
    ContractCreateSerializer,
    ContractSerializer,
    ModificationSerializer,
    SubcontractingActSerializer,
)


def _with_lists(contract):
    """The contract again with its modifications prefetched (the serializer lists them)."""
    return Contract.objects.prefetch_related("modifications").get(pk=contract.pk)


class TenderContractsView(GenericAPIView):
    serializer_class = ContractSerializer
    queryset = Contract.objects.none()  # for the schema only: the view reads through selectors

    @extend_schema(responses=ContractSerializer(many=True))
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        page = self.paginate_queryset(selectors.contracts_of_tender(tender))
        return self.get_paginated_response(ContractSerializer(page, many=True).data)

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractSerializer})
    def post(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        access.require_writer(request.user, tender.organization_id)
        serializer = ContractCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_create(user=request.user, tender=tender, data=serializer.validated_data)
        return Response(ContractSerializer(_with_lists(contract)).data, status=status.HTTP_201_CREATED)


class ContractDetailView(GenericAPIView):
    serializer_class = ContractSerializer
    queryset = Contract.objects.none()

    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        return Response(ContractSerializer(_with_lists(contract)).data)


class ContractModificationsView(GenericAPIView):
    serializer_class = ModificationSerializer
    queryset = Contract.objects.none()

    @extend_schema(responses={201: ModificationSerializer})
    def post(self, request, pk):
        contract = access.contract_for(request.user, pk)
        access.require_writer(request.user, contract.organization_id)
        serializer = ModificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        modification = services.modification_add(user=request.user, contract=contract, data=serializer.validated_data)
        return Response(ModificationSerializer(modification).data, status=status.HTTP_201_CREATED)


class ContractSubcontractingView(GenericAPIView):
    serializer_class = SubcontractingActSerializer
    queryset = Contract.objects.none()

    @extend_schema(responses=SubcontractingActSerializer(many=True))
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        return Response(SubcontractingActSerializer(selectors.acts_of(contract), many=True).data)

    @extend_schema(responses={201: SubcontractingActSerializer})
    def post(self, request, pk):
        contract = access.contract_for(request.user, pk)
        access.require_writer(request.user, contract.organization_id)
        serializer = SubcontractingActSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        act = services.act_add(user=request.user, contract=contract, data=serializer.validated_data)
        return Response(SubcontractingActSerializer(act).data, status=status.HTTP_201_CREATED)


class ContractDecpView(GenericAPIView):
    queryset = Contract.objects.none()

    @extend_schema(responses={200: dict, 409: dict})
    def get(self, request, pk):
        contract = access.contract_for(request.user, pk)
        return Response(services.decp_export(contract))


class TenderOcdsView(GenericAPIView):
    queryset = Contract.objects.none()

    @extend_schema(responses={200: dict, 409: dict})
    def get(self, request, tender_id):
        tender = access.tender_for(request.user, tender_id)
        uri = selectors.site_url(reverse("api-tender-ocds", args=[tender.pk]))
        package = selectors.ocds_package(tender, uri=uri)
        problems = ocds_problems(package)
        if problems:
            raise ConflictError({"detail": ["Le paquet OCDS n'est pas conforme au schéma 1.1."], "errors": problems})
        return Response(package)

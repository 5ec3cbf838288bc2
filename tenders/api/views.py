"""Thin API views: check who may do what, validate, call a service, serialise."""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from clause_library.selectors import clauses_visible_to
from documents import selectors as document_selectors
from documents.models import Document
from documents.services import document_download_response
from organizations.access import organization_ids

from .. import access, selectors, services
from .. import lots as lot_services
from ..models import Lot, Tender
from .serializers import (
    DocumentQueuedSerializer,
    DocumentRequestSerializer,
    DocumentSerializer,
    LotReorderSerializer,
    LotSerializer,
    LotUpdateSerializer,
    TenderClauseCreateSerializer,
    TenderClauseSerializer,
    TenderClauseUpdateSerializer,
    TenderSerializer,
    TenderUpdateSerializer,
)

BROKER_DOWN = inline_serializer(
    "BrokerDown",
    {"detail": serializers.CharField(), "id": serializers.IntegerField(), "status": serializers.CharField()},
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=[value for value, _label in Tender.Status.choices]),
            OpenApiParameter("organization", int),
        ]
    )
)
class TenderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Tenders of the caller's organisations. Buyers and admins write; every member reads."""

    http_method_names = ["get", "post", "patch", "delete"]
    filter_backends = []

    def get_queryset(self):
        queryset = selectors.tenders_for_list(self.request.user)
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if params.get("status"):
            if params["status"] not in Tender.Status.values:
                raise ValidationError({"status": [_("Statut inconnu.")]})
            queryset = queryset.filter(status=params["status"])
        if params.get("organization"):
            if not params["organization"].isdigit():
                raise ValidationError({"organization": [_("Identifiant d'organisation attendu (entier).")]})
            queryset = queryset.filter(organization_id=int(params["organization"]))
        return queryset

    def get_serializer_class(self):
        if self.action == "partial_update":
            return TenderUpdateSerializer
        return TenderSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        organization = data.pop("organization")
        if organization.pk not in organization_ids(self.request.user):
            raise ValidationError({"organization": [_("Organisation inconnue.")]})
        serializer.instance = services.tender_create(user=self.request.user, organization=organization, **data)

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = services.tender_update(
            user=self.request.user, tender=serializer.instance, changes=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.tender_delete(user=self.request.user, tender=instance)

    @extend_schema(request=None, responses={200: TenderSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        tender = services.tender_publish(user=request.user, tender=self.get_object())
        return Response(TenderSerializer(tender, context={"request": request}).data)

    @extend_schema(request=DocumentRequestSerializer, responses={202: DocumentQueuedSerializer, 503: BROKER_DOWN})
    @action(detail=True, methods=["post"], url_path="documents")
    def documents(self, request, pk=None):
        tender = self.get_object()
        serializer = DocumentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            document = services.document_request(user=request.user, tender=tender, **serializer.validated_data)
        except services.BrokerUnavailable as exc:
            return broker_down_response(exc.document)
        return Response({"id": document.pk, "status": document.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: DocumentSerializer(many=True)})
    @documents.mapping.get
    def document_list(self, request, pk=None):
        tender = self.get_object()
        page = self.paginate_queryset(document_selectors.tender_documents(request.user, tender))
        return self.get_paginated_response(DocumentSerializer(page, many=True, context={"request": request}).data)


class TenderClauseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """`/tenders/{tender}/clauses/`: the clauses a tender took, in order, with their filled text."""

    serializer_class = TenderClauseSerializer
    http_method_names = ["get", "post", "patch", "delete"]
    filter_backends = []

    def get_tender(self):
        if not hasattr(self, "_tender"):
            self._tender = access.tender_for(self.request.user, self.kwargs["tender_pk"])
        return self._tender

    def get_queryset(self):
        return selectors.tender_clauses(self.get_tender()).prefetch_related("lots")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "tender_pk" in self.kwargs:
            context["tender"] = self.get_tender()
        return context

    def get_serializer_class(self):
        return {"create": TenderClauseCreateSerializer, "partial_update": TenderClauseUpdateSerializer}.get(
            self.action, TenderClauseSerializer
        )

    def _out(self, tender_clause, code=status.HTTP_200_OK):
        tender_clause = self.get_queryset().get(pk=tender_clause.pk)
        return Response(TenderClauseSerializer(tender_clause, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=TenderClauseCreateSerializer, responses={201: TenderClauseSerializer})
    def create(self, request, *args, **kwargs):
        tender = self.get_tender()
        serializer = TenderClauseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        clause = clauses_visible_to(request.user).filter(pk=data["clause"]).first()
        if clause is None:
            raise ValidationError({"clause": [_("Clause inconnue.")]})
        with transaction.atomic():  # the clause and its lots, or nothing
            tender_clause = services.tender_clause_add(
                user=request.user,
                tender=tender,
                clause=clause,
                parameters=data.get("parameters") or {},
                position=data.get("position"),
            )
            if data.get("lots"):
                lot_services.tender_clause_lots_set(user=request.user, tender_clause=tender_clause, lots=data["lots"])
        return self._out(tender_clause, status.HTTP_201_CREATED)

    @extend_schema(request=TenderClauseUpdateSerializer, responses={200: TenderClauseSerializer})
    def partial_update(self, request, *args, **kwargs):
        tender_clause = self.get_object()
        serializer = TenderClauseUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        lots = data.pop("lots", None)
        with transaction.atomic():  # values, position and lots, or nothing
            tender_clause = services.tender_clause_update(user=request.user, tender_clause=tender_clause, **data)
            if lots is not None:
                lot_services.tender_clause_lots_set(user=request.user, tender_clause=tender_clause, lots=lots)
        return self._out(tender_clause)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.tender_clause_remove(user=self.request.user, tender_clause=instance)


class LotViewSet(viewsets.GenericViewSet):
    """`/tenders/{tender}/lots/` and `/lots/{id}/`: the lots of a tender (L2113-10). Buyers and admins of the
    tender's organisation write while it is a draft; every member reads; other organisations get 404."""

    serializer_class = LotSerializer
    filter_backends = []

    def get_tender(self):
        return access.tender_for(self.request.user, self.kwargs["tender_pk"])

    def get_queryset(self):
        tenders = access.visible_tenders(self.request.user)
        return Lot.objects.filter(tender__in=tenders).select_related("tender").order_by("number", "id")

    def list(self, request, tender_pk=None):
        tender = self.get_tender()
        page = self.paginate_queryset(Lot.objects.filter(tender_id=tender.pk).order_by("number", "id"))
        return self.get_paginated_response(LotSerializer(page, many=True).data)

    def create(self, request, tender_pk=None):
        tender = self.get_tender()
        serializer = LotSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lot = lot_services.lot_create(user=request.user, tender=tender, **serializer.validated_data)
        return Response(LotSerializer(lot).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LotReorderSerializer, responses={200: LotSerializer(many=True)})
    def reorder(self, request, tender_pk=None):
        tender = self.get_tender()
        serializer = LotReorderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lots = lot_services.lots_reorder(user=request.user, tender=tender, order=serializer.validated_data["order"])
        return Response(LotSerializer(lots, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(LotSerializer(self.get_object()).data)

    @extend_schema(request=LotUpdateSerializer, responses={200: LotSerializer})
    def partial_update(self, request, pk=None):
        lot = self.get_object()
        serializer = LotUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        lot = lot_services.lot_update(user=request.user, lot=lot, changes=dict(serializer.validated_data))
        return Response(LotSerializer(lot).data)

    def destroy(self, request, pk=None):
        lot_services.lot_delete(user=request.user, lot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def broker_down_response(document):
    return Response(
        {
            "detail": _(
                "Le service de génération des documents est momentanément injoignable. Votre demande est "
                "enregistrée (document n° %(id)s) et pourra être relancée ; réessayez dans quelques minutes."
            )
            % {"id": document.pk},
            "id": document.pk,
            "status": document.status,
        },
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "60"},
    )


class DocumentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A generated document's state (poll it) and its file once done."""

    serializer_class = DocumentSerializer
    filter_backends = []

    def get_queryset(self):
        return document_selectors.documents_visible_to(self.request.user)

    def get_object(self):
        # A kind the user may not read (an evaluation report before the results are open…) is missing.
        return document_selectors.readable_document(self.request.user, super().get_object())

    @extend_schema(request=None, responses={202: DocumentQueuedSerializer, 503: BROKER_DOWN})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Queue again a failed document, or one the broker never received."""
        try:
            document = services.document_retry(user=request.user, document=self.get_object())
        except services.BrokerUnavailable as exc:
            return broker_down_response(exc.document)
        return Response({"id": document.pk, "status": document.status}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        if document.status != Document.Status.DONE or not document.file:
            raise Http404(_("Ce document n'est pas encore prêt."))
        # A stale document still downloads: it is what was issued then.
        return document_download_response(document)

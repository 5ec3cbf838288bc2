import json

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from organizations.access import organization_ids

from .. import access, selectors, services
from ..models import Clause
from .serializers import (
    ClauseSerializer,
    ClauseVersionSerializer,
    ForkSerializer,
    GuidanceSerializer,
    ImportSerializer,
    LibrarySerializer,
    LibraryUpdateSerializer,
    PullSerializer,
    UpdateSerializer,
)


def check_member(user, organization):
    """An organisation the caller does not belong to is reported as unknown, not forbidden."""
    if organization.pk not in organization_ids(user):
        raise ValidationError({"organization": [_("Organisation inconnue.")]})


@extend_schema_view(update=extend_schema(exclude=True))  # PUT on a library is a 405: keep it out of the schema
class LibraryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    # PUT only for the guidance action: a library itself changes with PATCH.
    http_method_names = ["get", "post", "put", "patch", "delete"]

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return Response({"detail": _("Utilisez PATCH pour modifier une bibliothèque.")}, status=405)
        return super().update(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.libraries_for_list(self.request.user)

    def get_serializer_class(self):
        if self.action == "partial_update":
            return LibraryUpdateSerializer
        return {
            "import_file": ImportSerializer,
            "fork": ForkSerializer,
            "pull": PullSerializer,
            "updates": UpdateSerializer,
        }.get(self.action, LibrarySerializer)

    def perform_create(self, serializer):
        data = serializer.validated_data
        check_member(self.request.user, data["organization"])
        library = services.library_create(
            user=self.request.user,
            organization=data["organization"],
            name=data["name"],
            description=data.get("description", ""),
            language=data.get("language", "fr"),
            visibility=data.get("visibility", "private"),
            shared_with=data.get("shared_with", []),
        )
        serializer.instance = self.get_queryset().get(pk=library.pk)

    def perform_update(self, serializer):
        services.library_update(
            user=self.request.user, library=serializer.instance, changes=dict(serializer.validated_data)
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.library_delete(user=self.request.user, library=instance)

    @extend_schema(responses={(200, "application/json"): dict})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        library = self.get_object()
        content = json.dumps(services.library_export(library), ensure_ascii=False, indent=2)
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="library-{library.pk}.json"'
        return response

    @extend_schema(request=ImportSerializer, responses={201: LibrarySerializer})
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = serializer.validated_data["organization"]
        check_member(request.user, organization)
        library = services.library_import(
            user=request.user, organization=organization, data=serializer.validated_data["file"]
        )
        return Response(LibrarySerializer(self.get_queryset().get(pk=library.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ForkSerializer, responses={201: LibrarySerializer})
    @action(detail=True, methods=["post"])
    def fork(self, request, pk=None):
        library = self.get_object()
        serializer = ForkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = serializer.validated_data["organization"]
        check_member(request.user, organization)
        fork = services.library_fork(
            user=request.user, library=library, organization=organization, name=serializer.validated_data.get("name")
        )
        return Response(LibrarySerializer(self.get_queryset().get(pk=fork.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GuidanceSerializer, responses={200: GuidanceSerializer})
    @action(detail=True, methods=["get", "put"])
    def guidance(self, request, pk=None):
        """Coverage topics and recommended clause sets of the library (curators edit them with PUT)."""
        library = self.get_object()
        if request.method == "PUT":
            access.require_library_editor(request.user, library)  # before the body is judged: 403, not 400
            serializer = GuidanceSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.library_guidance_update(user=request.user, library=library, **serializer.validated_data)
        exported = services.library_export(library)
        return Response({"topics": exported["topics"], "sets": exported["sets"]})

    @extend_schema(responses={200: UpdateSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def updates(self, request, pk=None):
        library = self.get_object()
        rows = [
            {
                "id": clause.pk,
                "key": clause.key,
                "title": clause.origin.current.title,
                "local_version": clause.current.number,
                "based_on": clause.based_on,
                "upstream_version": clause.origin.current.number,
                "upstream_clause": clause.origin_id,
            }
            for clause in selectors.library_updates(library)
        ]
        return Response({"count": len(rows), "results": rows})

    @extend_schema(request=PullSerializer, responses={200: ClauseSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def pull(self, request, pk=None):
        library = self.get_object()
        access.require_library_editor(request.user, library)  # before the body is judged: 403, not 400
        serializer = PullSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        clauses = services.library_pull(
            user=request.user, library=library, clause_ids=serializer.validated_data["clauses"]
        )
        fresh = Clause.objects.select_related("current").filter(pk__in=[c.pk for c in clauses]).order_by("key")
        return Response({"pulled": ClauseSerializer(fresh, many=True).data})


@extend_schema(
    parameters=[
        OpenApiParameter("library", int),
        OpenApiParameter("category", str),
        OpenApiParameter("requirement", str),
        OpenApiParameter("q", str, description="full-text search"),
        OpenApiParameter("tag", str),
    ]
)
class ClauseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ClauseSerializer
    http_method_names = ["get", "post", "patch", "delete"]
    filter_backends = []

    def get_queryset(self):
        params = self.request.query_params
        library = params.get("library")
        if library is not None and not library.isdigit():
            raise ValidationError({"library": [_("Identifiant de bibliothèque attendu (entier).")]})
        if self.action != "list":
            return selectors.clauses_visible_to(self.request.user)
        for name in ("category", "requirement", "q", "tag"):
            if "\x00" in params.get(name, ""):  # PostgreSQL text cannot hold it (a 500 found by schemathesis)
                raise ValidationError({name: [_("Caractère nul interdit.")]})
        return selectors.clauses_filtered(
            self.request.user,
            library=library,
            category=params.get("category"),
            requirement=params.get("requirement"),
            q=params.get("q"),
            tag=params.get("tag"),
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        library = data.pop("library")
        if not selectors.libraries_visible_to(self.request.user).filter(pk=library.pk).exists():
            raise ValidationError({"library": [_("Bibliothèque inconnue.")]})
        access.require_library_editor(self.request.user, library)
        key = data.pop("key")
        serializer.instance = services.clause_create(user=self.request.user, library=library, key=key, content=data)

    def perform_update(self, serializer):
        clause = serializer.instance
        access.require_library_editor(self.request.user, clause.library)  # before "a clause keeps its library"
        data = dict(serializer.validated_data)
        if "library" in data and data.pop("library").pk != clause.library_id:
            raise ValidationError({"library": [_("Une clause ne change pas de bibliothèque.")]})
        key = data.pop("key", None)
        services.clause_update(user=self.request.user, clause=clause, changes=data, key=key)
        serializer.instance = self.get_queryset().get(pk=clause.pk)

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        with transaction.atomic():
            return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        access.require_library_editor(self.request.user, instance.library)
        services.clause_delete(user=self.request.user, clause=instance)

    @extend_schema(responses={200: ClauseVersionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        clause = self.get_object()
        versions = clause.versions.select_related("author").order_by("number")
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(ClauseVersionSerializer(page, many=True).data)

    @extend_schema(responses={200: ClauseVersionSerializer})
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>\d+)")
    def version(self, request, pk=None, number=None):
        clause = self.get_object()
        version = get_object_or_404(clause.versions.select_related("author"), number=number)
        return Response(ClauseVersionSerializer(version).data)

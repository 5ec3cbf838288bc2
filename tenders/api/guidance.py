from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import access, guidance


class SetApplySerializer(serializers.Serializer):
    library = serializers.IntegerField()
    set = serializers.SlugField(max_length=100)


TopicSerializer = inline_serializer(
    "CompletenessTopic",
    {
        "key": serializers.CharField(),
        "title": serializers.CharField(),
        "description": serializers.CharField(),
        "covered": serializers.BooleanField(),
        "tender_clauses": serializers.ListField(child=serializers.IntegerField()),
        "recommended_clause": serializers.IntegerField(allow_null=True),
        "recommended_clause_in_tender": serializers.BooleanField(),
    },
    many=True,
)


class CompletenessView(APIView):
    """What a strong interoperability annex covers, ticked for this tender."""

    @extend_schema(
        parameters=[OpenApiParameter("library", int, description="library whose topics are used")],
        responses=inline_serializer(
            "Completeness",
            {
                "library": serializers.IntegerField(allow_null=True),
                "covered": serializers.IntegerField(),
                "total": serializers.IntegerField(),
                "topics": TopicSerializer,
            },
        ),
    )
    def get(self, request, tender_pk):
        tender = access.tender_for(request.user, tender_pk)
        library = request.query_params.get("library")
        if library is not None and not library.isdigit():
            raise ValidationError({"library": [_("Identifiant de bibliothèque attendu (entier).")]})
        return Response(guidance.tender_completeness(request.user, tender, int(library) if library else None))


class SetApplyView(APIView):
    """Add a recommended set of clauses to a draft tender."""

    @extend_schema(
        request=SetApplySerializer,
        responses={
            201: inline_serializer("SetApplied", {"added": serializers.ListField(child=serializers.IntegerField())})
        },
    )
    def post(self, request, tender_pk):
        tender = access.tender_for(request.user, tender_pk)
        serializer = SetApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = guidance.tender_set_apply(
            user=request.user,
            tender=tender,
            library_id=serializer.validated_data["library"],
            set_key=serializer.validated_data["set"],
        )
        return Response({"added": [tc.pk for tc in added]}, status=status.HTTP_201_CREATED)

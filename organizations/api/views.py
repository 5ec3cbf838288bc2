from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import tokens
from ..client_ip import AuthThrottle
from ..models import Membership


class MeView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "organizations": inline_serializer(
                    "MyOrganization",
                    {
                        "id": serializers.IntegerField(),
                        "name": serializers.CharField(),
                        "kind": serializers.CharField(),
                        "role": serializers.CharField(),
                    },
                    many=True,
                ),
            },
        )
    )
    def get(self, request):
        memberships = (
            Membership.objects.filter(user=request.user).select_related("organization").order_by("organization__name")
        )
        return Response(
            {
                "username": request.user.get_username(),
                "organizations": [
                    {"id": m.organization_id, "name": m.organization.name, "kind": m.organization.kind, "role": m.role}
                    for m in memberships
                ],
            }
        )


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)


class TokenView(APIView):
    """Exchange credentials for an API token. Failures count towards the lockout (django-axes)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenRequestSerializer,
        responses=inline_serializer(
            "Token", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
        ),
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(request=django_request, **serializer.validated_data)
        if getattr(django_request, "axes_locked_out", False):
            return Response(
                {"detail": _("Trop d'échecs de connexion : compte verrouillé temporairement. Réessayez plus tard.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": [_("Identifiant ou mot de passe incorrect.")]}, status=status.HTTP_400_BAD_REQUEST
            )
        token, key = tokens.issue(user)
        return Response({"token": key, "expires_at": token.expires_at})

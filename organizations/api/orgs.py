"""Organisations run themselves: members, invitations, member hospitals, audit list, own API tokens."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import ApiToken, AuditEntry, Invitation, Membership, Organization, Role

User = get_user_model()


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.SerializerMethodField()
    # An account may have no e-mail address (""): a plain string in the schema, not `format: email`
    # (schemathesis found the response violating it).
    email = serializers.CharField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "full_name", "email", "role"]

    def get_full_name(self, membership) -> str:
        return membership.user.get_full_name()


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    # queued / sent / retrying / failed: the worker sends the e-mail and retries by itself (issue 28).
    send_state = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "expires_at", "send_state"]
        read_only_fields = ["id", "expires_at", "send_state"]


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind"]


class MemberOrganizationRequestSerializer(serializers.Serializer):
    organization = serializers.IntegerField()


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name")

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor", "action", "target", "details"]


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created_at", "expires_at", "last_used_at", "current"]

    def get_current(self, token) -> bool:
        return token == getattr(self.context["request"], "auth", None)


class _AdminMixin:
    def organization(self):
        return services.organization_for_admin(self.request.user, self.kwargs["org_id"])


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "siret"]
        read_only_fields = ["id", "name", "kind"]


class OrganizationDetailView(APIView):
    """The organisation (its members read it); its admins set `siret`, its identity as a buyer (DECP)."""

    @extend_schema(responses=OrganizationSerializer)
    def get(self, request, org_id):
        return Response(OrganizationSerializer(services.organization_for(request.user, org_id)).data)

    @extend_schema(request=OrganizationSerializer, responses=OrganizationSerializer)
    def patch(self, request, org_id):
        organization = services.organization_for_admin(request.user, org_id)
        serializer = OrganizationSerializer(organization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "siret" in serializer.validated_data:
            services.organization_set_siret(
                user=request.user, organization=organization, siret=serializer.validated_data["siret"]
            )
        return Response(OrganizationSerializer(organization).data)


class MemberListView(_AdminMixin, ListAPIView):
    """The organisation's members (admins only)."""

    serializer_class = MemberSerializer
    queryset = Membership.objects.none()  # for the schema; get_queryset() decides

    def get_queryset(self):
        return services.members_of(self.organization())


class MemberDetailView(_AdminMixin, APIView):
    @extend_schema(request=RoleSerializer, responses=MemberSerializer)
    def patch(self, request, org_id, username):
        organization = self.organization()
        serializer = RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.member_set_role(
            user=request.user, organization=organization, username=username, role=serializer.validated_data["role"]
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request, org_id, username):
        services.member_remove(user=request.user, organization=self.organization(), username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListView(_AdminMixin, ListAPIView):
    """Pending invitations; POST invites by e-mail (the link is valid 7 days)."""

    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()  # for the schema; get_queryset() decides

    def get_queryset(self):
        return services.pending_invitations(self.organization()).order_by("-created_at", "-id")

    @extend_schema(request=InvitationSerializer, responses={201: InvitationSerializer})
    def post(self, request, org_id):
        organization = self.organization()
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            user=request.user, organization=organization, **serializer.validated_data
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailView(_AdminMixin, APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, org_id, invitation_id):
        invitation = services.invitation_for(self.organization(), invitation_id)
        services.invitation_revoke(user=request.user, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationResendView(_AdminMixin, APIView):
    @extend_schema(request=None, responses=InvitationSerializer)
    def post(self, request, org_id, invitation_id):
        invitation = services.invitation_for(self.organization(), invitation_id)
        services.invitation_resend(user=request.user, invitation=invitation)
        return Response(InvitationSerializer(invitation).data)


class MemberOrganizationListView(ListAPIView):
    """A purchasing group's member hospitals (read by any member of the group); POST adds one (its admins)."""

    serializer_class = OrganizationRefSerializer
    queryset = Organization.objects.none()  # for the schema; get_queryset() decides

    def group(self):
        return services.group_for_admin(self.request.user, self.kwargs["org_id"])

    def get_queryset(self):
        return services.member_organizations(services.group_for_member(self.request.user, self.kwargs["org_id"]))

    @extend_schema(request=MemberOrganizationRequestSerializer, responses={201: OrganizationRefSerializer})
    def post(self, request, org_id):
        group = self.group()
        serializer = MemberOrganizationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_organization_add(
            user=request.user, group=group, organization_id=serializer.validated_data["organization"]
        )
        return Response(OrganizationRefSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberOrganizationDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, org_id, member_id):
        group = services.group_for_admin(request.user, org_id)
        services.member_organization_remove(user=request.user, group=group, organization_id=member_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditListView(_AdminMixin, ListAPIView):
    """Admin actions in the organisation, newest first (admins only)."""

    serializer_class = AuditEntrySerializer
    queryset = AuditEntry.objects.none()  # for the schema; get_queryset() decides

    def get_queryset(self):
        return AuditEntry.objects.filter(organization=self.organization())


class TokenListView(ListAPIView):
    """The caller's own API tokens (never their keys)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; get_queryset() decides

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)


class TokenDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, token_id):
        services.token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    """Revoke the token this request carries (and end the session, if any)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        from django.contrib.auth import logout

        if isinstance(request.auth, ApiToken):
            request.auth.delete()
        if request.user.is_authenticated and request._request.session.get("_auth_user_id"):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)

from django.urls import path

from . import orgs
from .views import MeView, TokenView

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/tokens/", orgs.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<int:token_id>/", orgs.TokenDetailView.as_view(), name="api-token-detail"),
    path("auth/logout/", orgs.LogoutView.as_view(), name="api-logout"),
    path("organizations/<int:org_id>/", orgs.OrganizationDetailView.as_view(), name="api-organization"),
    path("organizations/<int:org_id>/members/", orgs.MemberListView.as_view(), name="api-members"),
    path("organizations/<int:org_id>/members/<str:username>/", orgs.MemberDetailView.as_view(), name="api-member"),
    path("organizations/<int:org_id>/invitations/", orgs.InvitationListView.as_view(), name="api-invitations"),
    path(
        "organizations/<int:org_id>/invitations/<int:invitation_id>/",
        orgs.InvitationDetailView.as_view(),
        name="api-invitation",
    ),
    path(
        "organizations/<int:org_id>/invitations/<int:invitation_id>/resend/",
        orgs.InvitationResendView.as_view(),
        name="api-invitation-resend",
    ),
    path(
        "organizations/<int:org_id>/members-organizations/",
        orgs.MemberOrganizationListView.as_view(),
        name="api-member-organizations",
    ),
    path(
        "organizations/<int:org_id>/members-organizations/<int:member_id>/",
        orgs.MemberOrganizationDetailView.as_view(),
        name="api-member-organization",
    ),
    path("organizations/<int:org_id>/audit/", orgs.AuditListView.as_view(), name="api-org-audit"),
]

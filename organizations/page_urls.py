"""Pages for an organisation's admins, under /organizations/."""

from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.organization_list, name="organization_list"),
    path("<int:org_id>/", views.organization_detail, name="organization_detail"),
    path("<int:org_id>/siret/", views.organization_siret, name="organization_siret"),
    path("<int:org_id>/members/<str:username>/role/", views.member_role, name="member_role"),
    path("<int:org_id>/members/<str:username>/remove/", views.member_remove, name="member_remove"),
    path("<int:org_id>/invitations/", views.invitation_create, name="invitation_create"),
    path("<int:org_id>/invitations/<int:invitation_id>/resend/", views.invitation_resend, name="invitation_resend"),
    path("<int:org_id>/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("<int:org_id>/members-organizations/", views.member_organization_add, name="member_organization_add"),
    path(
        "<int:org_id>/members-organizations/<int:member_id>/remove/",
        views.member_organization_remove,
        name="member_organization_remove",
    ),
    path("<int:org_id>/audit/", views.audit_list, name="audit_list"),
    path("<int:org_id>/settings/", views.organization_settings, name="organization_settings"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]

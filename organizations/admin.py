from django.contrib import admin

from .models import ApiToken, AuditEntry, Invitation, MemberOrganization, Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit list is written by the services, never edited."""

    list_display = ["created_at", "organization", "actor_name", "action", "target"]
    list_filter = ["action", "organization"]
    list_select_related = ["organization"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "organization"]
    list_select_related = ["organization"]
    exclude = ["token_digest"]
    readonly_fields = ["created_by", "sent_at", "accepted_at", "accepted_by"]

    def has_add_permission(self, request):
        return False  # invitations are sent from the organisation's page or the API (an e-mail goes out)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and deleted (revoked) here, never made or read in clear."""

    list_display = ["prefix", "user", "created_at", "expires_at", "last_used_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "prefix", "created_at", "expires_at", "last_used_at", "last_used_ip"]
    exclude = ["digest"]

    def has_add_permission(self, request):
        return False


@admin.register(MemberOrganization)
class MemberOrganizationAdmin(admin.ModelAdmin):
    list_display = ["group", "member", "added_at"]
    list_select_related = ["group", "member"]

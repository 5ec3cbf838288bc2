from django.contrib import admin

from .models import Contract, Modification, SubcontractingAct


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: contracts change through their page and the API (services check the order of notifications)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ModificationInline(admin.TabularInline):
    model = Modification
    extra = 0
    can_delete = False
    readonly_fields = ["number", "notified_on", "object", "amount", "duration_months", "data_published_on"]

    def has_add_permission(self, request, obj=None):
        return False


class SubcontractingActInline(admin.TabularInline):
    model = SubcontractingAct
    extra = 0
    can_delete = False
    readonly_fields = [
        "number",
        "subcontractor_name",
        "subcontractor_siret",
        "notified_on",
        "amount",
        "duration_months",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["uid", "organization", "tender", "holder_name", "amount", "notified_on"]
    list_select_related = ["organization", "tender"]
    search_fields = ["uid", "holder_name", "holder_siret", "tender__reference"]
    inlines = [ModificationInline, SubcontractingActInline]

from django.contrib import admin

from .models import Tender, TenderClause


class TenderClauseInline(admin.TabularInline):
    model = TenderClause
    extra = 0
    fields = ("position", "clause", "version", "parameters")
    raw_id_fields = ("clause", "version")


@admin.register(Tender)
class TenderAdmin(admin.ModelAdmin):
    list_display = ("reference", "title", "organization", "procedure", "status", "updated_at")
    list_filter = ("status", "procedure", "organization")
    search_fields = ("reference", "title")
    list_select_related = ("organization",)
    inlines = [TenderClauseInline]
    readonly_fields = ("created_at", "updated_at", "published_at", "created_by")

from django.contrib import admin

from .models import Document, Tender, TenderClause


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


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("id", "tender", "kind", "format", "status", "progress", "attempts", "created_at", "finished_at")
    list_filter = ("status", "kind", "format")
    list_select_related = ("tender",)
    readonly_fields = ("sha256", "size", "inputs_digest", "attempts", "created_at", "started_at", "finished_at")
    raw_id_fields = ("tender", "created_by")

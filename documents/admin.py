from django.contrib import admin

from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("id", "tender", "kind", "format", "status", "progress", "attempts", "created_at", "finished_at")
    list_filter = ("status", "kind", "format")
    list_select_related = ("tender",)
    readonly_fields = ("sha256", "size", "inputs_digest", "attempts", "created_at", "started_at", "finished_at")
    raw_id_fields = ("tender", "created_by")

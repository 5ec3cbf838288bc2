from django.contrib import admin

from .models import ProbeReport


@admin.register(ProbeReport)
class ProbeReportAdmin(admin.ModelAdmin):
    list_display = ("id", "bid", "status", "source", "fetched_at", "created_at")
    list_filter = ("status", "source")
    raw_id_fields = ("bid", "created_by")
    readonly_fields = ("documents", "results", "error", "created_at", "fetched_at", "finished_at")

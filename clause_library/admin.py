from django.contrib import admin

from .models import Clause, ClauseSet, ClauseVersion, CoverageTopic, Library


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "visibility", "origin", "updated_at"]
    list_filter = ["visibility", "organization"]
    list_select_related = ["organization", "origin"]
    search_fields = ["name"]
    filter_horizontal = ["shared_with"]


class ClauseVersionInline(admin.TabularInline):
    model = ClauseVersion
    fields = ["number", "title", "category", "requirement", "author", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = ["key", "library", "current", "origin", "based_on"]
    list_select_related = ["library", "current"]
    list_filter = ["library"]
    search_fields = ["key", "current__title"]
    raw_id_fields = ["current", "origin"]
    inlines = [ClauseVersionInline]


@admin.register(ClauseVersion)
class ClauseVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are immutable."""

    list_display = ["clause", "number", "title", "category", "requirement", "created_at"]
    list_select_related = ["clause"]
    list_filter = ["category", "requirement"]
    search_fields = ["title", "clause__key"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CoverageTopic)
class CoverageTopicAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "library", "recommended_clause", "position"]
    list_select_related = ["library"]
    list_filter = ["library"]


@admin.register(ClauseSet)
class ClauseSetAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "library", "software", "level", "position"]
    list_select_related = ["library"]
    list_filter = ["library", "software", "level"]

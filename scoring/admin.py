from django.contrib import admin

from .models import Answer, AuditEvent, Bid, Consensus, Criterion, EvaluationState, Evaluator, LowOfferReview, Score


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("name", "tender", "kind", "weight", "scale_max", "parent", "position")
    list_filter = ("kind",)
    list_select_related = ("tender", "parent")
    raw_id_fields = ("tender", "parent", "tender_clause")
    search_fields = ("name", "tender__reference")


@admin.register(Evaluator)
class EvaluatorAdmin(admin.ModelAdmin):
    list_display = ("user", "tender", "declared_at")
    list_select_related = ("user", "tender")
    raw_id_fields = ("tender", "user")


@admin.register(EvaluationState)
class EvaluationStateAdmin(admin.ModelAdmin):
    list_display = ("tender", "revealed_at", "technical_closed_at")
    raw_id_fields = ("tender", "revealed_by", "technical_closed_by")


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    list_display = ("vendor", "tender", "price", "submitted_at")
    list_select_related = ("tender",)
    raw_id_fields = ("tender",)
    search_fields = ("vendor", "tender__reference")


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("bid", "criterion", "compliant", "updated_at")
    list_select_related = ("bid", "criterion")
    raw_id_fields = ("bid", "criterion")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Scores, consensus and the audit trail change only through the services, which keep the trail."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("bid", "criterion", "evaluator", "value", "version", "updated_at")
    list_select_related = ("bid", "criterion", "evaluator")


@admin.register(Consensus)
class ConsensusAdmin(ReadOnlyAdmin):
    list_display = ("bid", "criterion", "value", "set_by", "updated_at")
    list_select_related = ("bid", "criterion", "set_by")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "tender", "user", "action", "object_type", "object_id", "field")
    list_filter = ("action",)
    list_select_related = ("tender", "user")


@admin.register(LowOfferReview)
class LowOfferReviewAdmin(ReadOnlyAdmin):
    """Decisions go through the results page or the API, which keep the audit trail."""

    list_display = ("bid", "decision", "requested_at", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("bid", "decided_by")

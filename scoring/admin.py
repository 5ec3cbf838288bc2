from django.contrib import admin

from .models import (
    Answer,
    AuditEvent,
    Bid,
    Consensus,
    Criterion,
    EliminatoryDecision,
    EvaluationState,
    Evaluator,
    LowOfferReview,
    Score,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evaluation objects change only through the services, which keep the audit trail (issue 18, finding 10).

    Criteria, evaluators, evaluation state, bids, answers, scores, consensus, eliminatory decisions, low-offer reviews and the
    audit trail itself are read-only here: an edit in the admin would bypass the trail and the freeze.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ("name", "tender", "kind", "weight", "scale_max", "parent", "position")
    list_filter = ("kind",)
    list_select_related = ("tender", "parent")
    raw_id_fields = ("tender", "parent", "tender_clause")
    search_fields = ("name", "tender__reference")


@admin.register(Evaluator)
class EvaluatorAdmin(ReadOnlyAdmin):
    list_display = ("user", "tender", "declared_at")
    list_select_related = ("user", "tender")
    raw_id_fields = ("tender", "user")


@admin.register(EvaluationState)
class EvaluationStateAdmin(ReadOnlyAdmin):
    list_display = ("tender", "revealed_at", "technical_closed_at", "reopened_at", "low_offer_threshold")


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ("vendor", "tender", "price", "submitted_at")
    list_select_related = ("tender",)
    search_fields = ("vendor", "tender__reference")


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ("bid", "criterion", "compliant", "updated_at")
    list_select_related = ("bid", "criterion")


@admin.register(EliminatoryDecision)
class EliminatoryDecisionAdmin(ReadOnlyAdmin):
    list_display = ("bid", "criterion", "decision", "qualification", "decided_by", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("bid", "criterion", "decided_by")


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

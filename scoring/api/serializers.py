from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import commitments, rules, selectors
from ..models import Answer, AuditEvent, Bid, Criterion, EliminatoryDecision, Evaluator
from ..money import MoneyError, parse_money


class CriterionSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True, required=False)
    tender_clause = serializers.IntegerField(source="tender_clause_id", allow_null=True, required=False)
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, required=False, coerce_to_string=False
    )
    scale_max = serializers.IntegerField(min_value=1, max_value=100, required=False)
    position = serializers.IntegerField(min_value=0, required=False)
    lot = serializers.IntegerField(
        source="lot_id", allow_null=True, required=False, help_text="the lot's criteria tree; null without lots"
    )

    class Meta:
        model = Criterion
        fields = ["id", "parent", "name", "kind", "weight", "scale_max", "tender_clause", "position", "lot"]


class FromClausesSerializer(serializers.Serializer):
    price_weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, default=40, coerce_to_string=False
    )
    replace = serializers.BooleanField(required=False, default=False)


class EvaluatorSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", max_length=150)
    declared_at = serializers.DateTimeField(read_only=True, allow_null=True)  # null until the declaration

    class Meta:
        model = Evaluator
        fields = ["id", "user", "declared_at"]


class DeclarationSerializer(serializers.Serializer):
    no_conflict = serializers.BooleanField()


class MoneyField(serializers.DecimalField):
    """A price as a number, or as people write it ("1 200 000,50 € HT": scoring/money.py)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = parse_money(data)
            except MoneyError as error:
                raise serializers.ValidationError(str(error))
        return super().to_internal_value(data)


SANDBOX_KEYS = ("fhir_base_url", "token_url", "client_id", "scope", "group_id")


def validate_sandbox(value):
    """The live probe's sandbox: https base and token URLs and a client id (scope and group id optional)."""
    if not value:
        return {}
    unknown = sorted(set(value) - set(SANDBOX_KEYS))
    if unknown:
        raise serializers.ValidationError(_("Clés inconnues : %(keys)s.") % {"keys": ", ".join(unknown)})
    for key in SANDBOX_KEYS:
        if key in value and not isinstance(value[key], str):
            raise serializers.ValidationError(_("%(key)s doit être un texte.") % {"key": key})
    for key in ("fhir_base_url", "token_url"):
        url = value.get(key, "")
        if not url.lower().startswith("https://") or len(url) > 500:
            raise serializers.ValidationError(_("%(key)s doit être une URL https.") % {"key": key})
    if not value.get("client_id", "").strip():
        raise serializers.ValidationError(_("client_id est requis."))
    return {key: value[key].strip() for key in SANDBOX_KEYS if key in value}


class BidSerializer(serializers.ModelSerializer):
    price = MoneyField(max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True)
    submitted_at = serializers.DateTimeField(required=False)
    fhir_base_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    sandbox = serializers.DictField(required=False)
    # Empty until an answer form gives it: plain text in the schema (an "email" format would refuse "").
    candidate_email = serializers.CharField(read_only=True)
    lot = serializers.IntegerField(
        source="lot_id", allow_null=True, required=False, help_text="required when the tender has lots"
    )

    class Meta:
        model = Bid
        # The candidate identity and the roadmap come from the imported answer form (scoring/questionnaire.py).
        answer_form_fields = [
            "candidate_name",
            "candidate_siret",
            "candidate_address",
            "candidate_email",
            "signatory_name",
            "signatory_role",
            "commitment_accepted",
            "roadmap",
            "answer_form_imported_at",
        ]
        fields = [
            "id",
            "tender",
            "vendor",
            "price",
            "price_source",
            "submitted_at",
            "fhir_base_url",
            "sandbox",
            "lot",
            *answer_form_fields,
        ]
        # price_source: "entered" (typed) or "price_schedule" (the total of the imported price schedule).
        read_only_fields = ["tender", "price_source", *answer_form_fields]

    def validate_fhir_base_url(self, value):
        if value and not value.lower().startswith("https://"):
            raise serializers.ValidationError(_("L'URL de base FHIR doit commencer par https://."))
        return value

    def validate_sandbox(self, value):
        return validate_sandbox(value)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Sealed price: the view says whether this reader may see it.
        if not self.context.get("sees_prices", True):
            data["price"] = None
        return data


class AnswerSerializer(serializers.ModelSerializer):
    criterion = serializers.IntegerField(source="criterion_id")
    text = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    compliant = serializers.BooleanField(allow_null=True, required=False, default=None)
    evidence = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    committed_values = serializers.DictField(required=False, default=None, allow_null=True)
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Answer
        fields = ["id", "bid", "criterion", "text", "compliant", "evidence", "committed_values", "flags", "updated_at"]
        read_only_fields = ["bid", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField([commitments.BELOW_REQUIREMENT])))
    def get_flags(self, answer):
        """`below_requirement`: a committed value less favourable than required (scoring/commitments.py).
        The view gives the tender in the context and joins the criterion's clause version (no query)."""
        tender = self.context.get("tender") or answer.bid.tender
        return commitments.flags(commitments.answer_shortfalls(answer, answer.criterion, tender.parameters))


class QuestionnaireSerializer(serializers.Serializer):
    file = serializers.FileField()


class ScoreInputSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
    comment = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    version = serializers.IntegerField(min_value=0, required=False, allow_null=True)


class ScoreSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="bid_id")
    criterion = serializers.IntegerField(source="criterion_id")
    evaluator = serializers.CharField(source="evaluator.username")
    value = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
    comment = serializers.CharField()
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class ConsensusInputSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
    justification = serializers.CharField(max_length=5000)
    version = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text="the version read; required to change a consensus"
    )


class ConsensusSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="bid_id")
    criterion = serializers.IntegerField(source="criterion_id")
    value = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
    justification = serializers.CharField()
    set_by = serializers.CharField(source="set_by.username", allow_null=True, default=None)
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class EliminatoryDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=EliminatoryDecision.Decision.values)
    qualification = serializers.ChoiceField(
        choices=EliminatoryDecision.Qualification.values, allow_null=True, required=False, default=None
    )
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    regularisation_requested_on = serializers.DateField(required=False, allow_null=True, default=None)
    regularisation_request = serializers.CharField(allow_blank=True, required=False, default=None, max_length=5000)
    regularisation_answer = serializers.CharField(allow_blank=True, required=False, default=None, max_length=5000)
    regularisation_outcome = serializers.CharField(allow_blank=True, required=False, default=None, max_length=5000)


class EliminatoryDecisionSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="bid_id")
    criterion = serializers.IntegerField(source="criterion_id")
    decision = serializers.CharField(allow_null=True, help_text="null: not decided yet")
    suggestion = serializers.SerializerMethodField(
        help_text="what the vendor's own answer (`compliant`) suggests: compliant, non_compliant or null; never decides"
    )
    qualification = serializers.SerializerMethodField()
    reason = serializers.CharField(
        allow_null=True, help_text="null, like `qualification`, on a non-compliant decision while prices are sealed"
    )
    regularisation_requested_on = serializers.DateField(allow_null=True)
    regularisation_request = serializers.CharField()
    regularisation_answer = serializers.CharField()
    regularisation_outcome = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)
    sent_on = serializers.DateField(allow_null=True)
    deadline = serializers.DateField(allow_null=True)
    received_on = serializers.DateField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_qualification(self, obj) -> str | None:
        return obj.qualification or None

    def validate_sandbox(self, value):
        return validate_sandbox(value)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Sealed price: "unacceptable" (L2152-3) says the price exceeds the budget; the view says whether
        # this reader may see prices (selectors.is_price_revealing: every non-compliant decision).
        if not self.context.get("sees_prices", True) and selectors.is_price_revealing(instance):
            data["qualification"] = data["reason"] = None
        return data

    def get_suggestion(self, obj) -> str | None:
        if hasattr(obj, "suggested_compliant"):
            compliant = obj.suggested_compliant
        else:
            compliant = (
                Answer.objects.filter(bid_id=obj.bid_id, criterion_id=obj.criterion_id)
                .values_list("compliant", flat=True)
                .first()
            )
        if compliant is None:
            return None
        return "compliant" if compliant else "non_compliant"


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class StateSerializer(serializers.Serializer):
    revealed_at = serializers.DateTimeField(allow_null=True)
    technical_closed_at = serializers.DateTimeField(allow_null=True)
    reopened_at = serializers.DateTimeField(allow_null=True, required=False)
    reopen_reason = serializers.CharField(required=False)


class ResultCriterionSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True)
    points = serializers.FloatField(allow_null=True)
    dispersion = serializers.BooleanField(help_text="evaluators disagree by 2 points or more on a 0–5 scale")


class ResultBidSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    vendor = serializers.CharField()
    eligible = serializers.BooleanField(allow_null=True, help_text="null while an eliminatory requirement is undecided")
    eliminated_by = serializers.ListField(child=serializers.IntegerField())
    undecided = serializers.ListField(
        child=serializers.IntegerField(), help_text="extension: eliminatory criteria not decided yet"
    )
    criteria = ResultCriterionSerializer(many=True)
    technical_points = serializers.FloatField()
    price_points = serializers.FloatField(allow_null=True)
    total = serializers.FloatField()
    rank = serializers.IntegerField(allow_null=True)
    abnormally_low = serializers.DictField(
        allow_null=True, help_text="extension: the bid's abnormally-low-offer flag and review, or null"
    )


class BlockingSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "eliminatory_undecided",
            "evaluator_pending",
            "consensus_required",
            "low_offer_pending",
            "technical_open",
            "reopened",
            "tie_for_first",
        ]
    )
    message = serializers.CharField()


class TieBreakSerializer(serializers.Serializer):
    bids = serializers.ListField(child=serializers.IntegerField())
    rule = serializers.ChoiceField(choices=["technical", "price"])
    retained = serializers.IntegerField()
    message = serializers.CharField()


class ResultsSerializer(serializers.Serializer):
    price_formula = serializers.ChoiceField(choices=["proportional", "linear", "range"])
    bids = ResultBidSerializer(many=True)
    provisional = serializers.BooleanField(
        help_text="true while anything in `blocking` keeps the results from being final"
    )
    blocking = BlockingSerializer(many=True)
    awardee = serializers.IntegerField(allow_null=True, help_text="the bid ranked first, null while provisional")
    tie_break = TieBreakSerializer(
        allow_null=True,
        help_text="extension: bids tied first on the total, settled by the tender's announced `tie_break` rule "
        "(ranks stay shared); null without such a tie",
    )


class AuditEventSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "user", "action", "object_type", "object_id", "field", "old", "new"]


# Abnormally low offers ----------------------------------------------------------------------------


def _iso(moment):
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def low_offer_as_dict(row: dict | None) -> dict | None:
    """A bid's abnormally-low-offer object (GET /tenders/{id}/low-offers/ and the results' `abnormally_low`)."""
    if row is None:
        return None
    review = row["review"]
    return {
        "bid": row["bid"],
        "vendor": row["vendor"],
        "price": rules.as_number(row["price"]),
        "flagged": row["flagged"],
        "threshold": rules.as_number(row["threshold"]),
        "mean_of_others": rules.as_number(rules.rounded(row["mean_of_others"], 2)),
        "gap_percent": rules.as_number(rules.rounded(row["gap_percent"], 2)),
        "decision": row["decision"],
        "review": None
        if review is None
        else {
            **review,
            "requested_at": _iso(review["requested_at"]),
            "decided_at": _iso(review["decided_at"]),
            "sent_on": _iso(review["sent_on"]),
            "deadline": _iso(review["deadline"]),
            "received_on": _iso(review["received_on"]),
        },
    }


class LowOfferThresholdSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, coerce_to_string=False
    )


class LowOfferRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)
    # The legal dates (API.md, "Evaluation (round 2)"): the request's sending date and the answer deadline.
    sent_on = serializers.DateField(required=False, allow_null=True, default=None)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class LowOfferDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["kept", "rejected"])
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    received_on = serializers.DateField(required=False, allow_null=True, default=None)


class LowOfferReviewSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="bid_id")
    decision = serializers.CharField()
    request_note = serializers.CharField()
    requested_at = serializers.DateTimeField(allow_null=True)
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True, default=None)
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)


# Simulation ---------------------------------------------------------------------------------------


class SimulatedBidSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=False)
    scores = serializers.DictField(
        child=serializers.CharField(max_length=20),
        required=False,
        default=dict,
        help_text='{"<criterion id>": level (0..scale_max) or "60%"}; a scored leaf left out scores 0',
    )


class SimulationInputSerializer(serializers.Serializer):
    bids = SimulatedBidSerializer(many=True, required=False, default=list, max_length=10)
    step = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=50,
        required=False,
        default=5,
        coerce_to_string=False,
    )


class MarketCheckRowSerializer(serializers.Serializer):
    """One eliminatory requirement of the tender against the organisation's earlier judged bids."""

    tender_clause = serializers.IntegerField()
    article = serializers.CharField()
    requirement = serializers.CharField()
    bids_seen = serializers.IntegerField()
    compliant_share = serializers.FloatField(allow_null=True, min_value=0, max_value=1)

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from documents.models import Document
from organizations.models import Organization

from .. import selectors
from ..models import Lot, Tender, TenderClause


class PriceLineSerializer(serializers.Serializer):
    """One line of the price schedule (schema only: the service checks the lines, tenders/prices.py)."""

    code = serializers.CharField(help_text="lowercase letters, digits, - and _; unique in the tender")
    label = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=20, decimal_places=6, coerce_to_string=False)
    period = serializers.ChoiceField(choices=["once", "year", "month"])


@extend_schema_field(PriceLineSerializer(many=True))
class PriceLinesField(serializers.JSONField):
    pass


class TenderSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    parameters = serializers.DictField(child=serializers.JSONField(), required=False)
    # Checked by the service (tenders/prices.py): each message names the line and its field.
    price_lines = PriceLinesField(
        required=False,
        help_text='the buyer\'s own lines of the price schedule: [{"code","label","unit","quantity",'
        '"period": "once"|"year"|"month"}]',
    )
    price_basis = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="what the price criterion compares, printed in the RC (blank: the price schedule's total "
        "excluding VAT over duration_months)",
    )

    class Meta:
        model = Tender
        fields = [
            "id",
            "organization",
            "reference",
            "title",
            "procedure",
            "status",
            "parameters",
            "price_formula",
            "tie_break",
            "sealed_price",
            "require_justification",
            "language",
            "completeness_annex",
            "duration_months",
            "price_basis",
            "price_lines",
            "single_lot_reason",
            "max_lots_per_bidder",
            "created_at",
            "updated_at",
            "published_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at", "published_at"]
        # The unique reference per organisation is checked by the service, which names `reference`
        # in its 400 (DRF's generated validator would answer a non-field error).
        validators = []


class TenderUpdateSerializer(TenderSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all(), required=False)

    class Meta(TenderSerializer.Meta):
        extra_kwargs = {"reference": {"required": False}, "title": {"required": False}}


class TenderClauseSerializer(serializers.ModelSerializer):
    """A tender clause. `clause_version` is the number of the library version the tender took."""

    clause = serializers.IntegerField(source="clause_id", read_only=True, allow_null=True)
    clause_version = serializers.IntegerField(source="version.number", read_only=True)
    title = serializers.CharField(source="version.title", read_only=True)
    category = serializers.CharField(source="version.category", read_only=True)
    requirement = serializers.CharField(source="version.requirement", read_only=True)
    rendered_body = serializers.SerializerMethodField()
    lots = serializers.SerializerMethodField(help_text="ids of the lots the clause applies to; empty: every lot")

    class Meta:
        model = TenderClause
        fields = [
            "id",
            "clause",
            "clause_version",
            "position",
            "title",
            "category",
            "requirement",
            "parameters",
            "rendered_body",
            "lots",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_lots(self, tender_clause):
        return sorted(lot.pk for lot in tender_clause.lots.all())

    @extend_schema_field(serializers.CharField())
    def get_rendered_body(self, tender_clause):
        return selectors.rendered_body(tender_clause, self.context["tender"])


class TenderClauseCreateSerializer(serializers.Serializer):
    clause = serializers.IntegerField()
    parameters = serializers.DictField(child=serializers.JSONField(allow_null=True), required=False, default=dict)
    position = serializers.IntegerField(required=False, min_value=0, allow_null=True)
    lots = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=99)


class TenderClauseUpdateSerializer(serializers.Serializer):
    parameters = serializers.DictField(child=serializers.JSONField(allow_null=True), required=False)
    position = serializers.IntegerField(required=False, min_value=0)
    lots = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=99)


class LotSerializer(serializers.ModelSerializer):
    """A lot of a tender (L2113-10). `number` orders the lots; free numbers only."""

    tender = serializers.IntegerField(source="tender_id", read_only=True)
    number = serializers.IntegerField(required=False, min_value=1, max_value=99)
    description = serializers.CharField(required=False, allow_blank=True, max_length=20000)

    class Meta:
        model = Lot
        fields = ["id", "tender", "number", "title", "description", "created_at"]
        read_only_fields = ["created_at"]
        validators = []  # the service names `number` when it is taken


class LotUpdateSerializer(LotSerializer):
    class Meta(LotSerializer.Meta):
        extra_kwargs = {"title": {"required": False}}


class LotReorderSerializer(serializers.Serializer):
    order = serializers.ListField(child=serializers.IntegerField(), max_length=99, help_text="every lot id, in order")


class DocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Document.Kind.choices)
    format = serializers.ChoiceField(choices=Document.Format.choices)
    lot = serializers.IntegerField(
        required=False, allow_null=True, help_text="one lot's annex, answer form or price schedule (docs/LOTS.md)"
    )

    def validate(self, data):
        # A kind declared but not offered yet (no builder registered) is refused by the service, naming
        # `kind` (400); looking it up here with [] answered 500 (found by schemathesis).
        formats = Document.FORMATS.get(data["kind"])
        if formats is not None and data["format"] not in formats:
            raise serializers.ValidationError(
                {"format": [_("Ce document existe en : %(formats)s.") % {"formats": ", ".join(formats)}]}
            )
        return data


class DocumentQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    # The tender changed after this document was asked for (its file still downloads).
    stale = serializers.BooleanField(read_only=True)
    error = serializers.CharField(source="error_text", read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "tender",
            "kind",
            "format",
            "status",
            "progress",
            "error",
            "sha256",
            "size",
            "inputs_digest",
            "draft",
            "stale",
            "tender_version",
            "attempts",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, document):
        if document.status != Document.Status.DONE:
            return None
        url = reverse("tenders-api:document-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

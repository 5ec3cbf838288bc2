from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from scoring.api.serializers import MoneyField

from ..models import (
    Ccag,
    Contract,
    EnvironmentalConsideration,
    ExecutionMode,
    Grouping,
    Modification,
    PlaceType,
    PriceForm,
    PriceType,
    Procedure,
    SocialConsideration,
    SubcontractingAct,
    Technique,
    cpv_validator,
    siret_validator,
)


class ModificationSerializer(serializers.ModelSerializer):
    amount = MoneyField(max_digits=14, decimal_places=2, coerce_to_string=False, required=False, allow_null=True)
    duration_months = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    class Meta:
        model = Modification
        fields = ["id", "number", "notified_on", "object", "amount", "duration_months"]
        read_only_fields = ["id", "number"]


class SubcontractingActSerializer(serializers.ModelSerializer):
    amount = MoneyField(max_digits=14, decimal_places=2, coerce_to_string=False)
    duration_months = serializers.IntegerField(min_value=1)

    class Meta:
        model = SubcontractingAct
        fields = [
            "id",
            "number",
            "subcontractor_siret",
            "subcontractor_name",
            "notified_on",
            "amount",
            "duration_months",
            "price_variation",
        ]
        read_only_fields = ["id", "number"]


class ContractSerializer(serializers.ModelSerializer):
    """The shape of API.md: the holder as {"siret", "name"}, the modifications in order."""

    holder = serializers.SerializerMethodField()
    lot = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    modifications = ModificationSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "uid",
            "tender",
            "lot",
            "bid",
            "holder",
            "amount",
            "notified_on",
            "duration_months",
            "modifications",
        ]
        read_only_fields = fields

    def get_holder(self, contract) -> dict:
        return {"siret": contract.holder_siret, "name": contract.holder_name}

    def get_lot(self, contract) -> str | None:
        return contract.lot or None


def _choices(enum):
    return serializers.ListField(child=serializers.ChoiceField(choices=enum.choices), required=False, min_length=1)


class ContractCreateSerializer(serializers.Serializer):
    """API.md's fields; the other essential-data fields may come too (else defaults, then the page)."""

    lot = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=2)
    notified_on = serializers.DateField()
    amount = MoneyField(max_digits=14, decimal_places=2, min_value=1)
    duration_months = serializers.IntegerField(min_value=1)
    cpv = serializers.CharField(required=False, allow_blank=True, validators=[cpv_validator])
    price_form = serializers.ChoiceField(choices=PriceForm.choices)
    procedure = serializers.ChoiceField(choices=Procedure.choices, required=False)
    price_types = _choices(PriceType)
    ccag = serializers.ChoiceField(choices=Ccag.choices, required=False)
    place_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    place_type = serializers.ChoiceField(choices=PlaceType.choices, required=False)
    techniques = _choices(Technique)
    execution_modes = _choices(ExecutionMode)
    innovative = serializers.BooleanField(required=False)
    advance = serializers.BooleanField(required=False)
    advance_rate = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False)
    grouping = serializers.ChoiceField(choices=Grouping.choices, required=False)
    subcontracting_declared = serializers.BooleanField(required=False)
    social_considerations = _choices(SocialConsideration)
    environmental_considerations = _choices(EnvironmentalConsideration)
    holder_siret = serializers.CharField(required=False, validators=[siret_validator])

    def validate_lot(self, value):
        if value and not (value.isdigit() and 1 <= int(value) <= 99):
            raise serializers.ValidationError(_("Un lot est un numéro de 1 à 99."))
        return value or ""

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.money import MoneyError, parse_money

from .models import (
    Contract,
    EnvironmentalConsideration,
    ExecutionMode,
    Modification,
    PriceType,
    SocialConsideration,
    SubcontractingAct,
    Technique,
)


class MoneyFormField(forms.DecimalField):
    """An amount as people write it ("1 200 000 € HT"), read by scoring/money.py."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = parse_money(value)
            except MoneyError as error:
                raise forms.ValidationError(str(error)) from error
        return super().to_python(value)


def _multiple(enum, label):
    return forms.MultipleChoiceField(
        label=label, choices=enum.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class ContractCreateForm(forms.Form):
    notified_on = forms.DateField(label=_("date de notification"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = MoneyFormField(label=_("montant HT"), max_digits=14, decimal_places=2, min_value=1)
    duration_months = forms.IntegerField(label=_("durée (mois)"), min_value=1)
    cpv = forms.CharField(label=_("code CPV"), required=False, max_length=10)
    price_form = forms.ChoiceField(label=_("forme du prix"), choices=Contract._meta.get_field("price_form").choices)


class ContractForm(forms.ModelForm):
    """The contract's essential data, on its page: every field the DECP file needs."""

    amount = MoneyFormField(label=_("montant HT"), max_digits=14, decimal_places=2, min_value=1)
    price_types = _multiple(PriceType, _("types de prix"))
    techniques = _multiple(Technique, _("techniques d'achat"))
    execution_modes = _multiple(ExecutionMode, _("modalités d'exécution"))
    social_considerations = _multiple(SocialConsideration, _("considérations sociales"))
    environmental_considerations = _multiple(EnvironmentalConsideration, _("considérations environnementales"))

    class Meta:
        model = Contract
        fields = list(Contract.EDITABLE_FIELDS)
        widgets = {"notified_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ModificationForm(forms.ModelForm):
    amount = MoneyFormField(label=_("nouveau montant HT"), max_digits=14, decimal_places=2, min_value=1, required=False)

    class Meta:
        model = Modification
        fields = ["notified_on", "object", "amount", "duration_months"]
        widgets = {"notified_on": forms.DateInput(attrs={"type": "date"}), "object": forms.Textarea(attrs={"rows": 2})}


class SubcontractingActForm(forms.ModelForm):
    amount = MoneyFormField(label=_("montant HT"), max_digits=14, decimal_places=2, min_value=1)

    class Meta:
        model = SubcontractingAct
        fields = [
            "subcontractor_name",
            "subcontractor_siret",
            "notified_on",
            "amount",
            "duration_months",
            "price_variation",
        ]
        widgets = {"notified_on": forms.DateInput(attrs={"type": "date"})}

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.access import BUYER_ROLES, organization_ids_with_role
from organizations.models import Organization

from .models import Tender


class TenderForm(forms.ModelForm):
    """A new tender, in one of the organisations where the user is a buyer or an admin."""

    class Meta:
        model = Tender
        fields = ["organization", "reference", "title", "procedure", "price_formula", "sealed_price", "language"]
        help_texts = {
            "reference": _("Par exemple AO-2026-014."),
            "sealed_price": _("Les évaluateurs ne voient le prix qu'après la clôture de l'analyse technique."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = organization_ids_with_role(user, BUYER_ROLES)
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=allowed).order_by("name")
        self.fields["organization"].empty_label = None
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
            field.widget.attrs["class"] = css


def clause_parameter_values(post, fields):
    """The clause's own values from a submitted parameter form: blank means "take the tender's or the default"."""
    values = {}
    for field in fields:
        raw = post.get(f"p-{field['name']}", "").strip()
        if raw != "":
            values[field["name"]] = raw
    return values


class TenderSettingsForm(TenderForm):
    """The tender's own fields, once created (its organisation does not change)."""

    class Meta(TenderForm.Meta):
        fields = ["reference", "title", "procedure", "price_formula", "sealed_price", "language"]

    def __init__(self, *args, user, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
            field.widget.attrs["class"] = css

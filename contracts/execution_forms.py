"""Forms of the execution pages (requests, availability, penalties): they validate types; the rules are
the services' (contracts/execution.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.formatting import format_number
from tenders import pieces

from .forms import MoneyFormField
from .models import ExecutionRequest

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
UNIT_LABELS = {
    "calendar_days": _("jours"),
    "working_days": _("jours ouvrés"),
    "weeks": _("semaines"),
    "months": _("mois"),
    "hours": _("heures"),
    "minutes": _("minutes"),
}


def deadline_choices(terms, delays_of):
    """[("article|parameter", "C2 — label : 3 jours ouvrés (engagé)")] for every article with a deadline."""
    choices = [("", "—")]
    for number in sorted(terms.articles, key=pieces.number_sort_key):
        for delay in delays_of(terms, terms.articles[number]):
            committed = _(" (engagement du titulaire)") if delay["committed"] else ""
            value = format_number(delay["value"], 2, trim=True)
            choices.append(
                (
                    f"{number}|{delay['name']}",
                    f"{number} — {delay['label']} : {value} {UNIT_LABELS.get(delay['unit'], '')}{committed}",
                )
            )
    return choices


def obligation_choices(terms):
    return [("", _("déduite de l'article"))] + [
        (str(position), f"{position}. {article} — {row.label} ({_('régime')} {row.regime})")
        for position, article, row in terms.obligations
    ]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("nature"), choices=ExecutionRequest.Kind.choices)
    deadline = forms.ChoiceField(label=_("article et délai"))
    obligation = forms.ChoiceField(
        label=_("obligation du tableau des pénalités"),
        required=False,
        help_text=_("À préciser quand l'article figure sur plusieurs lignes de régimes différents."),
    )
    requested_on = forms.DateField(label=_("demandé le"), **DATE)
    delivered_on = forms.DateField(label=_("livré le"), required=False, **DATE)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)
    value = MoneyFormField(
        label=_("valeur V (HT, régime A)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        help_text=_("Laissez vide pour la ligne du bordereau de l'attributaire."),
    )
    whole_unusable = forms.BooleanField(label=_("le retard rend l'ensemble inutilisable"), required=False)

    def __init__(self, *args, terms, delays_of, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].choices = deadline_choices(terms, delays_of)
        self.fields["obligation"].choices = obligation_choices(terms)

    def service_data(self):
        data = dict(self.cleaned_data)
        data["article"], data["delay"] = data.pop("deadline").split("|", 1)
        data["obligation"] = int(data["obligation"]) if data.get("obligation") else None
        return data


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=_("livré le"), **DATE)


class AvailabilityForm(forms.Form):
    month = forms.CharField(label=_("mois"), max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    measured = forms.CharField(label=_("disponibilité mesurée (%)"), max_length=20)


class AvailabilityImportForm(forms.Form):
    file = forms.FileField(
        label=_("fichier CSV"), help_text=_("Deux colonnes : mois (AAAA-MM) ; disponibilité (%). 64 Ko au plus.")
    )


class ObservationForm(forms.Form):
    received_on = forms.DateField(label=_("reçues le"), **DATE)
    text = forms.CharField(
        label=_("observations du titulaire"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )


class DecisionForm(forms.Form):
    decided_on = forms.DateField(label=_("décidé le"), **DATE)
    applied = MoneyFormField(label=_("montant appliqué (HT)"), max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(
        label=_("motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20000,
        help_text=_("Obligatoire quand le montant appliqué diffère du montant dû (modération)."),
    )

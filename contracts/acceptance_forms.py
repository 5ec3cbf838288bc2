"""Forms of the acceptance page: they validate shapes only; the services apply the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clause_library.forms import BootstrapForm

from .acceptance_services import MAX_EVIDENCE_CHARS
from .models import AcceptanceDecision, AcceptanceResult


class ResultFilterForm(BootstrapForm):
    result = forms.ChoiceField(
        label=_("Afficher"), required=False, choices=[("", _("Toutes les exigences")), *AcceptanceResult.choices]
    )


class RowForm(BootstrapForm):
    """One row's result and evidence; its prefix is the row's id, so 58 forms never share an element id."""

    result = forms.ChoiceField(label=_("Résultat"), choices=AcceptanceResult.choices)
    evidence = forms.CharField(
        label=_("Constat"), required=False, max_length=MAX_EVIDENCE_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence_file = forms.FileField(label=_("Pièce justificative (facultative)"), required=False)


class ProbeForm(BootstrapForm):
    """As a bid's probe: the delivered system's base URL, or its two documents, or its sandbox (live)."""

    fhir_base_url = forms.URLField(
        label=_("URL de base FHIR du système livré"), required=False, max_length=500, assume_scheme="https"
    )
    capability_statement = forms.FileField(label=_("CapabilityStatement (JSON)"), required=False)
    smart_configuration = forms.FileField(label=_("Configuration SMART (JSON)"), required=False)
    live = forms.BooleanField(label=_("Sondage en direct du bac à sable (SMART Backend Services)"), required=False)
    token_url = forms.URLField(
        label=_("URL du jeton (bac à sable)"), required=False, max_length=500, assume_scheme="https"
    )
    client_id = forms.CharField(label=_("Identifiant client (bac à sable)"), required=False, max_length=200)
    scope = forms.CharField(label=_("Portée demandée (facultative)"), required=False, max_length=500)


class DecisionForm(BootstrapForm):
    decision = forms.ChoiceField(label=_("Décision"), choices=AcceptanceDecision.choices)
    reason = forms.CharField(label=_("Motif"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    refaction_percent = forms.DecimalField(
        label=_("Réfaction en pourcentage (admission avec réfaction)"), required=False, max_digits=5, decimal_places=2
    )


class DocumentForm(BootstrapForm):
    format = forms.ChoiceField(label=_("Format"), choices=[("pdf", "PDF"), ("docx", "DOCX")])

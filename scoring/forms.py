"""The forms of the evaluation pages. They only parse and validate what was typed; the services decide.

Numbers accept the French spelling (decimal comma); prices accept what people write
("1 200 000,50 € HT", scoring/money.py). Garbage in a number is a form error, never a 500.
"""

from decimal import Decimal

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from .models import Bid, Criterion, EliminatoryDecision, ProcedureRecord
from .money import MoneyError, parse_money


class FrenchDecimalField(forms.DecimalField):
    """A decimal typed with a comma or a point ("12,5" or "12.5"), spaces ignored."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        return super().to_python(value)


class MoneyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            amount = parse_money(value)
        except MoneyError as error:
            raise forms.ValidationError(str(error), code="invalid")
        if amount <= 0:
            raise forms.ValidationError(_("Le prix doit être strictement positif."), code="min_value")
        if amount.as_tuple().exponent < -2 or amount >= 10**12:
            raise forms.ValidationError(_("Montant hors limites (centimes au plus, moins de mille milliards)."))
        return amount


class TenderObjectField(forms.ModelChoiceField):
    """An object of this tender named by its id; another tender's id or garbage is "unknown"."""

    default_error_messages = {"invalid_choice": _("Choix inconnu pour ce marché.")}


def _tender_queryset(model, tender, **filters):
    if model is Bid:
        return Bid.objects.filter(tender=tender, **filters)
    return model.objects.filter(tender=tender, **filters)


# Overview ------------------------------------------------------------------------------------


class EvaluatorAddForm(forms.Form):
    username = forms.CharField(label=_("Identifiant du membre"), max_length=150)


class DeclarationForm(forms.Form):
    no_conflict = forms.BooleanField(label=_("Absence de conflit d'intérêts"), required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Motif de la réouverture"), max_length=5000, widget=forms.Textarea)


# Criteria -------------------------------------------------------------------------------------


class FromClausesForm(forms.Form):
    price_weight = FrenchDecimalField(
        label=_("Poids du prix (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2, required=False
    )
    replace = forms.BooleanField(required=False)

    def clean_price_weight(self):
        value = self.cleaned_data["price_weight"]
        return 40 if value is None else value


class CriterionAddForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=300)
    kind = forms.ChoiceField(label=_("Type"), choices=Criterion.Kind.choices, initial="scored")
    parent = TenderObjectField(label=_("Critère parent"), queryset=Criterion.objects.none(), required=False)
    weight = FrenchDecimalField(
        label=_("Poids (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2, required=False
    )
    scale_max = forms.IntegerField(label=_("Note maximale"), min_value=1, max_value=100, initial=5, required=False)

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _tender_queryset(Criterion, tender, kind="scored")

    def clean(self):
        data = super().clean()
        if data.get("kind") == "eliminatory":
            data["weight"] = None
        if data.get("scale_max") is None:
            data["scale_max"] = 5
        return data


class CriterionDeleteForm(forms.Form):
    criterion = TenderObjectField(label=_("Critère"), queryset=Criterion.objects.none())

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = _tender_queryset(Criterion, tender)


class WeightsForm(forms.Form):
    """One `weight-<id>` field per weighted criterion of the tender (only those posted are changed)."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = {}
        for criterion in criteria:
            if criterion.kind == Criterion.Kind.ELIMINATORY:
                continue
            name = f"weight-{criterion.pk}"
            self.fields[name] = FrenchDecimalField(
                label=criterion.name, min_value=0, max_value=100, max_digits=5, decimal_places=2, required=False
            )
            self.criteria[name] = criterion

    def changes(self):
        """[(criterion, new weight)] for the posted weights that differ from the stored ones."""
        return [
            (criterion, self.cleaned_data[name])
            for name, criterion in self.criteria.items()
            if name in self.data
            and self.cleaned_data.get(name) is not None
            and self.cleaned_data[name] != criterion.weight
        ]


# Bids -----------------------------------------------------------------------------------------


class BidForm(forms.Form):
    vendor = forms.CharField(label=_("Candidat"), max_length=300)
    price = MoneyField(label=_("Prix (€ HT)"), max_length=60)


class QuestionnaireImportForm(forms.Form):
    bid = TenderObjectField(label=_("Offre"), queryset=Bid.objects.none())
    file = forms.FileField(label=_("Fichier rempli par le candidat"))

    def __init__(self, *args, tender, max_bytes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid"].queryset = _tender_queryset(Bid, tender)
        self.max_bytes = max_bytes

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(_("Fichier trop volumineux."))
        return upload


class PriceScheduleImportForm(forms.Form):
    """The vendor's filled price schedule (XLSX), imported into the bid on its page."""

    file = forms.FileField(label=_("Bordereau des prix rempli par le candidat"))

    def __init__(self, *args, max_bytes, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(_("Fichier trop volumineux."))
        return upload


class FhirBaseUrlForm(forms.Form):
    fhir_base_url = forms.CharField(label=_("URL de base FHIR"), max_length=500, required=False)

    def clean_fhir_base_url(self):
        url = self.cleaned_data["fhir_base_url"].strip()
        if url:
            try:
                URLValidator(schemes=["https"])(url)
            except forms.ValidationError:
                raise forms.ValidationError(_("L'URL de base FHIR doit être une adresse https:// valide."))
        return url


class EliminatoryDecisionForm(forms.Form):
    criterion = TenderObjectField(label=_("Exigence éliminatoire"), queryset=Criterion.objects.none())
    decision = forms.ChoiceField(label=_("Décision"), choices=EliminatoryDecision.Decision.choices)
    qualification = forms.ChoiceField(
        label=_("Qualification"),
        choices=[("", "—"), *EliminatoryDecision.Qualification.choices],
        required=False,
    )
    reason = forms.CharField(label=_("Motif"), max_length=5000, required=False, widget=forms.Textarea)
    regularisation_requested_on = forms.DateField(label=_("Demande de régularisation le"), required=False)
    regularisation_request = forms.CharField(label=_("Objet de la demande"), max_length=5000, required=False)
    regularisation_answer = forms.CharField(label=_("Réponse du candidat"), max_length=5000, required=False)
    regularisation_outcome = forms.CharField(label=_("Suite donnée"), max_length=5000, required=False)

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = _tender_queryset(Criterion, tender, kind="eliminatory")


# Consensus ------------------------------------------------------------------------------------


class ConsensusForm(forms.Form):
    bid = TenderObjectField(label=_("Offre"), queryset=Bid.objects.none())
    criterion = TenderObjectField(label=_("Critère"), queryset=Criterion.objects.none())
    value = FrenchDecimalField(label=_("Note de consensus"), max_digits=6, decimal_places=2)
    justification = forms.CharField(label=_("Justification"), max_length=5000)
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid"].queryset = _tender_queryset(Bid, tender)
        self.fields["criterion"].queryset = _tender_queryset(Criterion, tender)


# Abnormally low offers --------------------------------------------------------------------------


class LowOfferThresholdForm(forms.Form):
    threshold = FrenchDecimalField(label=_("Seuil (%)"), max_digits=5, decimal_places=2)


class LowOfferRequestForm(forms.Form):
    bid = TenderObjectField(label=_("Offre"), queryset=Bid.objects.none())
    note = forms.CharField(label=_("Objet de la demande"), max_length=5000, required=False)
    sent_on = forms.DateField(label=_("Demande envoyée le"), required=False)
    deadline = forms.DateField(label=_("Date limite de réponse"), required=False)

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid"].queryset = _tender_queryset(Bid, tender)


class LowOfferDecisionForm(LowOfferRequestForm):
    decision = forms.CharField(label=_("Décision"), max_length=20, required=False)
    reason = forms.CharField(label=_("Motif"), max_length=5000, required=False)
    received_on = forms.DateField(label=_("Explications reçues le"), required=False)


# Simulation -----------------------------------------------------------------------------------


class SimulationForm(forms.Form):
    """The step and each row's price; scores stay text ("3" or "60%") for scoring/simulation.py to read."""

    step = FrenchDecimalField(
        label=_("Pas"), min_value=0.01, max_value=50, max_digits=5, decimal_places=2, required=False
    )

    def clean_step(self):
        step = self.cleaned_data["step"]
        return Decimal(5) if step is None else step

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        for index in range(rows):
            self.fields[f"bid-{index}-price"] = MoneyField(
                label=_("Prix de l'offre %(n)d") % {"n": index + 1}, max_length=60, required=False
            )


class ProcedureRecordForm(forms.ModelForm):
    candidatures_text = forms.CharField(
        label=_("Candidatures (une par ligne : nom ; admis ou exclu ; motif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    subcontracting_text = forms.CharField(
        label=_("Sous-traitance (une ligne par offre : candidat ; part en % ; sous-traitants)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = ProcedureRecord
        fields = [f for f in ProcedureRecord.EDITABLE_FIELDS if f not in ("candidatures", "subcontracting")]
        widgets = {
            "signed_at": forms.DateInput(attrs={"type": "date"}),
            "letters_sent_on": forms.DateInput(attrs={"type": "date"}),
            "notice_published_on": forms.DateInput(attrs={"type": "date"}),
            "opened_on": forms.DateInput(attrs={"type": "date"}),
            "offers_deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "buyer_address": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.tender = tender
        for name, field in self.fields.items():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("aria-describedby", f"error-{name}")
        record = self.instance
        admitted, excluded = _("admis"), _("exclu")
        self.fields["candidatures_text"].initial = "\n".join(
            f"{c.get('name', '')} ; {admitted if c.get('admitted') else excluded} ; {c.get('reason', '')}"
            for c in record.candidatures or []
        )
        vendors = dict(Bid.objects.filter(tender=tender).values_list("pk", "vendor"))
        self.fields["subcontracting_text"].initial = "\n".join(
            f"{vendors.get(s.get('bid'), '')} ; {'' if s.get('share') is None else s['share']} ; {s.get('subcontractors', '')}"
            for s in record.subcontracting or []
        )

    def clean_contract_value(self):
        value = self.cleaned_data.get("contract_value")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("La valeur doit être strictement positive."))
        return value

    def clean_vat_rate(self):
        value = self.cleaned_data.get("vat_rate")
        if value is None or not 0 <= value <= 100:
            raise forms.ValidationError(_("Un taux entre 0 et 100."))
        return value

    def clean_candidatures_text(self):
        rows = []
        for number, line in enumerate(self.cleaned_data.get("candidatures_text", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";", 2)]
            if len(parts) < 2 or not parts[0] or parts[1].casefold() not in ("admis", "exclu", "admitted", "excluded"):
                raise forms.ValidationError(
                    _("Ligne %(number)s : écrivez « nom ; admis ; motif » ou « nom ; exclu ; motif ».")
                    % {"number": number}
                )
            rows.append(
                {
                    "name": parts[0],
                    "admitted": parts[1].casefold() in ("admis", "admitted"),
                    "reason": (parts + [""])[2],
                }
            )
        return rows

    def clean_subcontracting_text(self):
        bids = {
            vendor.casefold(): pk for pk, vendor in Bid.objects.filter(tender=self.tender).values_list("pk", "vendor")
        }
        rows = []
        for number, line in enumerate(self.cleaned_data.get("subcontracting_text", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";", 2)] + ["", ""]
            bid = bids.get(parts[0].casefold())
            if bid is None:
                raise forms.ValidationError(_("Ligne %(number)s : candidat inconnu.") % {"number": number})
            share = None
            if parts[1]:
                try:
                    share = float(Decimal(parts[1].replace(",", ".").replace("%", "").strip()))
                except ArithmeticError:
                    share = -1
                if not 0 <= share <= 100:
                    raise forms.ValidationError(
                        _("Ligne %(number)s : une part entre 0 et 100 %%.") % {"number": number}
                    )
            rows.append({"bid": bid, "share": share, "subcontractors": parts[2]})
        return rows

    def record_data(self):
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        data["candidatures"] = self.cleaned_data["candidatures_text"]
        data["subcontracting"] = self.cleaned_data["subcontracting_text"]
        return data


def error_messages(form) -> list[str]:
    """Each error of a bound form as "Label : message" (non-field errors as they are)."""
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for message in errors:
            out.append(f"{label} : {message}" if label else str(message))
    return out


# Award sequence -------------------------------------------------------------------------------


class AwardDecisionForm(forms.Form):
    bid = TenderObjectField(label=_("Offre retenue"), queryset=Bid.objects.none())
    decided_on = forms.DateField(label=_("Date de la décision d'attribution"))
    advantages = forms.CharField(label=_("Caractéristiques et avantages relatifs de l'offre retenue"), max_length=20000)

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bid"].queryset = _tender_queryset(Bid, tender)


class AwardCertificatesForm(forms.Form):
    received_on = forms.DateField(label=_("Certificats reçus le"), required=False)
    waived_reason = forms.CharField(label=_("Motif de l'absence de certificats"), max_length=5000, required=False)


class AwardCertificatesFailedForm(forms.Form):
    reason = forms.CharField(label=_("Motif de la défaillance"), max_length=5000)
    failed_on = forms.DateField(label=_("Défaillance constatée le"))
    decided_on = forms.DateField(label=_("Date de la nouvelle décision d'attribution"))
    advantages = forms.CharField(label=_("Caractéristiques et avantages relatifs de l'offre retenue"), max_length=20000)


class LettersSentForm(forms.Form):
    sent_on = forms.DateField(label=_("Lettres envoyées le"))
    electronic = forms.BooleanField(label=_("Envoyées par voie électronique"), required=False)


# Requirements × bids matrix -------------------------------------------------------------------

MATRIX_DECISIONS = [
    ("", _("Non décidée")),
    (EliminatoryDecision.Decision.COMPLIANT, EliminatoryDecision.Decision.COMPLIANT.label),
    (EliminatoryDecision.Decision.NON_COMPLIANT, EliminatoryDecision.Decision.NON_COMPLIANT.label),
    # Shown only as a cell's current state: a regularisation is asked for on the bid's page (what is asked).
    (
        EliminatoryDecision.Decision.REGULARISATION_REQUESTED,
        EliminatoryDecision.Decision.REGULARISATION_REQUESTED.label,
    ),
]


class RequirementMatrixForm(forms.Form):
    """Three fields per cell of the matrix (`d-`, `q-`, `r-` + "<bid>-<criterion>"): decision, legal
    qualification, reason. `changes()` lists the cells whose posted decision differs from the recorded one;
    a cell left "non décidée" or unchanged is not written."""

    def __init__(self, *args, matrix, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = {}
        for row in matrix["rows"]:
            for cell in row["cells"]:
                key = cell["key"]
                self.cells[key] = (cell["bid"], row["criterion"], cell["decision"])
                self.fields[f"d-{key}"] = forms.ChoiceField(choices=MATRIX_DECISIONS, required=False)
                self.fields[f"q-{key}"] = forms.ChoiceField(
                    choices=[("", "—"), *EliminatoryDecision.Qualification.choices], required=False
                )
                self.fields[f"r-{key}"] = forms.CharField(max_length=5000, required=False)

    def clean(self):
        data = super().clean()
        pending = EliminatoryDecision.Decision.REGULARISATION_REQUESTED
        for key, (_bid, _criterion, current) in self.cells.items():
            if data.get(f"d-{key}") == pending and (current is None or current.decision != pending):
                self.add_error(
                    f"d-{key}",
                    _("Une régularisation se demande depuis la page de l'offre (objet de la demande, date)."),
                )
        return data

    def changes(self) -> list[dict]:
        out = []
        for key, (bid, criterion, current) in self.cells.items():
            decision = self.cleaned_data.get(f"d-{key}") or ""
            if not decision:
                continue
            posted = (
                decision,
                self.cleaned_data.get(f"q-{key}") or "",
                (self.cleaned_data.get(f"r-{key}") or "").strip(),
            )
            if current is not None and posted == (current.decision, current.qualification, current.reason.strip()):
                continue
            if current is not None and decision == current.decision != EliminatoryDecision.Decision.NON_COMPLIANT:
                continue  # compliant again, or the regularisation still pending: nothing to write
            # A qualification belongs to a non-compliant offer only: one left selected on another choice is dropped.
            qualification = posted[1] if decision == EliminatoryDecision.Decision.NON_COMPLIANT else ""
            out.append(
                {
                    "bid": bid,
                    "criterion": criterion,
                    "decision": decision,
                    "qualification": qualification,
                    "reason": posted[2],
                }
            )
        return out

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from clause_library.models import Category, ClauseSet
from clause_library.selectors import libraries_visible_to
from organizations.models import Organization

from . import access, prices
from .models import DEFAULT_DURATION_MONTHS, MAX_DURATION_MONTHS, Lot, Tender, TieBreak

# The kinds of software a library's sets are tagged with, in the order the buyer sees them.
SOFTWARE_LABELS = {
    "patient_record": _("Dossier patient"),
    "lab": _("Laboratoire"),
    "imaging": _("Imagerie"),
    "pharmacy": _("Pharmacie"),
    "telemonitoring": _("Télésurveillance"),
    "any": _("Tout logiciel"),
}
LEVEL_ORDER = [value for value, _label in ClauseSet.Level.choices]


def set_choices(user):
    """The recommended sets of the libraries the user sees, as select choices `<library id>:<set key>`.

    Grouped by library when several libraries hold sets. One query.
    """
    sets = ClauseSet.objects.filter(library__in=libraries_visible_to(user).values("pk")).select_related("library")
    software = list(SOFTWARE_LABELS)

    def order(clause_set):
        kind = software.index(clause_set.software) if clause_set.software in software else len(software)
        level = LEVEL_ORDER.index(clause_set.level) if clause_set.level in LEVEL_ORDER else len(LEVEL_ORDER)
        return (
            clause_set.library.name.lower(),
            clause_set.library_id,
            kind,
            level,
            clause_set.position,
            clause_set.key,
        )

    groups = {}
    for clause_set in sorted(sets, key=order):
        label = clause_set.title
        if clause_set.software in SOFTWARE_LABELS:
            label = f"{SOFTWARE_LABELS[clause_set.software]} — {clause_set.get_level_display()}"
        groups.setdefault(clause_set.library, []).append((f"{clause_set.library_id}:{clause_set.key}", label))
    if len(groups) == 1:
        return next(iter(groups.values()))
    return [(library.name, choices) for library, choices in groups.items()]


def parse_set_choice(value):
    """`"12:patient-record-recommended"` → `(12, "patient-record-recommended")`; blank → None."""
    if not value:
        return None
    library_id, _sep, key = value.partition(":")
    return int(library_id), key


class SetApplyForm(forms.Form):
    """Add a recommended set to a draft tender, from the editor."""

    set = forms.ChoiceField(label=_("Ensemble recommandé"))

    def __init__(self, *args, user, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = set_choices(user) if choices is None else choices
        self.fields["set"].choices = [("", _("Choisissez un ensemble…"))] + choices
        self.fields["set"].widget.attrs["class"] = "form-select form-select-sm"

    def clean_set(self):
        return parse_set_choice(self.cleaned_data["set"])


class AccessibleErrorsMixin:
    """Ties each field's help and errors to its control (aria-describedby, aria-invalid), and lets the
    server say a text is too long instead of the browser silently cutting it (no maxlength attribute)."""

    def _style_fields(self):
        for name, field in self.fields.items():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else ("form-select" if isinstance(field.widget, forms.Select) else "form-control")
            )
            field.widget.attrs["class"] = css
            field.widget.attrs.pop("maxlength", None)
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-help"

    def _post_clean(self):
        super()._post_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            described = [part for part in attrs.get("aria-describedby", "").split() if part]
            attrs["aria-describedby"] = " ".join(described + [f"{self[name].auto_id}-error"])

    def _check_reference(self, organization_id):
        reference = self.cleaned_data.get("reference")
        if not reference or organization_id is None:
            return
        others = Tender.objects.filter(organization_id=organization_id, reference=reference)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            self.add_error(
                "reference",
                _("Un appel d'offres de cette organisation porte déjà cette référence : choisissez-en une autre."),
            )


PERIOD_WORDS = {
    "once": "once",
    "une fois": "once",
    "unique": "once",
    "forfait": "once",
    "year": "year",
    "an": "year",
    "par an": "year",
    "annuel": "year",
    "annuelle": "year",
    "per year": "year",
    "yearly": "year",
    "month": "month",
    "mois": "month",
    "par mois": "month",
    "mensuel": "month",
    "mensuelle": "month",
    "per month": "month",
    "monthly": "month",
}


def _period_word(period):
    return {"once": _("une fois"), "year": _("par an"), "month": _("par mois")}.get(period, period or "")


def price_lines_text(lines):
    """The buyer's lines as the form shows them: one a line, "label | unit | quantity | period | code"."""
    rows = []
    for line in lines or []:
        if not isinstance(line, dict):
            continue
        quantity = str(line.get("quantity", "")).replace(".", ",")
        parts = [line.get("label", ""), line.get("unit", ""), quantity, str(_period_word(line.get("period")))]
        rows.append(" | ".join([*parts, line.get("code", "")]))
    return "\n".join(rows)


def _code_from_label(label, taken):
    base = (slugify(label) or "ligne")[:55].strip("-_") or "ligne"
    code, index = base, 2
    while code in taken:
        code, index = f"{base}-{index}", index + 1
    return code


def parse_price_lines(text):
    """(lines, errors) from the form's text: each non-empty line "label | unit | quantity | period | code?";
    errors name the line ("Ligne 2 (quantity) : …"). A missing code is made from the label."""
    lines, errors, given = [], [], []
    rows = [row for row in (text or "").splitlines() if row.strip()]
    for number, row in enumerate(rows, start=1):
        parts = [part.strip() for part in row.split("|")]
        if len(parts) not in (4, 5):
            errors.append(
                _(
                    "Ligne de prix %(n)s : 4 ou 5 parties séparées par « | » sont attendues (libellé | unité | "
                    "quantité | périodicité | code facultatif)."
                )
                % {"n": number}
            )
            continue
        label, unit, quantity_text, period_text = parts[:4]
        code = parts[4] if len(parts) == 5 else ""
        quantity = prices.to_decimal(quantity_text)
        period = PERIOD_WORDS.get(period_text.casefold(), period_text)
        line = {
            "code": code,
            "label": label,
            "unit": unit,
            "quantity": prices.plain_number(quantity) if quantity is not None else quantity_text,
            "period": period,
        }
        lines.append(line)
        given.append(bool(code))
    taken = {line["code"] for line in lines if line["code"]}
    for line, has_code in zip(lines, given, strict=True):
        if not has_code:
            line["code"] = _code_from_label(line["label"], taken)
            taken.add(line["code"])
    if errors:
        return lines, errors
    return lines, prices.line_errors(lines)


class PriceFieldsMixin:
    """The price basis fields of the tender's form: the buyer's lines typed one a line."""

    def _price_fields(self):
        field = forms.CharField(
            label=_("Lignes de prix de l'acheteur"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 6}),
            help_text=_(
                "Une ligne par prix : libellé | unité | quantité | périodicité (une fois, par an, par mois) | code "
                "(facultatif, fait à partir du libellé). Exemple : Licences du logiciel | licence | 10 | par an. "
                "Les lignes des clauses s'y ajoutent dans le bordereau des prix."
            ),
        )
        self.fields["price_lines"] = field
        # A form posted without it (an older page, a script) keeps the default duration.
        self.fields["duration_months"].required = False
        self.fields["duration_months"].widget.attrs.update(min=1, max=MAX_DURATION_MONTHS)
        if not self.is_bound and self.instance.pk:
            self.initial["price_lines"] = price_lines_text(self.instance.price_lines)

    def _style_price_fields(self):
        widget = self.fields["price_lines"].widget
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} font-monospace".strip()
        self.fields["price_basis"].widget.attrs["rows"] = 3

    def clean_duration_months(self):
        value = self.cleaned_data.get("duration_months")
        return DEFAULT_DURATION_MONTHS if value is None else value

    def clean_price_lines(self):
        lines, errors = parse_price_lines(self.cleaned_data.get("price_lines"))
        if errors:
            raise forms.ValidationError(errors)
        return lines


class TenderForm(PriceFieldsMixin, AccessibleErrorsMixin, forms.ModelForm):
    """A new tender, in one of the organisations where the user is a buyer or an admin."""

    class Meta:
        model = Tender
        fields = [
            "organization",
            "reference",
            "title",
            "procedure",
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
        ]
        help_texts = {
            "reference": _("Par exemple AO-2026-014."),
            "sealed_price": _("Les évaluateurs ne voient le prix qu'après la clôture de l'analyse technique."),
            "tie_break": _(
                "Quand deux offres ont la même note globale : la règle est annoncée dans le règlement de la "
                "consultation et appliquée au classement."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without it (an older page, a script) keeps the announced default.
        self.fields["tie_break"].required = False
        allowed = access.buyer_organization_ids(user)
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=allowed).order_by("name")
        self.fields["organization"].empty_label = None
        choices = set_choices(user)
        if choices:
            self.fields["start_set"] = forms.ChoiceField(
                label=_("Partir d'un ensemble recommandé"),
                required=False,
                choices=[("", _("Aucun : commencer sans clause"))] + choices,
                help_text=_(
                    "Type de logiciel et niveau : les clauses de l'ensemble sont ajoutées d'un coup, avec "
                    "leurs valeurs par défaut ; vous pourrez ensuite en retirer ou les ajuster."
                ),
            )
        self._price_fields()
        self._style_fields()
        self._style_price_fields()

    def clean_tie_break(self):
        return self.cleaned_data.get("tie_break") or TieBreak.TECHNICAL

    def clean(self):
        cleaned = super().clean()
        organization = cleaned.get("organization")
        self._check_reference(organization.pk if organization else None)
        return cleaned

    def clean_start_set(self):
        return parse_set_choice(self.cleaned_data.get("start_set"))


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
        fields = [
            "reference",
            "title",
            "procedure",
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
        ]

    def __init__(self, *args, user, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        self.fields["tie_break"].required = False  # missing: keeps the announced default
        self._price_fields()
        self._style_fields()
        self._style_price_fields()

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        self._check_reference(self.instance.organization_id)
        return cleaned


class AllotmentForm(AccessibleErrorsMixin, forms.ModelForm):
    """Why the tender is not divided (L2113-11), and how many lots one bidder may be awarded."""

    class Meta:
        model = Tender
        fields = ["single_lot_reason", "max_lots_per_bidder"]
        widgets = {"single_lot_reason": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "max_lots_per_bidder": _(
                "Vide : pas de limite. Le règlement de la consultation annonce la règle appliquée à l'attribution."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["max_lots_per_bidder"].widget.attrs["min"] = 1
        self._style_fields()


class LotForm(AccessibleErrorsMixin, forms.ModelForm):
    """A lot's number (blank: the next free one), title and description."""

    class Meta:
        model = Lot
        fields = ["number", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].widget.attrs.update(min=1, max=99)
        self._style_fields()

    def validate_unique(self):
        """The unique (tender, number) is the service's to check: it names `number` in its message."""


class ClauseSearchForm(forms.Form):
    """The editor's clause search (GET ?q=&category=&page=): what was typed is kept; an unknown category or
    page reads as none (the first page), so the search never refuses."""

    MAX_QUERY = 200
    MAX_PAGE = 10_000

    q = forms.CharField(required=False)
    category = forms.CharField(required=False, strip=False)
    page = forms.CharField(required=False, strip=False)

    def clean_q(self):
        return self.cleaned_data["q"][: self.MAX_QUERY]

    def clean_category(self):
        category = self.cleaned_data["category"]
        return category if category in Category.values else ""

    def clean_page(self):
        page = self.cleaned_data["page"] or "1"
        return int(page) if page.isdigit() and 0 < int(page) < self.MAX_PAGE else 1

    def search(self) -> tuple[str, str, int]:
        """(q, category, page), each its default when it could not be read."""
        self.is_valid()
        return self.cleaned_data.get("q", ""), self.cleaned_data.get("category", ""), self.cleaned_data.get("page", 1)

"""Forms of the library pages. They only parse what people type; the rules live in the services."""

import json

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.jsondepth import text_too_deep, too_deep_message
from organizations.models import Organization

from .checks import CHECK_FIELDS
from .models import Category, Destination, Language, Library, Requirement

JSON_LIST_FIELDS = ("parameters", "rubric", "references", "checks", "price_lines")

PARAMETERS_EXAMPLE = (
    '[{"name": "delai_jours", "label": "Délai (jours)", "type": "integer", '
    '"default": 30, "required": true, "min": 1, "max": 365, "help": "…"}]'
)
RUBRIC_EXAMPLE = '[{"score": 0, "description": "Aucune API"}, {"score": 5, "description": "API FHIR complète"}]'
REFERENCES_EXAMPLE = (
    '[{"label": "FHIR R4", "url": "https://hl7.org/fhir/R4/"}, '
    '{"label": "45 CFR 171", "url": "https://www.ecfr.gov/current/title-45/part-171", "informative": true}]'
)
CHECKS_EXAMPLE = '[{"type": "fhir_version", "value": "4.0.1"}]'
CHECK_TYPES = ", ".join(CHECK_FIELDS)  # every type the probe evaluates (clause_library/checks.py, docs/PROBE.md)


def _as_json_text(value):
    return json.dumps(value or [], ensure_ascii=False, indent=2)


# Python's JSON parser speaks English; a curator reads what went wrong in French, where it went wrong.
JSON_ERRORS = (
    ("Expecting value", gettext_lazy("une valeur est attendue (texte entre guillemets, nombre, true, false, [ ou {)")),
    ("Expecting ',' delimiter", gettext_lazy("une virgule est attendue")),
    ("Expecting ':' delimiter", gettext_lazy("deux-points « : » attendus après le nom du champ")),
    (
        "Expecting property name enclosed in double quotes",
        gettext_lazy('un nom de champ entre guillemets droits " " est attendu'),
    ),
    ("Unterminated string", gettext_lazy('texte non refermé : il manque le guillemet " de fin')),
    ("Invalid control character", gettext_lazy("caractère de contrôle interdit dans un texte (retour à la ligne ?)")),
    ("Invalid \\escape", gettext_lazy("barre oblique inverse \\ invalide dans un texte")),
    ("Invalid \\uXXXX escape", gettext_lazy("séquence \\uXXXX invalide dans un texte")),
    ("Extra data", gettext_lazy("texte en trop après la fin de la liste")),
    ("Illegal trailing comma", gettext_lazy("virgule en trop avant la fin de la liste ou de l'objet")),
)


def json_error_message(exc):
    """« JSON invalide à la ligne 3, colonne 5 : une virgule est attendue. » — never the parser's English."""
    english = str(getattr(exc, "msg", "") or "")
    reason = next(
        (str(french) for prefix, french in JSON_ERRORS if english.startswith(prefix)),
        _("syntaxe incorrecte"),
    )
    return _("JSON invalide à la ligne %(line)s, colonne %(column)s : %(reason)s.") % {
        "line": getattr(exc, "lineno", "?"),
        "column": getattr(exc, "colno", "?"),
        "reason": reason,
    }


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, and `is-invalid` on the fields that got an error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            self._style(field)

    @staticmethod
    def _style(field):
        widget = field.widget
        if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "")
        if css not in classes.split():
            widget.attrs["class"] = f"{css} {classes}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        names = [field] if field else []
        if field is None and isinstance(error, forms.ValidationError) and hasattr(error, "error_dict"):
            names = list(error.error_dict)
        for name in names:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = widget.attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    widget.attrs["class"] = " ".join([*classes, "is-invalid"])


class JSONListField(forms.CharField):
    """A textarea holding a JSON list; an empty box means an empty list."""

    widget = forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value if isinstance(value, str) else _as_json_text(value)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return []
        if text_too_deep(text) is not None:  # before the parser recurses (issue 28, F12)
            raise forms.ValidationError(too_deep_message())
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(json_error_message(exc)) from exc
        if not isinstance(data, list):
            raise forms.ValidationError(_("Une liste JSON entre crochets [ … ] est attendue."))
        return data


# The structured editors' rows (static/js/clause-editor.js): what each field is called on the page, so a
# server error names the row and the field a curator sees ("Paramètre 2, « Valeur minimale » : …").
PARAMETER_FIELDS = {
    "name": gettext_lazy("Nom technique"),
    "label": gettext_lazy("Libellé"),
    "type": gettext_lazy("Type"),
    "default": gettext_lazy("Valeur par défaut"),
    "required": gettext_lazy("Obligatoire"),
    "choices": gettext_lazy("Choix possibles"),
    "min": gettext_lazy("Valeur minimale"),
    "max": gettext_lazy("Valeur maximale"),
    "help": gettext_lazy("Aide"),
    "direction": gettext_lazy("Sens (plafond ou plancher)"),
    "improvable": gettext_lazy("Améliorable par le candidat"),
}
PARAMETER_TYPES = {
    "text": gettext_lazy("Texte"),
    "integer": gettext_lazy("Nombre entier"),
    "decimal": gettext_lazy("Nombre décimal"),
    "boolean": gettext_lazy("Oui / non"),
    "date": gettext_lazy("Date"),
    "choice": gettext_lazy("Choix dans une liste"),
}
PARAMETER_DIRECTIONS = {
    "": gettext_lazy("Ni plafond ni plancher"),
    "max": gettext_lazy("Plafond (plus bas est mieux)"),
    "min": gettext_lazy("Plancher (plus haut est mieux)"),
}
RUBRIC_FIELDS = {"score": gettext_lazy("Note"), "description": gettext_lazy("Description")}
PRICE_LINE_FIELDS = {
    "code": gettext_lazy("Code"),
    "label": gettext_lazy("Libellé"),
    "unit": gettext_lazy("Unité"),
    "quantity": gettext_lazy("Quantité"),
    "period": gettext_lazy("Période"),
}
PRICE_PERIODS = {
    "once": gettext_lazy("Une fois"),
    "year": gettext_lazy("Par an"),
    "month": gettext_lazy("Par mois"),
}
REFERENCE_FIELDS = {
    "label": gettext_lazy("Libellé"),
    "url": gettext_lazy("Adresse (URL)"),
    "informative": gettext_lazy("À titre informatif"),
    "statutory": gettext_lazy("Obligation légale (sans « ou équivalent »)"),
}


def _row_error(row, labels, field, message):
    """« Paramètre 2, « Valeur minimale » : … » — the row as numbered on the page, the field by its label."""
    if field is None:
        return _("%(row)s : %(message)s") % {"row": row, "message": message}
    return _("%(row)s, « %(field)s » : %(message)s") % {"row": row, "field": labels[field], "message": message}


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _object_errors(row, item, labels):
    if not isinstance(item, dict):
        return [_row_error(row, labels, None, _("un objet { … } est attendu."))]
    unknown = sorted(set(item) - set(labels))
    if unknown:
        return [
            _row_error(
                row,
                labels,
                None,
                _("champ inconnu « %(field)s » (champs possibles : %(fields)s).")
                % {"field": unknown[0], "fields": ", ".join(labels)},
            )
        ]
    return []


def _name_problems(name, index, seen) -> list[tuple[str, str]]:
    """The name's problems; a sound name is recorded in `seen` ({name: row number})."""
    from .parameters import NAME_RE

    if not isinstance(name, str) or not NAME_RE.match(name):
        return [
            (
                "name",
                _("« %(name)s » ne convient pas : lettres sans accent, chiffres et _, sans chiffre en tête.")
                % {"name": name if name is not None else ""},
            )
        ]
    if name in seen:
        return [("name", _("« %(name)s » est déjà le nom du paramètre %(n)s.") % {"name": name, "n": seen[name]})]
    seen[name] = index
    return []


def _choices_problems(kind, choices) -> list[tuple[str, str]]:
    if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
        return [("choices", _("une liste de textes non vides est attendue."))]
    if kind == "choice" and not choices:
        return [
            (
                "choices",
                _("donnez au moins un choix pour un paramètre de type « %(type)s ».")
                % {"type": PARAMETER_TYPES["choice"]},
            )
        ]
    if len(set(choices)) != len(choices):
        return [("choices", _("un choix apparaît deux fois."))]
    return []


def _bounds_problems(item, kind) -> list[tuple[str, str]]:
    problems = []
    numeric = kind in ("integer", "decimal")
    for bound in ("min", "max"):
        value = item.get(bound)
        if value is None:
            continue
        if not numeric:
            problems.append(
                (
                    bound,
                    _("seulement pour un nombre (type « %(a)s » ou « %(b)s »).")
                    % {"a": PARAMETER_TYPES["integer"], "b": PARAMETER_TYPES["decimal"]},
                )
            )
        elif not _is_number(value):
            problems.append((bound, _("un nombre est attendu.")))
    low, high = item.get("min"), item.get("max")
    if numeric and _is_number(low) and _is_number(high) and low > high:
        problems.append(("min", _("%(min)s est supérieur à la valeur maximale (%(max)s).") % {"min": low, "max": high}))
    return problems


def _parameter_problems(item, index, seen) -> list[tuple[str, str]]:
    """[(field, message)] of one parameter declaration (an object with known fields)."""
    from .parameters import coerce_value, normalize_definition

    problems = _name_problems(item.get("name"), index, seen)
    kind = item.get("type", "text")
    if kind not in PARAMETER_TYPES:
        types = ", ".join(str(label) for label in PARAMETER_TYPES.values())
        return [
            *problems,
            ("type", _("« %(type)s » n'est pas un type possible (%(types)s).") % {"type": kind, "types": types}),
        ]
    if not isinstance(item.get("required", True), bool):
        problems.append(("required", _("oui ou non (true ou false) attendu.")))
    problems += [
        (field, _("un texte est attendu."))
        for field in ("label", "help")
        if item.get(field) is not None and not isinstance(item[field], str)
    ]
    problems += _choices_problems(kind, item.get("choices") or [])
    problems += _bounds_problems(item, kind)
    default = item.get("default")
    if default not in (None, "") and not problems:  # a default is checked against a sound row
        try:
            coerce_value(normalize_definition(item), default)
        except ValueError as exc:
            problems.append(("default", str(exc)))
    return problems


def parameter_row_errors(parameters):
    """French messages naming the row and the field for each problem of the parameter declarations."""
    errors, seen = [], {}
    for index, item in enumerate(parameters, start=1):
        row = _("Paramètre %(n)s") % {"n": index}
        problems = _object_errors(row, item, PARAMETER_FIELDS)
        if problems:
            errors.extend(problems)
            continue
        errors += [
            _row_error(row, PARAMETER_FIELDS, field, message)
            for field, message in _parameter_problems(item, index, seen)
        ]
    return errors


def rubric_row_errors(rubric, scale_max):
    errors, seen = [], {}
    for index, item in enumerate(rubric, start=1):
        row = _("Niveau %(n)s") % {"n": index}
        problems = _object_errors(row, item, RUBRIC_FIELDS)
        if problems:
            errors.extend(problems)
            continue
        score = item.get("score")
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= scale_max:
            errors.append(
                _row_error(
                    row, RUBRIC_FIELDS, "score", _("un entier entre 0 et %(max)s est attendu.") % {"max": scale_max}
                )
            )
        elif score in seen:
            errors.append(
                _row_error(
                    row,
                    RUBRIC_FIELDS,
                    "score",
                    _("la note %(score)s est déjà celle du niveau %(n)s.") % {"score": score, "n": seen[score]},
                )
            )
        else:
            seen[score] = index
        description = item.get("description")
        if not isinstance(description, str) or not description.strip():
            errors.append(_row_error(row, RUBRIC_FIELDS, "description", _("obligatoire.")))
    return errors


def reference_row_errors(references):
    errors = []
    for index, item in enumerate(references, start=1):
        row = _("Référence %(n)s") % {"n": index}
        problems = _object_errors(row, item, REFERENCE_FIELDS)
        if problems:
            errors.extend(problems)
            continue
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            errors.append(_row_error(row, REFERENCE_FIELDS, "label", _("obligatoire.")))
        url = item.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            errors.append(_row_error(row, REFERENCE_FIELDS, "url", _("l'adresse doit commencer par https://.")))
        if not isinstance(item.get("informative", False), bool):
            errors.append(_row_error(row, REFERENCE_FIELDS, "informative", _("oui ou non (true ou false) attendu.")))
    return errors


def price_line_row_errors(lines):
    """Messages naming the row for each problem of a clause's price lines (clause_library.content rules)."""
    from .content import price_line_errors

    errors, seen = [], {}
    for index, item in enumerate(lines, start=1):
        row = _("Ligne de prix %(n)s") % {"n": index}
        problems = _object_errors(row, item, PRICE_LINE_FIELDS)
        if problems:
            errors.extend(problems)
            continue
        errors.extend(_row_error(row, PRICE_LINE_FIELDS, None, message) for message in price_line_errors(item))
        code = item.get("code")
        if isinstance(code, str) and code in seen:
            errors.append(
                _row_error(row, PRICE_LINE_FIELDS, "code", _("déjà le code de la ligne %(n)s.") % {"n": seen[code]})
            )
        elif isinstance(code, str):
            seen[code] = index
    return errors


class TagsField(forms.CharField):
    """Comma-separated tags, kept in the order typed, without blanks or repeats."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        tags = []
        for tag in text.split(","):
            tag = tag.strip()
            if tag and tag not in tags:
                tags.append(tag)
        return tags


class ArticleListField(forms.CharField):
    """CCAG-TIC article numbers separated by commas or spaces, kept in the order typed, without repeats."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        articles = []
        for article in text.replace(";", ",").replace(" ", ",").split(","):
            article = article.strip()
            if article and article not in articles:
                articles.append(article)
        return articles


class ClauseForm(BootstrapForm):
    key = forms.SlugField(
        label=gettext_lazy("Clé"),
        max_length=100,
        help_text=gettext_lazy(
            "Identifiant stable dans la bibliothèque : lettres, chiffres, tirets (ex. api-fhir-r4)."
        ),
    )
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=300)
    category = forms.ChoiceField(label=gettext_lazy("Catégorie"), choices=Category.choices)
    requirement = forms.ChoiceField(label=gettext_lazy("Exigence"), choices=Requirement.choices)
    language = forms.ChoiceField(label=gettext_lazy("Langue"), choices=Language.choices, initial=Language.FR)
    body = forms.CharField(
        label=gettext_lazy("Texte de la clause"),
        max_length=50000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Markdown. Écrivez {{ nom_du_parametre }} à l'endroit où la valeur d'un paramètre déclaré "
            "ci-dessous doit apparaître ; le texte n'est jamais exécuté."
        ),
    )
    question = forms.CharField(
        label=gettext_lazy("Question au candidat"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    default_weight = forms.DecimalField(
        label=gettext_lazy("Poids par défaut (%)"),
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text=gettext_lazy("Pour un critère noté : sa part, entre 0 et 100."),
    )
    scale_max = forms.IntegerField(label=gettext_lazy("Note maximale"), initial=5)
    parameters = JSONListField(
        label=gettext_lazy("Paramètres (JSON)"),
        help_text=format_lazy(
            "{} {}",
            gettext_lazy("Une liste ; types : text, integer, decimal, boolean, date, choice. Exemple :"),
            PARAMETERS_EXAMPLE,
        ),
    )
    rubric = JSONListField(
        label=gettext_lazy("Grille de notation (JSON)"),
        help_text=format_lazy("{} {}", gettext_lazy("Exemple :"), RUBRIC_EXAMPLE),
    )
    references = JSONListField(
        label=gettext_lazy("Références (JSON)"),
        help_text=format_lazy("{} {}", gettext_lazy("Exemple :"), REFERENCES_EXAMPLE),
    )
    checks = JSONListField(
        label=gettext_lazy("Vérifications automatiques (JSON)"),
        help_text=format_lazy(
            "{} {} {} {}",
            gettext_lazy("Facultatif. Exemple :"),
            CHECKS_EXAMPLE,
            gettext_lazy("Types :"),
            CHECK_TYPES,
        ),
    )
    destination = forms.ChoiceField(
        label=gettext_lazy("Destination dans le dossier de consultation"),
        choices=Destination.choices,
        initial=Destination.ANNEX,
        required=False,  # a form posted without it (older pages, scripts) keeps the default
        help_text=gettext_lazy(
            "Annexe technique : une exigence technique. CCAP : pénalités, réversibilité, propriété "
            "intellectuelle, confidentialité. RC : pièces à fournir, démonstrations. "
            "Bordereau des prix : une ligne de prix."
        ),
    )
    derogations = ArticleListField(
        label=gettext_lazy("Dérogations au CCAG-TIC 2021"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "Pour une clause du CCAP seulement : les articles du CCAG-TIC 2021 dont elle s'écarte, "
            "séparés par des virgules (ex. 14.1.1, 14.3)."
        ),
    )
    appreciation = forms.CharField(
        label=gettext_lazy("Éléments d'appréciation (clause notée)"),
        required=False,
        max_length=10000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Ce qui est apprécié au-delà du minimum que le texte impose à toute offre ; sans valeur contractuelle, "
            "imprimé sous le sous-critère dans le RC et dans l'annexe."
        ),
    )
    deferrable = forms.BooleanField(
        label=gettext_lazy("Livrable en différé, à une date de la feuille de route"),
        required=False,
        help_text=gettext_lazy(
            "Clause notée seulement : le candidat peut répondre « Partiel » et dater la livraison après la "
            "vérification d'aptitude (VABF)."
        ),
    )
    price_lines = JSONListField(
        label=gettext_lazy("Lignes de prix (JSON)"),
        help_text=gettext_lazy(
            'Facultatif. Exemple : [{"code": "replication-licence", "label": "Base de réplication : mise en service", '
            '"unit": "forfait", "quantity": 1, "period": "once"}] ; période : once, year ou month.'
        ),
    )
    legal_note = forms.CharField(
        label=gettext_lazy("Note juridique (non publiée)"),
        required=False,
        max_length=20000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Pour les acheteurs : pourquoi la clause est licite, le risque, la source. "
            "Jamais imprimée dans les pièces du marché."
        ),
    )
    tags = TagsField(
        label=gettext_lazy("Étiquettes"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Séparées par des virgules (ex. fhir, dpi)."),
    )

    def __init__(self, *args, with_key=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_key:
            del self.fields["key"]

    def clean_destination(self):
        return self.cleaned_data.get("destination") or Destination.ANNEX

    def editor_strings(self):
        """The words of the structured editors (static/js/clause-editor.js), in the page's language."""
        return {
            "fields": {
                "parameters": {k: str(v) for k, v in PARAMETER_FIELDS.items()},
                "rubric": {k: str(v) for k, v in RUBRIC_FIELDS.items()},
                "references": {k: str(v) for k, v in REFERENCE_FIELDS.items()},
                "price_lines": {k: str(v) for k, v in PRICE_LINE_FIELDS.items()},
            },
            "types": {k: str(v) for k, v in PARAMETER_TYPES.items()},
            "options": {
                "type": {k: str(v) for k, v in PARAMETER_TYPES.items()},
                "direction": {k: str(v) for k, v in PARAMETER_DIRECTIONS.items()},
                "period": {k: str(v) for k, v in PRICE_PERIODS.items()},
            },
            "row": {
                "parameters": _("Paramètre %(n)s"),
                "rubric": _("Niveau %(n)s"),
                "references": _("Référence %(n)s"),
                "price_lines": _("Ligne de prix %(n)s"),
            },
            "add": {
                "parameters": _("Ajouter un paramètre"),
                "rubric": _("Ajouter un niveau"),
                "references": _("Ajouter une référence"),
                "price_lines": _("Ajouter une ligne de prix"),
            },
            "empty": {
                "parameters": _("Aucun paramètre."),
                "rubric": _("Aucun niveau."),
                "references": _("Aucune référence."),
                "price_lines": _("Aucune ligne de prix."),
            },
            "up": _("Monter"),
            "down": _("Descendre"),
            "remove": _("Retirer"),
            "up_label": _("Monter : %(row)s"),
            "down_label": _("Descendre : %(row)s"),
            "remove_label": _("Retirer : %(row)s"),
            "moved": _("%(row)s, désormais en position %(n)s."),
            "removed": _("%(row)s retiré."),
            "choices_help": _("Séparés par des virgules."),
            "default_help": _("Pour oui / non : oui ou non ; pour une date : AAAA-MM-JJ."),
            "name_help": _("Lettres sans accent, chiffres et _ ; c'est le nom à écrire {{ ainsi }} dans le texte."),
            "bad_json": _("Le JSON ci-dessous ne se lit pas : corrigez-le pour retrouver l'éditeur en lignes."),
        }

    def clean_parameters(self):
        parameters = self.cleaned_data["parameters"]
        self.parsed_parameters = parameters  # parsed, even if refused: the body's placeholders are checked against it
        errors = parameter_row_errors(parameters)
        if errors:
            raise forms.ValidationError(errors)
        return parameters

    def clean_references(self):
        references = self.cleaned_data["references"]
        errors = reference_row_errors(references)
        if errors:
            raise forms.ValidationError(errors)
        return references

    def clean_price_lines(self):
        lines = self.cleaned_data["price_lines"]
        errors = price_line_row_errors(lines)
        if errors:
            raise forms.ValidationError(errors)
        return lines

    def clean(self):
        cleaned = super().clean()
        scale_max = cleaned.get("scale_max")
        if "rubric" in cleaned and isinstance(scale_max, int) and 1 <= scale_max <= 100:
            errors = rubric_row_errors(cleaned["rubric"], scale_max)
            if errors:
                self.add_error("rubric", forms.ValidationError(errors))
        return cleaned

    def content(self):
        """The clause content as the services take it (cleaned data minus the key)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "key"}

    # When a field did not parse, a stand-in value lets the shared rules check the others; the
    # fields whose rules depend on it (placeholders on parameters, rubric on scale) are skipped.
    STAND_INS = {
        "title": "-",
        "category": Category.API_ACCESS,
        "requirement": Requirement.INFORMATIVE,
        "language": "fr",
        "body": "-",
        "question": "",
        "default_weight": None,
        "scale_max": 5,
        "parameters": [],
        "rubric": [],
        "references": [],
        "checks": [],
        "tags": [],
        "destination": Destination.ANNEX,
        "derogations": [],
        "legal_note": "",
        "appreciation": "",
        "deferrable": False,
        "price_lines": [],
    }
    DEPENDS_ON = {"body": "parameters", "rubric": "scale_max", "derogations": "destination"}

    def add_rule_errors(self):
        """After a failed is_valid(): the content rules' errors on the fields that did parse."""
        from .content import validate_clause_content

        parsed = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        content = {**self.STAND_INS, **{k: v for k, v in parsed.items() if k != "key"}}
        known = set(parsed)
        if "parameters" not in parsed and isinstance(getattr(self, "parsed_parameters", None), list):
            # Refused rows but valid JSON: the names declared still tell which placeholders are unknown.
            content["parameters"] = [p for p in self.parsed_parameters if isinstance(p, dict)]
            known.add("parameters")
        for field, messages in validate_clause_content(content).items():
            if field in parsed and self.DEPENDS_ON.get(field, field) in known:
                for message in messages:
                    self.add_error(field, message)

    def add_service_errors(self, errors):
        """Put a service's {field: [messages]} next to the matching fields, the rest on top."""
        for field, messages in errors.items():
            target = field if field in self.fields else None
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(target, str(message))


class ClauseFilterForm(BootstrapForm):
    q = forms.CharField(label=gettext_lazy("Recherche"), required=False, max_length=200)
    category = forms.ChoiceField(
        label=gettext_lazy("Catégorie"), required=False, choices=[("", gettext_lazy("Toutes"))] + Category.choices
    )
    requirement = forms.ChoiceField(
        label=gettext_lazy("Exigence"), required=False, choices=[("", gettext_lazy("Toutes"))] + Requirement.choices
    )
    tag = forms.CharField(label=gettext_lazy("Étiquette"), required=False, max_length=100)

    def filters(self):
        """The valid filters only: a bad value is dropped rather than breaking the page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or None for name in self.fields if name not in self.errors}


def _organization_field(organizations, label):
    field = forms.ModelChoiceField(
        label=label,
        queryset=organizations,
        empty_label=None,
        error_messages={
            "invalid_choice": gettext_lazy("Choisissez une organisation dont vous êtes curateur ou administrateur.")
        },
    )
    BootstrapForm._style(field)
    return field


class LibraryCreateForm(BootstrapForm):
    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = _organization_field(organizations, gettext_lazy("Organisation propriétaire"))
        self.order_fields(["organization"])

    name = forms.CharField(label=gettext_lazy("Nom"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    language = forms.ChoiceField(label=gettext_lazy("Langue"), choices=Language.choices, initial=Language.FR)


class LibraryImportForm(BootstrapForm):
    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = _organization_field(organizations, gettext_lazy("Importer dans l'organisation"))
        self.order_fields(["organization", "file"])

    file = forms.FileField(
        label=gettext_lazy("Fichier de bibliothèque (JSON)"),
        help_text=gettext_lazy("Un fichier « clausier-library/2 » (ou /1) exporté par Clausier."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("Fichier trop volumineux : %(size)s octets, %(limit)s au plus.")
                % {"size": upload.size, "limit": limit}
            )
        raw = upload.read(limit + 1)
        try:
            text = raw.decode("utf-8-sig")
            if text_too_deep(text) is not None:  # before the parser and the schema check recurse (F12)
                raise forms.ValidationError(too_deep_message())
            return json.loads(text)
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("Le fichier n'est pas du texte UTF-8.")) from exc
        except RecursionError as exc:
            raise forms.ValidationError(_("Le fichier JSON est imbriqué trop profondément.")) from exc
        except ValueError as exc:
            raise forms.ValidationError(json_error_message(exc)) from exc


class LibraryForkForm(BootstrapForm):
    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = _organization_field(organizations, gettext_lazy("Copier dans l'organisation"))
        self.order_fields(["organization", "name"])

    name = forms.CharField(
        label=gettext_lazy("Nom de la copie"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Laissez vide pour garder le nom d'origine."),
    )


class LibraryShareForm(BootstrapForm):
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibilité"),
        choices=Library.Visibility.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Privée : votre organisation seulement. "
            "Partagée : votre organisation et les organisations cochées ci-dessous. "
            "Publique : tous les utilisateurs de Clausier."
        ),
    )
    shared_with = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Partagée avec"),
        required=False,
        queryset=Organization.objects.none(),
        error_messages={
            key: gettext_lazy(
                "Organisation inconnue ou sans lien avec la vôtre (établissements adhérents, groupements)."
            )
            for key in ("invalid_choice", "invalid_pk_value")
        },
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Les organisations liées à la vôtre : les établissements adhérents d'un groupement, les "
            "groupements dont un établissement est adhérent."
        ),
    )

    def __init__(self, *args, library, related, **kwargs):
        super().__init__(*args, **kwargs)
        self.library = library
        # Offered: the related organisations and those the library is already shared with, never the
        # whole instance (issue 18, finding 13); nothing else can be chosen (issue 28, F10).
        current = library.shared_with.values("pk")
        self.fields["shared_with"].queryset = (
            Organization.objects.filter(Q(pk__in=related.values("pk")) | Q(pk__in=current))
            .exclude(pk=library.organization_id)
            .distinct()
            .order_by("name")
        )

    def shared_organizations(self):
        """The organisations to share with: the ticked ones (related to the owner, or shared with already)."""
        return list(self.cleaned_data.get("shared_with") or [])

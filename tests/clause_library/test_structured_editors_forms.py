"""Issue 17: the clause form's errors on parameters, rubric and references name the row and the field as
the structured editor shows them, in French; a JSON syntax error is French too, with its line and column."""

import json

import pytest

from clause_library.forms import ClauseForm, LibraryImportForm

from ..factories import clause_content


def errors_of(**overrides):
    content = clause_content()
    data = {
        "key": "cle",
        "title": "Titre",
        "category": content["category"],
        "requirement": content["requirement"],
        "language": "fr",
        "body": "Texte",
        "scale_max": "5",
        "parameters": "[]",
        "rubric": "[]",
        "references": "[]",
    }
    data.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in overrides.items()})
    form = ClauseForm(data)
    assert not form.is_valid()
    form.add_rule_errors()  # as the page does
    return {field: list(messages) for field, messages in form.errors.items()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[\n  {"name": "a"\n    "type": "text"}\n]',
            "JSON invalide à la ligne 3, colonne 5 : une virgule est attendue.",
        ),
        ("[1,]", "JSON invalide à la ligne 1, colonne 4 : une valeur est attendue"),
        ('[{name: "a"}]', "JSON invalide à la ligne 1, colonne 3 : un nom de champ entre guillemets droits"),
        ('["abc', "JSON invalide à la ligne 1, colonne 2 : texte non refermé"),
        ("[1] [2]", "JSON invalide à la ligne 1, colonne 5 : texte en trop"),
    ],
)
def test_a_json_syntax_error_is_told_in_french_with_line_and_column(text, message):
    (error,) = errors_of(parameters=text)["parameters"]
    assert error.startswith(message)
    assert "Expecting" not in error and "delimiter" not in error


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        (
            [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer", "min": 10, "max": 2}],
            "Paramètre 2, « Valeur minimale » : 10 est supérieur à la valeur maximale (2).",
        ),
        (
            [{"name": "a", "type": "text", "min": 1}],
            "Paramètre 1, « Valeur minimale » : seulement pour un nombre (type « Nombre entier » ou « Nombre décimal »).",
        ),
        ([{"name": "2a"}], "Paramètre 1, « Nom technique » : « 2a » ne convient pas"),
        (
            [{"name": "a", "type": "integer", "default": "trente"}],
            "Paramètre 1, « Valeur par défaut » : nombre entier attendu.",
        ),
        ([{"name": "a", "type": "choice"}], "Paramètre 1, « Choix possibles » : donnez au moins un choix"),
        (
            [{"name": "a", "type": "money"}],
            "Paramètre 1, « Type » : « money » n'est pas un type possible (Texte, Nombre entier",
        ),
        ([{"name": "a", "colour": "red"}], "Paramètre 1 : champ inconnu « colour »"),
        (["a"], "Paramètre 1 : un objet { … } est attendu."),
    ],
)
def test_parameter_errors_name_the_row_and_the_field_label(parameters, message):
    messages = errors_of(parameters=parameters)["parameters"]
    assert any(m.startswith(message) for m in messages), messages
    assert not any("« integer »" in m or "« choice »" in m for m in messages), messages


def test_rubric_and_reference_errors_name_the_row_and_the_field_label():
    errors = errors_of(
        rubric=[{"score": 1, "description": "Un"}, {"score": 1, "description": ""}, {"score": 9, "description": "x"}],
        references=[{"label": "FHIR", "url": "ftp://x"}, {"label": "", "url": "https://a.test", "informative": "oui"}],
    )
    assert errors["rubric"] == [
        "Niveau 2, « Note » : la note 1 est déjà celle du niveau 1.",
        "Niveau 2, « Description » : obligatoire.",
        "Niveau 3, « Note » : un entier entre 0 et 5 est attendu.",
    ]
    assert errors["references"] == [
        "Référence 1, « Adresse (URL) » : l'adresse doit commencer par https://.",
        "Référence 2, « Libellé » : obligatoire.",
        "Référence 2, « À titre informatif » : oui ou non (true ou false) attendu.",
    ]


def test_refused_parameter_rows_still_let_the_body_be_checked():
    errors = errors_of(parameters=[{"name": "a", "type": "integer", "min": 5, "max": 1}], body="{{ a }} {{ absent }}")
    assert any("absent" in m for m in errors["body"]) and not any("« a »" in m for m in errors["body"])


def test_the_library_import_tells_json_errors_in_french_too():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from organizations.models import Organization

    form = LibraryImportForm(
        {"organization": ""},
        {"file": SimpleUploadedFile("l.json", b'{"a": 1,}')},
        organizations=Organization.objects.none(),
    )
    form.is_valid()
    assert form.errors["file"] == [
        'JSON invalide à la ligne 1, colonne 9 : un nom de champ entre guillemets droits " " est attendu.'
    ]

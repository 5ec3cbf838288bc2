"""Placeholder substitution and Markdown rendering: pure functions, no database."""

import re

import pytest

from clause_library.markdown import fill_text, render_html
from clause_library.parameters import coerce_value, placeholders, resolve_values, validate_definitions

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[clic](javascript:alert(1))",
    "{% load static %}{% debug %}",
    "<a href='javascript:alert(1)'>x</a>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{background:url(https://evil.example/x)}</style>",
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies_render_inert(body):
    html = render_html(body, {})
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered and "<style" not in lowered
    # Whatever survives is text: no tag carries an event handler or a javascript: link.
    assert not re.search(r"<[^>]*(onerror|onclick|javascript:)", lowered)


def test_template_syntax_is_never_executed():
    html = render_html("Clé : {{ settings.SECRET_KEY }} {% now 'Y' %}", {})
    assert "insecure" not in html
    assert "{% now &#x27;Y&#x27; %}" in html or "{% now 'Y' %}" in html
    assert "[settings.SECRET_KEY]" in html


def test_parameter_values_are_escaped():
    html = render_html("Éditeur : **{{ nom }}**", {"nom": "<img src=x onerror=alert(1)> & *gras*"})
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; *gras*" in html
    assert "<img" not in html and "<em>" not in html


def test_markdown_is_rendered():
    html = render_html(
        "Le titulaire :\n\n- ouvre l'API\n- publie la **documentation**\n\n[FHIR](https://hl7.org/fhir/)", {}
    )
    assert "<li>ouvre l'API</li>" in html.replace("&#x27;", "'")
    assert "<strong>documentation</strong>" in html
    assert 'href="https://hl7.org/fhir/"' in html and "noopener" in html


def test_fill_text_uses_french_values():
    assert fill_text("{{ a }} / {{ b }} / {{ c }}", {"a": True, "b": 2.5}) == "oui / 2,5 / [c]"


def test_placeholders_are_found_once_in_order():
    assert placeholders("{{b}} {{ a }} {{b }}") == ["b", "a"]


def test_definitions_are_checked():
    errors = validate_definitions(
        [
            {"name": "n", "type": "integer", "min": 5, "max": 1},
            {"name": "n", "type": "text"},
            {"name": "c", "type": "choice"},
            {"name": "1bad", "type": "text"},
            {"name": "t", "type": "text", "min": 1},
            {"name": "d", "type": "integer", "default": 999, "max": 10},
        ],
        "{{ n }} {{ c }} {{ absent }}",
    )
    text = " ".join(errors["parameters"])
    assert "min (5) est supérieur à max (1)" in text
    assert "nom en double" in text
    assert "liste de choix" in text
    assert "1bad" in text
    assert "« min » n'a de sens que pour un nombre" in text
    assert "valeur par défaut" in text
    assert errors["body"] == ["Le texte utilise « {{ absent }} », qui n'est pas un paramètre déclaré."]


@pytest.mark.parametrize(
    "definition, value, expected",
    [
        ({"type": "integer", "min": 1, "max": 10}, "7", 7),
        ({"type": "integer"}, 3.0, 3),
        ({"type": "decimal"}, "2,5", 2.5),
        ({"type": "boolean"}, "oui", True),
        ({"type": "date"}, "2027-03-26", "2027-03-26"),
        ({"type": "choice", "choices": ["a", "b"]}, "b", "b"),
        ({"type": "text"}, 12, "12"),
    ],
)
def test_values_are_coerced(definition, value, expected):
    assert coerce_value(definition, value) == expected


@pytest.mark.parametrize(
    "definition, value, fragment",
    [
        ({"type": "integer", "max": 10}, 11, "au plus 10"),
        ({"type": "integer", "min": 1}, 0, "au moins 1"),
        ({"type": "integer"}, "douze", "entier"),
        ({"type": "integer"}, True, "entier"),
        ({"type": "decimal"}, "NaN", "nombre"),
        ({"type": "date"}, "26/03/2027", "AAAA-MM-JJ"),
        ({"type": "choice", "choices": ["a"]}, "z", "choix"),
        ({"type": "boolean"}, "peut-être", "oui/non"),
    ],
)
def test_bad_values_say_what_is_expected(definition, value, fragment):
    with pytest.raises(ValueError, match=fragment):
        coerce_value(definition, value)


def test_values_resolve_from_the_most_specific_layer():
    definitions = [
        {"name": "delai", "type": "integer", "default": 30, "min": 1, "max": 90},
        {"name": "etab", "type": "text", "required": True},
    ]
    values, errors = resolve_values(definitions, {"delai": 45}, {"etab": "CHU", "delai": 60})
    assert values == {"delai": 45, "etab": "CHU"} and errors == {}
    values, errors = resolve_values(definitions, {"delai": 500, "intrus": 1}, {})
    assert errors == {
        "delai": ["doit être au plus 90."],
        "etab": ["valeur obligatoire manquante."],
        "intrus": ["paramètre inconnu pour cette clause."],
    }

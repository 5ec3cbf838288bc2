"""A parameter's value as it reads in a clause sentence, in the document's language."""

from decimal import Decimal

import pytest

from clause_library.parameters import display_value


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (99.95, "99,95", "99.95"),
        (Decimal("1500.5"), "1\u202f500,5", "1,500.5"),
        (4.0, "4", "4"),  # no "4,0": a whole number reads whole
        (30, "30", "30"),
        (2027, "2027", "2027"),  # an integer (a year, a count) is written as typed
        (True, "oui", "yes"),
        ("FHIR R4", "FHIR R4", "FHIR R4"),
    ],
)
def test_a_value_reads_as_its_language_writes_it(value, french, english):
    assert display_value(value, "fr") == french
    assert display_value(value, "en") == english

"""The editor's clause search reads what was typed and never refuses: an unknown category or page is none."""

import pytest

from tenders.forms import ClauseSearchForm


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ("", "", 1)),
        ({"q": "  FHIR  ", "category": "api_access", "page": "3"}, ("FHIR", "api_access", 3)),
        ({"q": "x" * 300}, ("x" * 200, "", 1)),
        ({"category": "nope", "page": "0"}, ("", "", 1)),
        ({"page": "-2"}, ("", "", 1)),
        ({"page": "10000"}, ("", "", 1)),
        ({"page": "9999"}, ("", "", 9999)),
        ({"q": "a\x00b", "page": "2"}, ("", "", 2)),  # a NUL byte never reaches the database
    ],
)
def test_it_reads_the_search_or_falls_back_to_no_filter(query, expected):
    assert ClauseSearchForm(query).search() == expected

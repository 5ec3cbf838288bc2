"""Numbers on the evaluation pages in the page's language: French "86,20" and "112 500,00" (narrow no-break
space), English "86.20" and "112,500.00" (organizations/templatetags/formatting.py)."""

import pytest
from django.test import Client
from django.utils import translation

from scoring.report.chart import chart_svg

from .test_api_results import fill

pytestmark = pytest.mark.django_db
NNBSP, NBSP = "\u202f", "\u00a0"


def read(evaluation, name, language):
    client = Client()
    client.force_login(evaluation.lead)
    response = client.get(f"/evaluation/tenders/{evaluation.tender.pk}/{name}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def table(page):
    start = page.index('id="results-table"')
    return page[start : page.index("</table>", start)]


def test_the_results_table_writes_points_in_the_pages_language(evaluation):
    fill(evaluation)  # Alpha: 46.2 technical + 40 price
    french, english = (table(read(evaluation, "results/", language)) for language in ("fr", "en"))
    assert "<strong>86,20</strong>" in french and "46,20" in french
    assert "<strong>86.20</strong>" in english and "46.20" in english and "86,20" not in english


def test_the_results_chart_labels_follow_the_active_language_unless_told_one():
    bids = [{"vendor": "Alpha", "technical_points": 1046.2, "price_points": 40.0, "eligible": True}]
    with translation.override("en"):
        assert ">1,086.20</text>" in chart_svg({"bids": bids})
        assert f">1{NNBSP}086,20</text>" in chart_svg({"language": "fr", "bids": bids})
    with translation.override("fr"):
        assert f">1{NNBSP}086,20</text>" in chart_svg({"bids": bids})


def test_the_low_offer_figures_are_written_in_the_pages_language(evaluation):
    # Charlie 80 000 € is 28.89 % below the mean of Alpha and Bravo (112 500 €).
    french, english = read(evaluation, "results/", "fr"), read(evaluation, "results/", "en")
    assert f"112{NNBSP}500,00" in french and "28,89" in french and f"80{NNBSP}000{NBSP}€" in french
    assert "112,500.00" in english and "28.89" in english and "€80,000" in english
    assert "28,89" not in english and f"112{NNBSP}500" not in english


def test_the_consensus_page_writes_means_in_the_pages_language(evaluation):
    fill(evaluation)  # Alpha's API FHIR: 4 and 5
    french, english = read(evaluation, "consensus/", "fr"), read(evaluation, "consensus/", "en")
    assert "4,50" in french and "4.50" not in french
    assert "4.50" in english and "4,50" not in english


def test_the_bids_page_writes_prices_in_the_pages_language(evaluation):
    french, english = read(evaluation, "bids/", "fr"), read(evaluation, "bids/", "en")
    assert f"125{NNBSP}000{NBSP}€" in french
    assert "€125,000" in english and "125\u202f000" not in english


def test_the_criteria_page_writes_shares_as_percentages_of_the_pages_language(evaluation):
    # Export: 30 % of the technical value's 60 → 18 % of the grade.
    french, english = read(evaluation, "criteria/", "fr"), read(evaluation, "criteria/", "en")
    assert f"<td>18{NBSP}%</td>" in french
    assert "<td>18%</td>" in english

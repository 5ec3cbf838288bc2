"""One formatting helper for numbers, money, percentages and dates, in French and in English."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import pgettext

from organizations.formatting import (
    format_date_words,
    format_money,
    format_number,
    format_percent,
    is_french,
    to_date,
)

NNBSP = "\u202f"  # narrow no-break space: French thousands
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "decimals", "french", "english"),
    [
        (12345.678, 2, f"12{NNBSP}345,68", "12,345.68"),
        (Decimal("1234567.5"), 1, f"1{NNBSP}234{NNBSP}567,5", "1,234,567.5"),
        (999, 0, "999", "999"),
        (-1234.5, 2, f"-1{NNBSP}234,50", "-1,234.50"),
        (2.675, 2, "2,68", "2.68"),  # half up, not the float's 2.67
        (0.125, 2, "0,13", "0.13"),
        ("42", 1, "42,0", "42.0"),
    ],
)
def test_it_formats_numbers_in_each_language(value, decimals, french, english):
    assert format_number(value, decimals, language="fr") == french
    assert format_number(value, decimals, language="en") == english


def test_trim_drops_only_the_zeros_that_add_nothing():
    assert format_number(Decimal("92.50"), trim=True, language="fr") == "92,5"
    assert format_number(Decimal("90.00"), trim=True, language="fr") == "90"
    assert format_number(1000, trim=True, language="en") == "1,000"
    assert format_number(Decimal("100.004"), trim=True, language="en") == "100"


def test_it_follows_the_active_language_unless_told_otherwise():
    with translation.override("en"):
        assert format_number(1234.5) == "1,234.50"
        assert format_number(1234.5, language="fr") == f"1{NNBSP}234,50"
        assert translation.get_language() == "en"  # the explicit language did not leak
    with translation.override("fr"):
        assert format_number(1234.5) == f"1{NNBSP}234,50"
        assert format_date_words(datetime.date(2029, 3, 26)) == "26 mars 2029"


def test_it_formats_money_with_the_currency_and_tax_where_each_language_puts_them():
    assert format_money(12345.5, language="fr") == f"12{NNBSP}345,50{NBSP}€"
    assert format_money(12345.5, tax="HT", language="fr") == f"12{NNBSP}345,50{NBSP}€{NBSP}HT"
    assert format_money(Decimal("99.999"), tax="TTC", language="fr") == f"100,00{NBSP}€{NBSP}TTC"
    assert format_money(12345.5, language="en") == "€12,345.50"
    assert format_money(12345.5, currency="EUR", language="en") == f"EUR{NBSP}12,345.50"
    with translation.override("en"):
        tax_words = pgettext("montant", "HT")  # the translators' words, placed after the amount
    assert format_money(12345.5, tax="HT", language="en") == f"€12,345.50{NBSP}{tax_words}"


def test_it_refuses_an_unknown_tax_mention():
    with pytest.raises(ValueError, match="tax"):
        format_money(10, tax="VAT")


def test_it_formats_percentages():
    assert format_percent(12.5, language="fr") == f"12,5{NBSP}%"
    assert format_percent(12.5, language="en") == "12.5%"
    assert format_percent(Decimal("33.333"), language="fr") == f"33,33{NBSP}%"
    assert format_percent(40, language="en") == "40%"
    assert format_percent(Decimal("12.50"), trim=False, language="en") == "12.50%"


def test_it_writes_dates_with_the_month_in_words():
    day = datetime.date(2029, 3, 26)
    assert format_date_words(day, language="fr") == "26 mars 2029"
    assert format_date_words(day, language="en") == "26 March 2029"
    assert format_date_words("2029-03-26", language="fr") == "26 mars 2029"
    assert format_date_words(datetime.date(2029, 8, 1), language="fr") == "1 août 2029"
    # 23:30 UTC on 31 Dec is already 1 January in Paris (the site's time zone).
    moment = datetime.datetime(2029, 12, 31, 23, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert format_date_words(moment, language="en") == "1 January 2030"


def test_nothing_gives_an_empty_text():
    assert format_number(None) == format_money(None) == format_percent(None) == format_date_words(None) == ""


def test_it_reads_a_date_from_a_date_a_datetime_or_iso_text():
    day = datetime.date(2029, 3, 26)
    assert to_date(day) == to_date("2029-03-26") == to_date("2029-03-26T10:00:00Z") == day
    assert to_date(datetime.datetime(2029, 3, 26, 9, 0)) == day
    moment = datetime.datetime(2029, 12, 31, 23, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert to_date(moment) == datetime.date(2030, 1, 1)  # the site's day (Paris)
    assert to_date(None) is to_date("") is None


def test_it_knows_a_french_language_by_its_first_part():
    assert is_french("fr") and is_french("fr-ca") and is_french("FR-fr") and not is_french("en")
    with translation.override("en"):
        assert not is_french() and is_french("fr")


# The template filters ({% load formatting %}) -----------------------------------------------------

FILTERS = Template(
    "{% load formatting %}{{ total|number:2 }}|{{ weight|number:'-2' }}|{{ weight|number }}|{{ share|percent }}|"
    "{{ share|percent:2 }}|{{ price|money }}|{{ cents|money }}|{{ missing|number }}{{ missing|money }}|{{ text|number }}"
)
VALUES = {
    "total": 12345.678,
    "weight": Decimal("92.50"),
    "share": 12.5,
    "price": 125000,
    "cents": Decimal("1200000.5"),
    "missing": None,
    "text": "douze",
}


def test_the_filters_write_the_pages_language():
    with translation.override("fr"):
        french = FILTERS.render(Context(VALUES)).split("|")
    with translation.override("en"):
        english = FILTERS.render(Context(VALUES)).split("|")
    assert french == [
        f"12{NNBSP}345,68",
        "92,5",
        "92,5",
        f"12,5{NBSP}%",
        f"12,50{NBSP}%",
        f"125{NNBSP}000{NBSP}€",
        f"1{NNBSP}200{NNBSP}000,50{NBSP}€",
        "",
        "",
    ]
    assert english == ["12,345.68", "92.5", "92.5", "12.5%", "12.50%", "€125,000", "€1,200,000.50", "", ""]

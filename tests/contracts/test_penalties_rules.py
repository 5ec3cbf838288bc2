"""The arithmetic of contracts/penalties.py on plain values: deadlines, late days, amounts, cap, exemption."""

import datetime
from decimal import Decimal

import pytest

from contracts import penalties
from contracts.penalties import Rates

D = datetime.date


def test_money_rounds_half_up_to_the_cent():
    assert penalties.money(Decimal("0.005")) == Decimal("0.01")
    assert penalties.money(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67
    assert penalties.money(Decimal("-0.005")) == Decimal("-0.01")


@pytest.mark.parametrize(
    ("label", "name", "unit"),
    [
        ("Délai de rétablissement après un incident majeur (jours ouvrés)", "x", penalties.WORKING_DAYS),
        ("Délai de réponse motivée (jours)", "x", penalties.CALENDAR_DAYS),
        ("Délai de remise du plan (mois)", "x", penalties.MONTHS),
        ("Délai de rétablissement après un incident bloquant (heures)", "x", penalties.HOURS),
        ("Délai de prise en charge (minutes)", "x", penalties.MINUTES),
        ("Response deadline (working days)", "x", penalties.WORKING_DAYS),
        ("Sans unité dans le libellé", "delai_remise_jours", penalties.CALENDAR_DAYS),
        ("Disponibilité mensuelle minimale (%)", "disponibilite_pourcentage", None),
        ("Début des heures ouvrées (heure)", "heure_debut_ouvree", None),
    ],
)
def test_the_unit_of_a_delay_is_read_from_its_label(label, name, unit):
    assert penalties.delay_unit({"label": label, "name": name}) == unit


def test_working_days_skip_weekends_and_french_public_holidays():
    # Wednesday 5 May 2027; Thursday 6 May is Ascension Day, 8 May a Saturday: the 3rd working day is Tue 11.
    assert penalties.due_date(D(2027, 5, 5), 3, penalties.WORKING_DAYS) == D(2027, 5, 11)
    # The same delay in calendar days.
    assert penalties.due_date(D(2027, 5, 5), 3, penalties.CALENDAR_DAYS) == D(2027, 5, 8)
    # Easter Monday 2027 is 29 March: Friday 26 March + 1 working day → Tuesday 30 March.
    assert penalties.due_date(D(2027, 3, 26), 1, penalties.WORKING_DAYS) == D(2027, 3, 30)
    assert D(2027, 3, 29) in penalties.french_holidays([2027])
    assert D(2027, 7, 14) in penalties.french_holidays([2027])


def test_months_end_on_the_same_day_or_the_months_last_day():
    assert penalties.due_date(D(2027, 1, 31), 1, penalties.MONTHS) == D(2027, 2, 28)
    assert penalties.due_date(D(2027, 11, 15), 3, penalties.MONTHS) == D(2028, 2, 15)


def test_hours_and_minutes_are_due_the_next_day_at_the_latest():
    assert penalties.due_date(D(2027, 5, 5), 8, penalties.HOURS) == D(2027, 5, 6)
    assert penalties.due_date(D(2027, 5, 5), 72, penalties.HOURS) == D(2027, 5, 8)
    assert penalties.due_date(D(2027, 5, 5), 30, penalties.MINUTES) == D(2027, 5, 6)


def test_late_days_are_calendar_days_after_the_due_date():
    assert penalties.late_days(D(2027, 5, 11), D(2027, 5, 11)) == 0
    assert penalties.late_days(D(2027, 5, 11), D(2027, 5, 10)) == 0
    assert penalties.late_days(D(2027, 5, 11), D(2027, 5, 12)) == 1
    assert penalties.late_days(D(2027, 5, 11), None, today=D(2027, 5, 21)) == 10
    assert penalties.late_days(D(2027, 5, 11)) == 0


RATES = Rates(per_day=Decimal("200"), per_overrun=Decimal("120"))


@pytest.mark.parametrize("days", [0, 1, 10, 400])
def test_each_regime_by_hand(days):
    expected_a = Decimal("12000") * days / 1000
    expected_b = Decimal("200") * days
    expected_c = Decimal("120") if days else Decimal("0")
    assert penalties.line_amount("A", days, value=Decimal("12000"), rates=RATES) == expected_a
    assert penalties.line_amount("B", days, rates=RATES) == expected_b
    assert penalties.line_amount("C", days, rates=RATES) == expected_c


def test_a_line_without_its_base_counts_nothing():
    assert penalties.line_amount("A", 10, value=None, rates=RATES) is None
    assert penalties.line_amount("B", 10, rates=Rates()) is None
    assert penalties.line_amount("A", 0, value=None, rates=RATES) == 0


def test_regime_a_rounds_to_the_cent():
    # 1 234,56 × 7 / 1000 = 8,64192 → 8,64
    assert penalties.line_amount("A", 7, value=Decimal("1234.56")) == Decimal("8.64")


def test_exemption_at_or_below_1000_euros():
    result = penalties.totals([Decimal("400"), Decimal("600")], Decimal("100000"))
    assert (result.computed, result.exempted, result.total) == (Decimal("1000"), True, Decimal("0"))
    result = penalties.totals([Decimal("400"), Decimal("600.01")], Decimal("100000"))
    assert (result.exempted, result.total) == (False, Decimal("1000.01"))


def test_cap_at_ten_percent_of_the_contract_amount():
    result = penalties.totals([Decimal("80000"), None], Decimal("100000"))
    assert result.cap == Decimal("100000") * 10 / 100
    assert result.computed == Decimal("80000")
    assert result.total == Decimal("10000")


def test_availability_steps_are_started_tenths_of_a_point():
    assert penalties.availability_steps(Decimal("99.8"), Decimal("99.8")) == 0
    assert penalties.availability_steps(Decimal("99.8"), Decimal("99.9")) == 0
    assert penalties.availability_steps(Decimal("99.8"), Decimal("99.79")) == 1
    assert penalties.availability_steps(Decimal("99.8"), Decimal("99.7")) == 1
    assert penalties.availability_steps(Decimal("99.8"), Decimal("99.55")) == 3


def test_availability_amount_on_the_monthly_fee_else_flat():
    # 5 % of a 1 000 € monthly fee per step, 3 steps.
    assert penalties.availability_amount(3, monthly_fee=Decimal("1000"), percent=Decimal("5")) == (
        Decimal("1000") * 5 / 100 * 3
    )
    assert penalties.availability_amount(3, monthly_fee=None, percent=Decimal("5"), flat=Decimal("250")) == 750
    assert penalties.availability_amount(0, flat=Decimal("250")) == 0


def test_the_observation_period_is_15_days():
    assert penalties.observation_deadline(D(2027, 6, 1)) == D(2027, 6, 16)


def test_the_default_penalties_table_is_read_with_its_regimes():
    from .execution_setup import DEFAULT

    body = DEFAULT["delay-penalties"]["body"]
    rows = penalties.penalty_table(body)
    assert {row.regime for row in rows} == {"A", "B", "C"}
    regime_a = [row for row in rows if row.regime == "A"]
    assert [(row.clause_key, row.price_code) for row in regime_a] == [("replication-database", "replication-setup")]
    names = penalties.rate_parameters(body)
    assert names["B"] == "penalite_euros_par_jour"
    assert names["C"] == "penalite_euros_par_depassement"
    assert names["availability_percent"] == "penalite_indisponibilite_pourcentage"
    assert names["availability_flat"] == "penalite_indisponibilite_euros"
    assert names["availability_clause"] == "interface-sla"


def test_the_committed_value_applies_unless_less_favourable_than_required():
    from contracts.execution import applicable_value

    delay = {"type": "integer", "direction": "max"}
    floor = {"type": "decimal", "direction": "min"}
    assert applicable_value(delay, 5, 3) == (Decimal("3"), True)
    assert applicable_value(delay, 5, 8) == (Decimal("5"), False)  # an offer never lowers the binding minimum
    assert applicable_value(delay, 5, None) == (Decimal("5"), False)
    assert applicable_value(floor, "99.5", "99.8") == (Decimal("99.8"), True)
    assert applicable_value(floor, "99.5", "99") == (Decimal("99.5"), False)

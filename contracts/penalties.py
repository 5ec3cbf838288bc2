"""The arithmetic of the execution log: deadlines, late days and penalties (docs/PENALTIES.md).

Pure functions on plain values: no database, no settings. The services (contracts/execution.py) read the
tender's CCAP and the awardee's offer, then call these; the API, the pages and the penalty statement
show what they return.

- Deadlines: a delay parameter's unit comes from the words of its label as the tender printed it
  ("(jours ouvrés)", "(jours)", "(mois)", "(heures)"…). Working days are Monday to Friday except French
  public holidays (the `holidays` package, metropolitan France).
- Days late are calendar days (CCAG-TIC art. 14.1.1: R is a number of days; the CCAP's régimes A and B
  say "jours calendaires").
- Money is Decimal, each amount rounded to the cent half-up (ROUND_HALF_UP) once, at the line: the
  computed total is the sum of rounded lines, so the statement's lines add up to its total.
"""

import calendar
import datetime
import math
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import holidays as holiday_calendars

CENT = Decimal("0.01")
# CCAG-TIC 2021 art. 14.1 defaults (shared/LEGAL.md, "Penalties"), kept unless the CCAP says otherwise.
EXEMPTION_THRESHOLD = Decimal("1000")
CAP_RATE = Decimal("0.10")
OBSERVATION_DAYS = 15
# Availability: one step per started 0.1 point below the committed level (the default CCAP's wording).
AVAILABILITY_STEP = Decimal("0.1")

CALENDAR_DAYS = "calendar_days"
WORKING_DAYS = "working_days"
WEEKS = "weeks"
MONTHS = "months"
HOURS = "hours"
MINUTES = "minutes"
UNITS = (CALENDAR_DAYS, WORKING_DAYS, WEEKS, MONTHS, HOURS, MINUTES)


def money(value) -> Decimal:
    """`value` in euros, rounded to the cent, half-up (0.005 → 0.01)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# The CCAP's penalties table -------------------------------------------------------------------------

_REF = re.compile(r"\{\{\s*ref:([\w.-]+)\s*\}\}")
_PRICE = re.compile(r"\{\{\s*price:([\w.-]+)\s*\}\}")
_REGIME = re.compile(r"^\W*([ABC])\b")
_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}")


@dataclass(frozen=True)
class Obligation:
    """One row of the penalties table: what is owed, the clause (key) that sets its deadline, the régime,
    and for régime A the price-schedule line whose value is V."""

    label: str
    clause_key: str
    regime: str
    price_code: str = ""


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def penalty_table(markdown) -> list[Obligation]:
    """The rows of a penalties table in a clause body: a Markdown table whose rows name a clause with
    `{{ ref:key }}` and whose last cell starts with the régime letter (A, B or C). Rows in the body's order."""
    rows = []
    for line in (markdown or "").splitlines():
        if not line.lstrip().startswith("|") or _SEPARATOR.match(line.strip()):
            continue
        cells = _cells(line)
        if len(cells) < 2:
            continue
        regime = _REGIME.match(cells[-1])
        reference = next((match for cell in cells[:-1] if (match := _REF.search(cell))), None)
        if regime is None or reference is None:
            continue
        price = _PRICE.search(cells[-1])
        rows.append(
            Obligation(
                label=cells[0],
                clause_key=reference.group(1),
                regime=regime.group(1),
                price_code=price.group(1) if price else "",
            )
        )
    return rows


def _placeholder_after(text, words):
    match = re.search(words + r"[^{\n]{0,120}?\{\{\s*([\w]+)\s*\}\}", text, re.IGNORECASE)
    return match.group(1) if match else None


def rate_parameters(markdown) -> dict:
    """{"B": name, "C": name, "availability_percent": name, "availability_flat": name, "availability_clause": key}
    — which of the clause's parameters hold each amount, read from the sentences that state them
    ("Régime B : {{ x }} euros…", the availability paragraph's "{{ y }} %" and "{{ z }} euros"). A missing
    one is None: the amount it would give cannot be computed."""
    text = markdown or ""
    found = {
        "B": _placeholder_after(text, r"r[ée]gime\s+B\b"),
        "C": _placeholder_after(text, r"r[ée]gime\s+C\b"),
        "availability_percent": None,
        "availability_flat": None,
        "availability_clause": None,
    }
    for paragraph in re.split(r"\n\s*\n", text):
        if not re.search(r"disponibilit|availabilit", paragraph, re.IGNORECASE) or "|" in paragraph[:3]:
            continue
        percent = re.search(r"\{\{\s*(\w+)\s*\}\}\s*%", paragraph)
        flat = re.search(r"\{\{\s*(\w+)\s*\}\}\s*euros", paragraph, re.IGNORECASE)
        reference = _REF.search(paragraph)
        if percent or flat:
            found["availability_percent"] = percent.group(1) if percent else None
            found["availability_flat"] = flat.group(1) if flat else None
            found["availability_clause"] = reference.group(1) if reference else None
            break
    return found


# Deadlines ------------------------------------------------------------------------------------------

_UNIT_WORDS = (
    (WORKING_DAYS, r"jours?\s+ouvr[ée]s?|working\s+days?|business\s+days?"),
    (CALENDAR_DAYS, r"\(\s*jours?\b|\(\s*days?\b|jours?\s+calendaires?|calendar\s+days?"),
    (WEEKS, r"\(\s*semaines?\b|\(\s*weeks?\b"),
    (MONTHS, r"\(\s*mois\b|\(\s*months?\b"),
    (HOURS, r"\(\s*heures\b|\(\s*hours\b"),
    (MINUTES, r"\(\s*minutes\b"),
)
_NAME_SUFFIXES = (
    ("_jours_ouvres", WORKING_DAYS),
    ("_jours", CALENDAR_DAYS),
    ("_days", CALENDAR_DAYS),
    ("_semaines", WEEKS),
    ("_mois", MONTHS),
    ("_months", MONTHS),
    ("_heures", HOURS),
    ("_hours", HOURS),
    ("_minutes", MINUTES),
)


def delay_unit(definition) -> str | None:
    """The unit of a delay parameter, from its label's words (as printed), else its name; None when it is
    not a duration. A label saying "jours ouvrés" counts working days, a plain "(jours)" calendar days."""
    label = str(definition.get("label") or "")
    for unit, words in _UNIT_WORDS:
        if re.search(words, label, re.IGNORECASE):
            return unit
    name = str(definition.get("name") or "")
    for suffix, unit in _NAME_SUFFIXES:
        if name.endswith(suffix):
            return unit
    return None


def is_delay(definition) -> bool:
    """A deadline the holder must meet: a number with a time unit that is a ceiling (lower is better)."""
    return (
        definition.get("type") in ("integer", "decimal")
        and definition.get("direction") == "max"
        and delay_unit(definition) is not None
    )


def french_holidays(years) -> set[datetime.date]:
    """The French public holidays (metropolitan France) of these years."""
    return set(holiday_calendars.country_holidays("FR", years=sorted(set(years))).keys())


def is_working_day(day, public_holidays) -> bool:
    return day.weekday() < 5 and day not in public_holidays


def add_working_days(start, count, public_holidays=None) -> datetime.date:
    """The `count`-th working day after `start` (the day of the request does not count)."""
    if public_holidays is None:
        # A deadline in working days spans at most a few years: those around the start are enough.
        public_holidays = french_holidays(range(start.year, start.year + 3 + count // 200))
    day, left = start, int(count)
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, public_holidays):
            left -= 1
    return day


def add_months(start, count) -> datetime.date:
    """The same day `count` months later (the month's last day when it has no such day: 31 Jan + 1 → 28/29 Feb)."""
    month_index = start.month - 1 + int(count)
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _whole(value) -> int:
    return int(Decimal(str(value)).to_integral_value(rounding=ROUND_CEILING))


def due_date(requested_on, value, unit, public_holidays=None) -> datetime.date:
    """The last day to deliver a request made on `requested_on` with a delay of `value` `unit`.

    Days, weeks and months count from the day after the request; a delay in hours or minutes ends on the
    day the delay runs out, counted 24 h a day (the log keeps dates, not times: a delay under a day is
    due on the day after the request at the latest)."""
    if unit == CALENDAR_DAYS:
        return requested_on + datetime.timedelta(days=_whole(value))
    if unit == WORKING_DAYS:
        return add_working_days(requested_on, _whole(value), public_holidays)
    if unit == WEEKS:
        return requested_on + datetime.timedelta(days=7 * _whole(value))
    if unit == MONTHS:
        return add_months(requested_on, _whole(value))
    if unit in (HOURS, MINUTES):
        hours = Decimal(str(value)) / (60 if unit == MINUTES else 1)
        return requested_on + datetime.timedelta(days=max(1, math.ceil(hours / 24)))
    raise ValueError(f"unknown unit {unit!r}")


def late_days(due_on, delivered_on=None, today=None) -> int:
    """Calendar days after `due_on` until delivery (or `today` while still open); 0 when on time."""
    end = delivered_on or today
    if end is None:
        return 0
    return max(0, (end - due_on).days)


# Amounts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """The CCAP's amounts (euros excl. VAT): régime B per day, régime C per overrun; None when absent."""

    per_day: Decimal | None = None
    per_overrun: Decimal | None = None


def line_amount(regime, days_late, *, value=None, rates=Rates()) -> Decimal | None:
    """The penalty of one late request, or None when its base cannot be known.

    A: P = V × R / 1000 (CCAG-TIC 14.1.1), V the value of the late part; B: the CCAP's daily amount × R;
    C: the CCAP's amount per overrun, once per late request (an overrun is one event)."""
    if days_late <= 0:
        return Decimal("0.00")
    if regime == "A":
        return None if value is None else money(Decimal(value) * days_late / 1000)
    if regime == "B":
        return None if rates.per_day is None else money(Decimal(rates.per_day) * days_late)
    if regime == "C":
        return None if rates.per_overrun is None else money(Decimal(rates.per_overrun))
    return None


def availability_steps(committed, measured) -> int:
    """Started steps of 0.1 point below the committed level (0 at or above it)."""
    shortfall = Decimal(committed) - Decimal(measured)
    if shortfall <= 0:
        return 0
    return int((shortfall / AVAILABILITY_STEP).to_integral_value(rounding=ROUND_CEILING))


def availability_amount(steps, *, monthly_fee=None, percent=None, flat=None) -> Decimal | None:
    """The month's unavailability penalty: percent % of the monthly fee per step, or the flat amount per step
    when the price schedule has no fee; None when the CCAP's amount for the case is missing."""
    if steps <= 0:
        return Decimal("0.00")
    if monthly_fee and percent is not None:
        return money(Decimal(monthly_fee) * Decimal(percent) / 100 * steps)
    if flat is not None:
        return money(Decimal(flat) * steps)
    return None


@dataclass(frozen=True)
class Totals:
    computed: Decimal
    cap: Decimal
    exempted: bool
    total: Decimal


def totals(amounts, contract_amount, *, threshold=EXEMPTION_THRESHOLD, cap_rate=CAP_RATE) -> Totals:
    """The amount due from the lines' amounts (None lines count nothing).

    CCAG-TIC 14.1 as shared/LEGAL.md states it: no penalty when their total does not exceed the threshold
    (1 000 € HT) for the whole contract; the total never exceeds the cap (10 % of the contract's amount
    excluding VAT). The exemption is judged on the computed total, before the cap."""
    computed = sum((amount for amount in amounts if amount is not None), Decimal("0.00"))
    cap = money(Decimal(contract_amount) * cap_rate)
    exempted = computed <= threshold
    total = Decimal("0.00") if exempted else min(computed, cap)
    return Totals(computed=money(computed), cap=cap, exempted=exempted, total=money(total))


def observation_deadline(sent_on) -> datetime.date:
    """The last day of the holder's observation period on a statement sent on `sent_on` (15 days)."""
    return sent_on + datetime.timedelta(days=OBSERVATION_DAYS)

"""The execution log of a notified contract: requests and incidents, monthly availability, the penalties
they give, the holder's observations and the buyer's decision (docs/PENALTIES.md).

Everything is read from the contract's own tender as published — its pinned clause versions and values,
the article numbers frozen at publication — and from the awardee's offer (committed values, imported
price schedule); never from the library as it is today. The arithmetic is contracts/penalties.py.

Writes validate first, then run in one transaction with their audit entry: a refused write leaves the
database as it was. Access (who may write) is checked by the views (contracts/access.py).
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clause_library.parameters import normalize_definition, resolve_values
from documents.models import Document
from organizations.errors import ApplicationError
from organizations.formatting import format_date_words
from scoring import commitments
from scoring.models import Answer, AuditEvent, Bid
from tenders import pieces, prices
from tenders.models import TenderClause

from . import penalties
from .models import (
    AvailabilityMonth,
    Contract,
    ExecutionRequest,
    Modification,
    PenaltyAuditEvent,
    PenaltyDecision,
    PenaltyObservation,
)

# Recurring price lines that are the "redevance mensuelle de maintenance et d'hébergement" of the
# availability penalty: a monthly or yearly line whose code or label says maintenance or hosting.
FEE_WORDS = re.compile(r"maintenance|h[ée]bergement|hosting|redevance|support", re.IGNORECASE)

AVAILABILITY_CSV_MAX_BYTES = 64 * 1024
AVAILABILITY_CSV_MAX_ROWS = 240


@dataclass
class Terms:
    """What the contract's tender and the awardee's offer say, read once (three queries)."""

    articles: dict = field(default_factory=dict)  # article number → TenderClause
    values: dict = field(default_factory=dict)  # tender clause id → the tender's values
    committed: dict = field(default_factory=dict)  # tender clause id → the awardee's committed values
    obligations: list = field(default_factory=list)  # [(position, article, Obligation)] as the CCAP prints them
    penalty_article: str | None = None
    rates: penalties.Rates = field(default_factory=penalties.Rates)
    availability: dict = field(default_factory=dict)
    price_lines: list = field(default_factory=list)  # the tender's schedule: [{"number","code","label","period",...}]
    offer_lines: dict = field(default_factory=dict)  # code → {"unit_price", "amount"} from the awardee's schedule

    def obligations_of(self, article):
        return [(position, obligation) for position, number, obligation in self.obligations if number == article]


def _decimal(value):
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def _offer_lines(bid, price_lines):
    """The awardee's amounts per price line, from the audit entry its imported schedule left (the schedule
    is the bid's price only while `price_source` says so)."""
    if bid.price_source != Bid.PriceSource.PRICE_SCHEDULE:
        return {}
    event = (
        AuditEvent.objects.filter(tender_id=bid.tender_id, action="bid.price_schedule", object_id=bid.pk)
        .order_by("-id")
        .values_list("new", flat=True)
        .first()
    )
    codes = {str(line["number"]): line["code"] for line in price_lines}
    lines = {}
    for row in (event or {}).get("lines") or []:
        code = codes.get(str(row.get("number")))
        if code:
            lines[code] = {"unit_price": _decimal(row.get("unit_price")), "amount": _decimal(row.get("amount"))}
    return lines


def contract_terms(contract) -> Terms:
    """The contract's terms: its tender's articles, values and penalties table, the awardee's commitments
    and price schedule. Three queries (clauses, answers, the schedule's audit entry)."""
    tender = contract.tender
    clauses = list(
        TenderClause.objects.filter(tender_id=tender.pk).select_related("version__clause").order_by("position", "id")
    )
    terms = Terms()
    numbers = {}
    for tender_clause in clauses:
        number = tender_clause.article_number
        terms.articles[number] = tender_clause
        numbers[tender_clause.version.clause.key] = number
        terms.values[tender_clause.pk], _errors = resolve_values(
            tender_clause.version.parameters, tender_clause.parameters, tender.parameters, require=False
        )
    for tender_clause_id, values in Answer.objects.filter(
        bid_id=contract.bid_id, criterion__tender_clause__isnull=False
    ).values_list("criterion__tender_clause_id", "committed_values"):
        terms.committed.setdefault(tender_clause_id, {}).update(values or {})
    _read_penalty_clause(terms, clauses, numbers)
    ordered = sorted(clauses, key=lambda tc: (pieces.number_sort_key(tc.article_number), tc.position, tc.pk))
    terms.price_lines = prices.price_section(
        duration_months=tender.duration_months,
        price_basis=tender.price_basis,
        buyer_lines=tender.price_lines,
        clause_lines=[(tc.article_number, line) for tc in ordered for line in tc.version.price_lines or []],
    )["lines"]
    terms.offer_lines = _offer_lines(contract.bid, terms.price_lines)
    return terms


def _read_penalty_clause(terms, clauses, numbers):
    """The CCAP clause holding the penalties table: its rows whose article is in the tender (the others
    are not printed), numbered as printed, and its amounts (the tender's values)."""
    for tender_clause in clauses:
        version = tender_clause.version
        if (version.destination or "") != "ccap":
            continue
        rows = penalties.penalty_table(version.body)
        if not rows:
            continue
        kept = [row for row in rows if row.clause_key in numbers]
        terms.obligations = [(index, numbers[row.clause_key], row) for index, row in enumerate(kept, start=1)]
        terms.penalty_article = tender_clause.article_number
        values = terms.values[tender_clause.pk]
        names = penalties.rate_parameters(version.body)
        terms.rates = penalties.Rates(
            per_day=_decimal(values.get(names["B"])) if names["B"] else None,
            per_overrun=_decimal(values.get(names["C"])) if names["C"] else None,
        )
        terms.availability = {
            "percent": _decimal(values.get(names["availability_percent"])) if names["availability_percent"] else None,
            "flat": _decimal(values.get(names["availability_flat"])) if names["availability_flat"] else None,
            "article": numbers.get(names["availability_clause"]),
        }
        return


def applicable_value(definition, required, committed):
    """(value, committed?) of a parameter: the holder's committed value unless it is less favourable than
    required (scoring/commitments.py, by the parameter's direction: the CCAP's "les niveaux plus favorables de
    l'offre s'appliquent", and an offer never lowers the binding minimum), else the required one."""
    required_value, offered = _decimal(required), _decimal(committed)
    if offered is None or (
        required_value is not None and commitments.is_less_favourable(definition, required, committed)
    ):
        return required_value, False
    return offered, True


def delays_of(terms, tender_clause):
    """The article's deadlines: [{"name","label","unit","value","committed"}] in the clause's order."""
    values = terms.values.get(tender_clause.pk, {})
    committed = terms.committed.get(tender_clause.pk, {})
    rows = []
    for definition in map(normalize_definition, tender_clause.version.parameters or []):
        if not penalties.is_delay(definition):
            continue
        value, is_committed = applicable_value(
            definition, values.get(definition["name"]), committed.get(definition["name"])
        )
        if value is None:
            continue
        rows.append(
            {
                "name": definition["name"],
                "label": definition["label"],
                "unit": penalties.delay_unit(definition),
                "value": value,
                "committed": is_committed,
            }
        )
    return rows


def contract_amount(contract) -> Decimal:
    """The contract's amount excluding VAT: the last avenant's new amount when one changed it."""
    latest = (
        Modification.objects.filter(contract=contract, amount__isnull=False)
        .order_by("-number")
        .values_list("amount", flat=True)
        .first()
    )
    return latest if latest is not None else contract.amount


# Requests ------------------------------------------------------------------------------------------


def _audit(contract, user, action, obj=None, old=None, new=None):
    PenaltyAuditEvent.objects.create(
        contract=contract,
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_id=getattr(obj, "pk", None),
        old=old,
        new=new,
    )


def _pick(options, given, field_name, describe):
    """The option `given` names, the only one, or a 400 on `field_name` listing the choices."""
    if given not in (None, ""):
        for option in options:
            if str(option[0]) == str(given):
                return option
        raise ApplicationError(
            {
                field_name: [
                    _("Choix inconnu « %(given)s » (possibles : %(list)s).") % {"given": given, "list": describe}
                ]
            }
        )
    if len(options) == 1:
        return options[0]
    raise ApplicationError({field_name: [_("Précisez-le parmi : %(list)s.") % {"list": describe}]})


def _choose_delay(tender_clause, delays, given):
    if not delays:
        raise ApplicationError(
            {"article": [_("L'article %(a)s ne fixe aucun délai.") % {"a": tender_clause.article_number}]}
        )
    options = [(row["name"], row) for row in delays]
    return _pick(options, given, "delay", "; ".join(f"{row['name']} ({row['label']})" for row in delays))[1]


def _choose_obligation(terms, article, given):
    rows = terms.obligations_of(article)
    if not rows:
        if given not in (None, ""):
            raise ApplicationError(
                {"obligation": [_("Le CCAP ne prévoit aucune pénalité pour l'article %(a)s.") % {"a": article}]}
            )
        return None, None
    if given in (None, "") and len({row.regime for _position, row in rows}) == 1:
        return rows[0]
    describe = "; ".join(f"{position} ({row.label}, {row.regime})" for position, row in rows)
    return _pick(rows, given, "obligation", describe)


def _check_dates(contract, requested_on, delivered_on):
    if requested_on < contract.notified_on:
        raise ApplicationError(
            {
                "requested_on": [
                    _("La demande précède la notification du marché (%(d)s).")
                    % {"d": format_date_words(contract.notified_on)}
                ]
            }
        )
    if delivered_on is not None and delivered_on < requested_on:
        raise ApplicationError(
            {
                "delivered_on": [
                    _("La livraison ne peut précéder la demande (%(d)s).") % {"d": format_date_words(requested_on)}
                ]
            }
        )


def request_create(*, user, contract, data, terms=None) -> ExecutionRequest:
    """Log a request or an incident against the article that sets its deadline.

    `data`: kind, article, requested_on, description, and optionally `delay` (the article's delay parameter,
    needed when it has several), `obligation` (the row of the CCAP's penalties table, needed when the
    article's rows have different régimes), `value` (V of régime A), `whole_unusable`, `delivered_on`.
    `due_on` is the request date plus the applicable delay (committed, else required) in the clause's unit.
    400 naming the field for an article not in the contract, an unknown delay or obligation, dates out of
    order. Numbered per contract; audited.
    """
    terms = terms or contract_terms(contract)
    article = str(data["article"]).strip()
    tender_clause = terms.articles.get(article)
    if tender_clause is None:
        known = ", ".join(sorted(terms.articles, key=pieces.number_sort_key))
        raise ApplicationError(
            {
                "article": [
                    _("L'article %(a)s n'est pas au marché (articles : %(list)s).") % {"a": article, "list": known}
                ]
            }
        )
    delay = _choose_delay(tender_clause, delays_of(terms, tender_clause), data.get("delay"))
    position, obligation = _choose_obligation(terms, article, data.get("obligation"))
    requested_on, delivered_on = data["requested_on"], data.get("delivered_on")
    _check_dates(contract, requested_on, delivered_on)
    due_on = penalties.due_date(requested_on, delay["value"], delay["unit"])
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        last = ExecutionRequest.objects.filter(contract=contract).order_by("-number").values_list("number", flat=True)
        request = ExecutionRequest(
            contract=contract,
            number=(last.first() or 0) + 1,
            kind=data["kind"],
            article=article,
            delay_parameter=delay["name"],
            delay_value=delay["value"],
            delay_unit=delay["unit"],
            delay_committed=delay["committed"],
            obligation=position,
            obligation_label=obligation.label if obligation else "",
            regime=obligation.regime if obligation else "",
            price_line=obligation.price_code if obligation else "",
            requested_on=requested_on,
            due_on=due_on,
            delivered_on=delivered_on,
            description=data["description"],
            value=data.get("value"),
            whole_unusable=bool(data.get("whole_unusable")),
            created_by=user if user is not None and user.is_authenticated else None,
        )
        request.full_clean(exclude=["contract", "created_by"])
        request.save()
        _audit(contract, user, "request.create", request, new=_request_record(request))
    return request


def _request_record(request):
    return {
        "number": request.number,
        "kind": request.kind,
        "article": request.article,
        "requested_on": request.requested_on.isoformat(),
        "due_on": request.due_on.isoformat(),
        "delivered_on": request.delivered_on.isoformat() if request.delivered_on else None,
        "regime": request.regime,
        "value": str(request.value) if request.value is not None else None,
        "whole_unusable": request.whole_unusable,
    }


def request_update(*, user, request, changes) -> ExecutionRequest:
    """Record the delivery (`delivered_on`, or null to reopen), V (`value`) or `whole_unusable`.

    A delivery before the request → 400 on `delivered_on`. Audited with the old and new values."""
    delivered_on = changes.get("delivered_on", request.delivered_on)
    _check_dates(request.contract, request.requested_on, delivered_on)
    with transaction.atomic():
        locked = ExecutionRequest.objects.select_for_update().select_related("contract").get(pk=request.pk)
        old = _request_record(locked)
        for key in ("delivered_on", "value", "whole_unusable"):
            if key in changes:
                setattr(locked, key, changes[key])
        locked.full_clean(exclude=["contract", "created_by"])
        locked.save()
        _audit(locked.contract, user, "request.update", locked, old=old, new=_request_record(locked))
    return locked


# Availability --------------------------------------------------------------------------------------


def availability_target(terms):
    """{"article", "name", "label", "value", "committed"} of the availability level the holder owes, or None:
    the floor parameter (direction "min", a percentage) of the clause the penalties clause names for it."""
    article = terms.availability.get("article")
    tender_clause = terms.articles.get(article) if article else None
    if tender_clause is None:
        return None
    values = terms.values.get(tender_clause.pk, {})
    committed = terms.committed.get(tender_clause.pk, {})
    for definition in map(normalize_definition, tender_clause.version.parameters or []):
        if definition["direction"] == "min" and re.search(
            r"disponib|availab", definition["name"] + definition["label"], re.I
        ):
            value, is_committed = applicable_value(
                definition, values.get(definition["name"]), committed.get(definition["name"])
            )
            if value is not None:
                return {
                    "article": article,
                    "name": definition["name"],
                    "label": definition["label"],
                    "value": value,
                    "committed": is_committed,
                }
    return None


def monthly_fee(terms):
    """The awardee's monthly maintenance and hosting fee (a yearly line counts one twelfth), or None."""
    total, found = Decimal("0"), False
    for line in terms.price_lines:
        if line["period"] not in ("month", "year") or not FEE_WORDS.search(f"{line['code']} {line['label']}"):
            continue
        offered = terms.offer_lines.get(line["code"]) or {}
        unit_price = offered.get("unit_price")
        if unit_price is None:
            continue
        quantity = _decimal(line.get("quantity")) or Decimal("1")
        total += unit_price * quantity / (12 if line["period"] == "year" else 1)
        found = True
    return total if found else None


def _month(value, field_name):
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", text) or re.fullmatch(r"(\d{1,2})/(\d{4})", text)
    if match:
        year, month = (match.group(1), match.group(2)) if "-" in text else (match.group(2), match.group(1))
        if 1 <= int(month) <= 12:
            return datetime.date(int(year), int(month), 1)
    raise ApplicationError({field_name: [_("Un mois s'écrit AAAA-MM (ex. 2027-03).")]})


def _percent(value, field_name):
    number = _decimal(str(value or "").strip().rstrip("%").strip())
    if number is None or not (0 <= number <= 100) or number.as_tuple().exponent < -3:
        raise ApplicationError(
            {field_name: [_("Une disponibilité est un pourcentage de 0 à 100, trois décimales au plus.")]}
        )
    return number


def _check_months(contract, rows):
    first = contract.notified_on.replace(day=1)
    seen = set()
    for field_name, month in rows:
        if month < first:
            raise ApplicationError(
                {field_name: [_("Ce mois précède la notification du marché (%(m)s).") % {"m": f"{first:%Y-%m}"}]}
            )
        if month in seen:
            raise ApplicationError({field_name: [_("Le mois %(m)s apparaît deux fois.") % {"m": f"{month:%Y-%m}"}]})
        seen.add(month)


def _availability_save(*, user, contract, months, action):
    """Write the months (replacing a month already entered), audited, in one transaction."""
    with transaction.atomic():
        existing = {row.month: row for row in AvailabilityMonth.objects.select_for_update().filter(contract=contract)}
        changed = []
        for month, measured in months:
            row = existing.get(month)
            old = str(row.measured) if row else None
            if row is None:
                row = AvailabilityMonth(contract=contract, month=month, measured=measured, created_by=None)
            row.measured = measured
            if user is not None and user.is_authenticated:
                row.created_by = user
            row.save()
            changed.append({"month": f"{month:%Y-%m}", "old": old, "new": str(measured)})
        _audit(contract, user, action, new={"months": changed})
    return len(changed)


def availability_set(*, user, contract, month, measured) -> AvailabilityMonth:
    """Enter (or correct) one month's measured availability. 400 on `month` / `measured`."""
    month = _month(month, "month")
    measured = _percent(measured, "measured")
    _check_months(contract, [("month", month)])
    _availability_save(user=user, contract=contract, months=[(month, measured)], action="availability.set")
    return AvailabilityMonth.objects.get(contract=contract, month=month)


def _read_csv(data):
    if len(data) > AVAILABILITY_CSV_MAX_BYTES:
        raise ApplicationError(
            {"file": [_("Fichier trop volumineux (au plus %(n)d octets).") % {"n": AVAILABILITY_CSV_MAX_BYTES}]}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError({"file": [_("Le fichier n'est pas un CSV en UTF-8.")]}) from None
    if "\x00" in text:
        raise ApplicationError({"file": [_("Le fichier n'est pas un CSV en UTF-8.")]})
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def availability_import(*, user, contract, data: bytes) -> int:
    """Import months from a CSV (columns: month AAAA-MM, measured %; `;` or `,`; an optional header row).

    Bounded (64 KB, 240 rows); every error names its line and column; all or nothing."""
    rows = _read_csv(data)
    if rows and rows[0] and not re.match(r"\s*\d", rows[0][0]):
        rows = [None, *rows[1:]]  # a header row: skipped, line numbers kept
    months, errors = [], []
    for line_number, row in enumerate(rows, start=1):
        if row is None or not any(cell.strip() for cell in row):
            continue
        if len(months) >= AVAILABILITY_CSV_MAX_ROWS:
            errors.append(_("Au plus %(n)d mois par fichier.") % {"n": AVAILABILITY_CSV_MAX_ROWS})
            break
        if len(row) < 2:
            errors.append(_("ligne %(l)d : deux colonnes attendues (mois, disponibilité).") % {"l": line_number})
            continue
        try:
            month = _month(row[0], "file")
        except ApplicationError as error:
            errors.append(_("ligne %(l)d, colonne 1 (mois) : %(e)s") % {"l": line_number, "e": error.errors["file"][0]})
            continue
        try:
            measured = _percent(row[1], "file")
        except ApplicationError as error:
            errors.append(
                _("ligne %(l)d, colonne 2 (disponibilité) : %(e)s") % {"l": line_number, "e": error.errors["file"][0]}
            )
            continue
        months.append((line_number, month, measured))
    if not months and not errors:
        errors.append(_("Le fichier ne contient aucun mois."))
    try:
        _check_months(contract, [(_("ligne %(l)d") % {"l": line}, month) for line, month, _m in months])
    except ApplicationError as error:
        ((line, messages),) = error.errors.items()
        errors.append(_("%(line)s, colonne 1 (mois) : %(e)s") % {"line": line, "e": messages[0]})
    if errors:
        raise ApplicationError({"file": errors})
    return _availability_save(
        user=user, contract=contract, months=[(m, v) for _l, m, v in months], action="availability.import"
    )


# Penalties -----------------------------------------------------------------------------------------


def _request_line(request, terms, amount_of_contract, today):
    days = penalties.late_days(request.due_on, request.delivered_on, today)
    value, note = None, ""
    if request.regime == "A":
        if request.value is not None:
            value = request.value
        elif request.whole_unusable:
            value = amount_of_contract
        else:
            value = (terms.offer_lines.get(request.price_line) or {}).get("amount")
        if value is None and days:
            note = _("Valeur V inconnue : ni ligne du bordereau de l'attributaire, ni valeur saisie.")
    elif not request.regime:
        note = _("Le CCAP ne prévoit pas de pénalité pour ce délai.")
    amount = penalties.line_amount(request.regime, days, value=value, rates=terms.rates) if request.regime else None
    if amount is None and request.regime in ("B", "C") and days:
        note = _("Montant du régime %(r)s absent du CCAP.") % {"r": request.regime}
    return {
        "request": request.pk,
        "number": request.number,
        "article": request.article,
        "kind": request.kind,
        "obligation": request.obligation_label,
        "requested_on": request.requested_on,
        "due_on": request.due_on,
        "delivered_on": request.delivered_on,
        "late_days": days,
        "regime": request.regime or None,
        "value": value,
        "amount": amount,
        "note": note,
    }


def _availability_lines(months, terms):
    target = availability_target(terms)
    fee = monthly_fee(terms)
    rows = []
    for row in months:
        steps = penalties.availability_steps(target["value"], row.measured) if target else 0
        amount = (
            penalties.availability_amount(
                steps, monthly_fee=fee, percent=terms.availability.get("percent"), flat=terms.availability.get("flat")
            )
            if target
            else None
        )
        note = "" if target else _("Le marché ne fixe pas de niveau de disponibilité assorti de pénalités.")
        if target and amount is None:
            note = _("Montant de la pénalité de disponibilité absent du CCAP.")
        rows.append(
            {
                "month": row.month,
                "measured": row.measured,
                "committed": target["value"] if target else None,
                "steps": steps,
                "monthly_fee": fee if steps and fee else None,
                "amount": amount,
                "note": note,
            }
        )
    return rows, target


def penalty_statement(contract, *, today=None, terms=None) -> dict:
    """The penalties of the contract as the CCAP states them, as of `today` (open requests count their days
    late so far). Queries: the terms (three), the avenants, the requests, the months.

    {"lines": [...], "availability": [...], "computed", "cap", "exempted", "total", "contract_amount",
    "threshold", "availability_target", "rates", "penalty_article"}."""
    today = today or timezone.localdate()
    terms = terms or contract_terms(contract)
    amount_of_contract = contract_amount(contract)
    requests = list(ExecutionRequest.objects.filter(contract=contract).order_by("number"))
    lines = [_request_line(request, terms, amount_of_contract, today) for request in requests]
    months = list(AvailabilityMonth.objects.filter(contract=contract).order_by("month"))
    availability, target = _availability_lines(months, terms)
    result = penalties.totals([line["amount"] for line in lines + availability], amount_of_contract)
    return {
        "as_of": today,
        "lines": lines,
        "availability": availability,
        "availability_target": target,
        "computed": result.computed,
        "cap": result.cap,
        "exempted": result.exempted,
        "total": result.total,
        "contract_amount": amount_of_contract,
        "threshold": penalties.EXEMPTION_THRESHOLD,
        "rates": {"per_day": terms.rates.per_day, "per_overrun": terms.rates.per_overrun, **terms.availability},
        "penalty_article": terms.penalty_article,
    }


def observation_add(*, user, contract, received_on, text) -> PenaltyObservation:
    """Record the holder's observations (received on, text). Audited."""
    if received_on < contract.notified_on:
        raise ApplicationError({"received_on": [_("Des observations ne peuvent précéder la notification du marché.")]})
    if not (text or "").strip():
        raise ApplicationError({"text": [_("Saisissez les observations du titulaire.")]})
    with transaction.atomic():
        observation = PenaltyObservation.objects.create(
            contract=contract,
            received_on=received_on,
            text=text.strip(),
            created_by=user if user is not None and user.is_authenticated else None,
        )
        _audit(contract, user, "observation.add", observation, new={"received_on": received_on.isoformat()})
    return observation


def decision_record(*, user, contract, decided_on, applied, reason="", statement=None) -> PenaltyDecision:
    """Record the buyer's final decision: the amount applied (at most the amount due; less is a moderation
    that needs a reason). Refused (400 on `decided_on`) before the holder's 15-day observation period on the
    latest penalty statement has run out, unless its observations were received. Audited."""
    statement = statement or penalty_statement(contract, today=decided_on)
    due = statement["total"]
    applied = penalties.money(applied)
    if applied < 0 or applied > due:
        raise ApplicationError({"applied": [_("Le montant appliqué va de 0 au montant dû (%(d)s € HT).") % {"d": due}]})
    if applied != due and not (reason or "").strip():
        raise ApplicationError({"reason": [_("Motivez un montant différent du montant dû.")]})
    _check_observation_period(contract, decided_on)
    with transaction.atomic():
        decision = PenaltyDecision.objects.create(
            contract=contract,
            decided_on=decided_on,
            computed=due,
            applied=applied,
            reason=(reason or "").strip(),
            created_by=user if user is not None and user.is_authenticated else None,
        )
        _audit(
            contract,
            user,
            "decision.record",
            decision,
            new={"decided_on": decided_on.isoformat(), "computed": str(due), "applied": str(applied)},
        )
    return decision


def _check_observation_period(contract, decided_on):
    sent = (
        Document.objects.filter(contract=contract, kind="penalty_statement")
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if sent is None:
        raise ApplicationError(
            {
                "decided_on": [
                    _("Adressez d'abord au titulaire le relevé des pénalités (délai d'observations de 15 jours).")
                ]
            }
        )
    sent_on = timezone.localdate(sent)
    deadline = penalties.observation_deadline(sent_on)
    answered = PenaltyObservation.objects.filter(contract=contract, received_on__gte=sent_on).exists()
    if decided_on <= deadline and not answered:
        raise ApplicationError(
            {
                "decided_on": [
                    _("Le titulaire peut présenter ses observations jusqu'au %(d)s inclus.")
                    % {"d": format_date_words(deadline)}
                ]
            }
        )


# Reads for the pages -------------------------------------------------------------------------------


def requests_of(contract):
    """The contract's requests in order (one query)."""
    return list(ExecutionRequest.objects.filter(contract=contract).order_by("number"))


def request_of(contract, pk):
    """One request of the contract, or None (the caller answers 404)."""
    return ExecutionRequest.objects.filter(contract=contract, pk=pk).select_related("contract").first()


def availability_of(contract):
    return list(AvailabilityMonth.objects.filter(contract=contract).order_by("month"))


def observations_of(contract):
    return list(PenaltyObservation.objects.filter(contract=contract).order_by("received_on", "id"))


def decisions_of(contract):
    return list(PenaltyDecision.objects.filter(contract=contract).order_by("decided_on", "id"))


def audit_of(contract):
    """The execution log's audit trail, oldest first, with who (one query)."""
    return PenaltyAuditEvent.objects.filter(contract=contract).select_related("user").order_by("at", "id")

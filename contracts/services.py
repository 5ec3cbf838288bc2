"""Writes of contracts: creation from the retained bid, changes, modifications, subcontracting acts."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError, ConflictError
from organizations.formatting import format_date_words
from organizations.models import Organization
from scoring import rules
from scoring import selectors as scoring_selectors
from scoring.models import Bid
from scoring.report.data import candidate
from scoring.services.award import award_of, standstill_until

from . import selectors
from .models import Contract, Modification, SubcontractingAct

# The tender's procedure → the DECP list; "other" has no counterpart: the buyer chooses on the contract page.
PROCEDURES = {
    "open": "open",
    "restricted": "restricted",
    "negotiated": "negotiated",
    "competitive_dialogue": "competitive_dialogue",
    "adapted": "adapted",
}

# The record's fields a buyer sets (the others come from the tender, the bid and the numbering).
EDITABLE_FIELDS = Contract.EDITABLE_FIELDS


def retained_bid(tender, notified_on=None) -> Bid:
    """The bid the contract goes to: the award decision's (scoring's award sequence).

    Refused with 409 while the results are provisional or retain another bid than the award decision, and
    until the award is decided and the letters are sent (the standstill runs from the
    sending, R2182-1); a notification date on or before the standstill's last day is a 400: the contract
    may be signed, then notified, only from the day after it.
    """
    try:
        outcome = scoring_selectors.tender_outcome(tender)
    except (rules.CriteriaError, rules.PriceError) as exc:
        raise ConflictError({"detail": [_("Les résultats ne peuvent pas être calculés : %(e)s") % {"e": exc}]}) from exc
    if outcome.provisional or outcome.awardee is None:
        reasons = [row["message"] for row in outcome.blocking] or [_("Aucune offre n'est classée première.")]
        raise ConflictError(
            {
                "detail": [
                    _(
                        "Les résultats sont provisoires ou ne désignent aucun attributaire : le marché ne peut pas "
                        "encore être créé."
                    ),
                    *reasons,
                ]
            }
        )
    award = award_of(tender)
    if award is None or award.bid_id != outcome.awardee:
        raise ConflictError(
            {
                "detail": [
                    _(
                        "Le marché suit la décision d'attribution : enregistrez d'abord l'offre retenue (page des "
                        "résultats), puis les certificats de l'attributaire et l'envoi des lettres."
                    )
                ]
            }
        )
    if award.letters_sent_on is None:
        raise ConflictError(
            {
                "detail": [
                    _(
                        "Les lettres aux candidats ne sont pas envoyées : le délai de suspension (R2182-1) n'a pas "
                        "commencé et le marché ne peut pas encore être signé."
                    )
                ]
            }
        )
    last_day = standstill_until(award.letters_sent_on, award.letters_electronic, bids_count=tender.bids.count())
    if notified_on is not None and last_day is not None and notified_on <= last_day:
        raise ApplicationError(
            {
                "notified_on": [
                    _(
                        "Le délai de suspension court jusqu'au %(date)s inclus (R2182-1) : le marché ne peut être "
                        "notifié qu'après."
                    )
                    % {"date": format_date_words(last_day)}
                ]
            }
        )
    return award.bid


def _lot_number(lot) -> str:
    lot = str(lot or "").strip()
    if lot and not (lot.isdigit() and 1 <= int(lot) <= 99):
        raise ApplicationError({"lot": [_("Un lot est un numéro de 1 à 99.")]})
    return lot


def contract_create(*, user, tender, data) -> Contract:
    """Create the contract of `tender` (and `data["lot"]`) for the bid the award decision retains.

    `data`: notified_on, amount, duration_months, price_form, and optionally cpv, lot and any other
    editable field. The holder's SIRET and legal name come from the bid's answer form (the buyer's name
    for the vendor when none was imported); the procedure from the tender. The unique id is the year of
    notification, the organisation's next number for that year (6 digits) and the lot (2 digits, 00
    without lots). One contract per tender and lot: a second one → 409.
    """
    lot = _lot_number(data.get("lot"))
    bid = retained_bid(tender, data.get("notified_on"))
    holder = candidate(bid.vendor, {"candidate_name": bid.candidate_name, "candidate_siret": bid.candidate_siret})
    fields = {key: data[key] for key in EDITABLE_FIELDS if key in data and data[key] is not None}
    fields.setdefault("holder_name", holder["name"])
    fields.setdefault("holder_siret", holder["siret"])
    fields.setdefault("procedure", PROCEDURES.get(tender.procedure, ""))
    with transaction.atomic():
        # The organisation's row serialises the numbering: two contracts notified together get two numbers.
        Organization.objects.select_for_update().filter(pk=tender.organization_id).first()
        if Contract.objects.filter(tender=tender, lot=lot).exists():
            raise ConflictError({"detail": [_("Le marché de cet appel d'offres (et de ce lot) existe déjà.")]})
        year = data["notified_on"].year
        last = Contract.objects.filter(organization_id=tender.organization_id, uid__startswith=str(year)).aggregate(
            n=Max("sequence")
        )["n"]
        sequence = (last or 0) + 1
        contract = Contract(
            organization_id=tender.organization_id,
            tender=tender,
            lot=lot,
            bid=bid,
            sequence=sequence,
            uid=f"{year}{sequence:06d}{int(lot or 0):02d}",
            created_by=user if user and user.is_authenticated else None,
            **fields,
        )
        contract.full_clean(exclude=["organization", "tender", "bid", "created_by"])
        try:
            with transaction.atomic():
                contract.save()
        except IntegrityError as exc:
            raise ConflictError({"detail": [_("Le marché de cet appel d'offres (et de ce lot) existe déjà.")]}) from exc
    return contract


def contract_update(*, user, contract, changes) -> Contract:
    """Change the contract's own data (not its number, tender or bid). Validated like creation."""
    for key, value in changes.items():
        if key in EDITABLE_FIELDS:
            setattr(contract, key, value)
    contract.full_clean(exclude=["organization", "tender", "bid", "created_by"])
    contract.save()
    return contract


def _check_order(contract, notified_on, previous, field_errors_key):
    if notified_on < contract.notified_on:
        raise ApplicationError(
            {
                field_errors_key: [
                    _("La date de notification précède celle du marché (%(d)s).") % {"d": contract.notified_on}
                ]
            }
        )
    if previous is not None and notified_on < previous:
        raise ApplicationError(
            {
                field_errors_key: [
                    _("Les numéros suivent l'ordre des notifications : la précédente est du %(d)s.") % {"d": previous}
                ]
            }
        )


def modification_add(*, user, contract, data) -> Modification:
    """Record an avenant: the next number, its notification date (not before the contract's nor the
    previous avenant's), its object and, when it changes them, the new amount and duration."""
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        last = Modification.objects.filter(contract=contract).order_by("-number").first()
        _check_order(contract, data["notified_on"], last.notified_on if last else None, "notified_on")
        modification = Modification(
            contract=contract,
            number=(last.number if last else 0) + 1,
            notified_on=data["notified_on"],
            object=data["object"],
            amount=data.get("amount"),
            duration_months=data.get("duration_months"),
            created_by=user if user and user.is_authenticated else None,
        )
        modification.full_clean(exclude=["contract", "created_by"])
        modification.save()
        Contract.objects.filter(pk=contract.pk).update(updated_at=timezone.now())
    return modification


def act_add(*, user, contract, data) -> SubcontractingAct:
    """Record an acte spécial de sous-traitance, numbered in the order of notification."""
    with transaction.atomic():
        Contract.objects.select_for_update().filter(pk=contract.pk).first()
        last = SubcontractingAct.objects.filter(contract=contract).order_by("-number").first()
        _check_order(contract, data["notified_on"], last.notified_on if last else None, "notified_on")
        act = SubcontractingAct(
            contract=contract,
            number=(last.number if last else 0) + 1,
            created_by=user if user and user.is_authenticated else None,
            **{
                key: data[key]
                for key in (
                    "subcontractor_siret",
                    "subcontractor_name",
                    "notified_on",
                    "amount",
                    "duration_months",
                    "price_variation",
                )
                if key in data
            },
        )
        act.full_clean(exclude=["contract", "created_by"])
        act.save()
        Contract.objects.filter(pk=contract.pk).update(updated_at=timezone.now())
    return act


def decp_export(contract) -> dict:
    """The DECP file of the contract, valid against the official schema, or 409 listing every problem
    ({"detail", "errors": [{"path", "field", "message"}]}): never a file the portal would refuse."""
    document, problems = selectors.decp_file(contract)
    if problems:
        raise ConflictError(
            {
                "detail": [_("Les données essentielles ne sont pas conformes au schéma DECP : rien n'est exporté.")],
                "errors": problems,
            }
        )
    return document


def contract_mark_published(*, user, contract, today=None) -> int:
    """Record today as the first publication date of the contract, modifications and acts that have none.

    Refused (409) while the file is invalid. Returns how many items were stamped.
    """
    decp_export(contract)
    today = today or timezone.localdate()
    with transaction.atomic():
        count = Contract.objects.filter(pk=contract.pk, data_published_on__isnull=True).update(data_published_on=today)
        count += Modification.objects.filter(contract=contract, data_published_on__isnull=True).update(
            data_published_on=today
        )
        count += SubcontractingAct.objects.filter(contract=contract, data_published_on__isnull=True).update(
            data_published_on=today
        )
    return count

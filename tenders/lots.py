"""Lots of a tender (allotment, L2113-10 of the code de la commande publique; docs/LOTS.md).

A tender without lots is one indivisible contract and records why (`Tender.single_lot_reason`, L2113-11);
a tender with lots gives each lot its number, title and description. Lots change only while the tender is
a draft, like its clauses. A tender clause applies to every lot unless it names some (`TenderClause.lots`).
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError

from . import access
from .models import Lot, TenderClause
from .services import _locked, ensure_draft, tender_content_changed

MAX_LOTS = 99
LOT_FIELDS = ("number", "title", "description")


def _check_number(tender, number, *, exclude=None):
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= MAX_LOTS:
        raise ApplicationError({"number": [_("Un numéro de lot entre 1 et %(max)d est attendu.") % {"max": MAX_LOTS}]})
    taken = Lot.objects.filter(tender_id=tender.pk, number=number).exclude(pk=exclude)
    if taken.exists():
        raise ApplicationError({"number": [_("Le lot n° %(number)d existe déjà.") % {"number": number}]})


def _check_title(title):
    if not isinstance(title, str) or not title.strip():
        raise ApplicationError({"title": [_("Donnez un intitulé au lot.")]})
    return title.strip()


@transaction.atomic
def lot_create(*, user, tender, number=None, title, description="") -> Lot:
    """A new lot of a draft tender; without a number, the next free one."""
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    if number is None:
        number = (
            Lot.objects.filter(tender_id=tender.pk).order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
    if Lot.objects.filter(tender_id=tender.pk).count() >= MAX_LOTS:
        raise ApplicationError({"number": [_("Un appel d'offres compte au plus %(max)d lots.") % {"max": MAX_LOTS}]})
    _check_number(tender, number)
    lot = Lot.objects.create(tender=tender, number=number, title=_check_title(title), description=description or "")
    tender_content_changed(tender)
    return lot


@transaction.atomic
def lot_update(*, user, lot, changes: dict) -> Lot:
    """Change a lot's number, title or description (the tender is a draft)."""
    access.require_tender_editor(user, lot.tender)
    tender = _locked(lot.tender)
    ensure_draft(tender)
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if "number" in changes:
        _check_number(tender, changes["number"], exclude=lot.pk)
        lot.number = changes["number"]
    if "title" in changes:
        lot.title = _check_title(changes["title"])
    if "description" in changes:
        lot.description = changes["description"] or ""
    lot.save()
    tender_content_changed(tender)
    return lot


@transaction.atomic
def lot_delete(*, user, lot):
    """Remove a lot of a draft tender; its criteria go with it, clauses that named it keep the others."""
    access.require_tender_editor(user, lot.tender)
    tender = _locked(lot.tender)
    ensure_draft(tender)
    try:
        with transaction.atomic():
            Lot.objects.filter(pk=lot.pk).delete()
    except IntegrityError as error:  # pragma: no cover - bids exist only after publication
        raise ApplicationError({"detail": [_("Ce lot a des offres : il ne peut plus être supprimé.")]}) from error
    tender_content_changed(tender)


@transaction.atomic
def lots_reorder(*, user, tender, order: list) -> list[Lot]:
    """Renumber the tender's lots 1, 2, … in the order of `order` (every lot id of the tender, once)."""
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    lots = {lot.pk: lot for lot in Lot.objects.filter(tender_id=tender.pk)}
    if not isinstance(order, list) or sorted(order, key=str) != sorted(lots, key=str):
        raise ApplicationError({"order": [_("Donnez chaque lot de l'appel d'offres une fois, dans l'ordre voulu.")]})
    # Two passes so that the unique (tender, number) never sees two lots on one number.
    for offset, pk in enumerate(order, start=1):
        Lot.objects.filter(pk=pk).update(number=MAX_LOTS + offset)
    for number, pk in enumerate(order, start=1):
        Lot.objects.filter(pk=pk).update(number=number)
    tender_content_changed(tender)
    return list(Lot.objects.filter(tender_id=tender.pk))


def lots_of(tender, ids, *, field="lots") -> list[Lot]:
    """The tender's lots named by `ids` (a list of integers) → 400 naming `field` for anything else."""
    if not isinstance(ids, list) or any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
        raise ApplicationError({field: [_("Une liste d'identifiants de lots est attendue.")]})
    found = list(Lot.objects.filter(tender_id=tender.pk, pk__in=ids))
    if len(found) != len(set(ids)):
        raise ApplicationError({field: [_("Lot inconnu dans cet appel d'offres.")]})
    return found


@transaction.atomic
def tender_clause_lots_set(*, user, tender_clause, lots: list) -> TenderClause:
    """The lots a clause applies to ([]: every lot)."""
    tender = tender_clause.tender
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    tender_clause.lots.set(lots_of(tender, lots))
    tender_content_changed(tender)
    return tender_clause

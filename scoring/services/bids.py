"""Bids, the vendors' answers and the lead's decisions on eliminatory requirements (never inferred)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError, ConflictError
from organizations.jsondepth import too_deep_message, value_too_deep

from ..models import (
    Answer,
    Bid,
    Criterion,
    EliminatoryDecision,
)
from .evaluation import ensure_not_frozen, ensure_published
from .trail import audit


def _check_price(price):
    if price is None or price <= 0:
        raise ApplicationError({"price": [_("Le prix doit être strictement positif.")]})


def _check_lot(tender, lot_id):
    """A tender with lots takes one bid per vendor and lot: the bid names one of its lots; without lots, none."""
    has_lots = tender.lots.exists()
    if lot_id is None and has_lots:
        raise ApplicationError({"lot": [_("L'appel d'offres a des lots : indiquez le lot de l'offre.")]})
    if lot_id is not None and not tender.lots.filter(pk=lot_id).exists():
        raise ApplicationError({"lot": [_("Lot inconnu dans cet appel d'offres.")]})


@transaction.atomic
def bid_create(
    *, user, tender, vendor: str, price, submitted_at=None, fhir_base_url: str = "", sandbox=None, lot_id=None
) -> Bid:
    ensure_published(tender)
    ensure_not_frozen(tender, _("la liste des offres"))
    if not (vendor or "").strip():
        raise ApplicationError({"vendor": [_("Le nom du candidat est obligatoire.")]})
    _check_price(price)
    _check_lot(tender, lot_id)
    bid = Bid.objects.create(
        tender=tender,
        lot_id=lot_id,
        sandbox=sandbox or {},
        vendor=vendor,
        price=price,
        fhir_base_url=fhir_base_url or "",
        submitted_at=submitted_at or timezone.now(),
    )
    audit(
        tender_id=tender.pk,
        user=user,
        action="bid.create",
        obj=bid,
        field="price",
        new={"vendor": vendor, "price": price},
    )
    return bid


BID_FIELDS = ("vendor", "price", "price_source", "submitted_at", "fhir_base_url", "sandbox")
# What ranks a bid: frozen once prices are opened (the FHIR base URL is only where the probe reads).
FROZEN_BID_FIELDS = ("vendor", "price", "price_source", "submitted_at")


@transaction.atomic
def bid_update(*, user, bid: Bid, changes: dict) -> Bid:
    bid = Bid.objects.select_for_update().select_related("tender").get(pk=bid.pk)
    ensure_published(bid.tender)
    if any(field in changes and getattr(bid, field) != changes[field] for field in FROZEN_BID_FIELDS):
        ensure_not_frozen(bid.tender, _("une offre (candidat, prix, date de dépôt)"))
    if changes.get("lot_id", bid.lot_id) != bid.lot_id:
        raise ApplicationError({"lot": [_("Le lot d'une offre ne change pas : déposez une offre sur l'autre lot.")]})
    if "price" in changes:
        _check_price(changes["price"])
        if changes["price"] != bid.price and "price_source" not in changes:
            changes = {**changes, "price_source": Bid.PriceSource.ENTERED}  # typed: no longer the schedule's
    for field in BID_FIELDS:
        if field in changes and getattr(bid, field) != changes[field]:
            audit(
                tender_id=bid.tender_id,
                user=user,
                action="bid.update",
                obj=bid,
                field=field,
                old=getattr(bid, field),
                new=changes[field],
            )
            setattr(bid, field, changes[field])
    bid.save()
    return bid


@transaction.atomic
def bid_delete(*, user, bid: Bid):
    ensure_not_frozen(bid.tender, _("la liste des offres"))
    audit(
        tender_id=bid.tender_id,
        user=user,
        action="bid.delete",
        obj=bid,
        field="",
        old={"vendor": bid.vendor, "price": bid.price},
    )
    bid.delete()


def check_same_tender(bid, criterion):
    if criterion.tender_id != bid.tender_id:
        raise ApplicationError({"criterion": [_("Critère inconnu pour ce marché.")]})


@transaction.atomic
def answer_set(
    *, user, bid: Bid, criterion: Criterion, text="", compliant=None, evidence="", committed_values=None
) -> Answer:
    """Create or replace the bid's answer to a criterion (audited).

    `compliant` is the vendor's own statement: on an eliminatory criterion it only suggests the
    lead's decision (EliminatoryDecision), it never eliminates by itself. `committed_values` are the
    values the vendor commits to, keyed by the clause's parameter name (kept when not given).
    """
    ensure_published(bid.tender)
    check_same_tender(bid, criterion)
    # An answer (the vendor's compliance statement, its committed values) feeds decisions and scores.
    ensure_not_frozen(bid.tender, _("une réponse du candidat"))
    if committed_values is not None and not isinstance(committed_values, dict):
        raise ApplicationError({"committed_values": [_("Attendu : un objet {paramètre: valeur}.")]})
    if committed_values is not None and value_too_deep(committed_values):
        raise ApplicationError({"committed_values": [too_deep_message()]})  # F12: never a RecursionError
    answer = Answer.objects.select_for_update().filter(bid=bid, criterion=criterion).first()
    old = (
        None
        if answer is None
        else {"text": answer.text, "compliant": answer.compliant, "committed_values": answer.committed_values}
    )
    if answer is None:
        answer = Answer(bid=bid, criterion=criterion)
    answer.text, answer.compliant, answer.evidence = text or "", compliant, evidence or ""
    if committed_values is not None:
        answer.committed_values = committed_values
    answer.save()
    new = {"text": answer.text, "compliant": answer.compliant, "committed_values": answer.committed_values}
    if old != new:
        field = "compliant" if (old or {}).get("compliant") != compliant else "text"
        audit(tender_id=bid.tender_id, user=user, action="answer.set", obj=answer, field=field, old=old, new=new)
    return answer


def _decision_state(decision):
    return {
        "decision": decision.decision,
        "qualification": decision.qualification or None,
        "reason": decision.reason,
        "regularisation_requested_on": decision.regularisation_requested_on,
        "regularisation_request": decision.regularisation_request,
        "regularisation_answer": decision.regularisation_answer,
        "regularisation_outcome": decision.regularisation_outcome,
    }


REGULARISATION_FIELDS = (
    "regularisation_requested_on",
    "regularisation_request",
    "regularisation_answer",
    "regularisation_outcome",
)


@transaction.atomic
def eliminatory_decide(
    *, user, bid: Bid, criterion: Criterion, decision: str, qualification=None, reason: str = "", **regularisation
) -> EliminatoryDecision:
    """Record (or change) the lead's decision on a bid for an eliminatory criterion (audited elimination.decide).

    `non_compliant` needs a legal qualification (irregular, unacceptable, inappropriate: CCP L2152-2
    to L2152-4) and a reason written by the buyer; `regularisation_requested` (R2152-2) needs what
    is asked (`regularisation_request`) and keeps the bid undecided until the lead records
    `compliant` or `non_compliant` (the regularisation fields stay, with the answer and outcome).
    Frozen once prices are opened, unless reopened.
    """
    check_same_tender(bid, criterion)
    ensure_published(bid.tender)
    if criterion.kind != Criterion.Kind.ELIMINATORY:
        raise ApplicationError({"criterion": [_("Ce critère n'est pas éliminatoire.")]})
    if decision not in EliminatoryDecision.Decision.values:
        raise ApplicationError(
            {"decision": [_("Décision attendue : compliant, non_compliant ou regularisation_requested.")]}
        )
    reason = (reason or "").strip()
    if decision == EliminatoryDecision.Decision.NON_COMPLIANT:
        errors = {}
        if qualification not in EliminatoryDecision.Qualification.values:
            errors["qualification"] = [_("Qualifiez l'offre non conforme : irregular, unacceptable ou inappropriate.")]
        if not reason:
            errors["reason"] = [_("Motivez la non-conformité.")]
        if errors:
            raise ApplicationError(errors)
    elif qualification:
        raise ApplicationError({"qualification": [_("Seule une offre non conforme reçoit une qualification.")]})
    ensure_not_frozen(bid.tender, _("une décision sur une exigence éliminatoire"))
    row = EliminatoryDecision.objects.select_for_update().filter(bid=bid, criterion=criterion).first()
    old = None if row is None else _decision_state(row)
    if row is None:
        row = EliminatoryDecision(bid=bid, criterion=criterion)
    row.decision, row.qualification, row.reason = decision, qualification or "", reason
    for name in REGULARISATION_FIELDS:
        if name in regularisation and regularisation[name] is not None:
            setattr(row, name, regularisation[name])
    if decision == EliminatoryDecision.Decision.REGULARISATION_REQUESTED:
        if not row.regularisation_request.strip():
            raise ApplicationError(
                {"regularisation_request": [_("Précisez ce qui est demandé au candidat pour régulariser.")]}
            )
        if row.regularisation_requested_on is None:
            row.regularisation_requested_on = timezone.localdate()
    row.decided_by, row.decided_at = user, timezone.now()
    row.save()
    new = _decision_state(row)
    if old != new:
        audit(
            tender_id=bid.tender_id, user=user, action="elimination.decide", obj=row, field="decision", old=old, new=new
        )
    return row


@transaction.atomic
def eliminatory_accept_declared(*, user, bid: Bid) -> list[EliminatoryDecision]:
    """Mark `compliant` each eliminatory requirement of the bid that is still undecided (no decision
    recorded) and that the vendor declared met (`Answer.compliant` true): one click for what the lead
    accepts on the vendor's word; the rest is decided one by one. One audit entry per decision made
    (elimination.decide). Frozen once prices are opened, unless reopened. Returns the decisions made."""
    ensure_published(bid.tender)
    ensure_not_frozen(bid.tender, _("une décision sur une exigence éliminatoire"))
    decided = set(EliminatoryDecision.objects.filter(bid=bid).values_list("criterion_id", flat=True))
    declared = (
        Answer.objects.filter(bid=bid, compliant=True, criterion__kind=Criterion.Kind.ELIMINATORY)
        .exclude(criterion_id__in=decided)
        .select_related("criterion")
        .order_by("criterion__position", "criterion_id")
    )
    return [
        eliminatory_decide(
            user=user, bid=bid, criterion=answer.criterion, decision=EliminatoryDecision.Decision.COMPLIANT
        )
        for answer in declared
    ]


def _messages(errors) -> list[str]:
    out = []
    for problems in errors.values():
        out += [str(p) for p in (problems if isinstance(problems, list) else [problems])]
    return out


@transaction.atomic
def eliminatory_decide_many(*, user, tender, decisions: list[dict]) -> list[EliminatoryDecision]:
    """Record several of the lead's decisions in one go (the requirements × bids matrix).

    Each item is `{"bid", "criterion", "decision", "qualification", "reason"}`, checked and written as
    `eliminatory_decide` does (legal qualification and reason for a non-compliant offer; one
    `elimination.decide` audit entry per change). All or nothing: when any item is refused, nothing is
    written and the ApplicationError carries `{"cells": {"<bid>-<criterion>": [messages]}}`. Once prices
    are opened (close-technical, no reopening) the whole batch is refused with 409. Returns the decisions.
    """
    ensure_published(tender)
    ensure_not_frozen(tender, _("une décision sur une exigence éliminatoire"))
    errors, made = {}, []
    for item in decisions:
        bid, criterion = item["bid"], item["criterion"]
        if bid.tender_id != tender.pk:
            raise ApplicationError({"bid": [_("Offre inconnue pour ce marché.")]})
        try:
            made.append(
                eliminatory_decide(
                    user=user,
                    bid=bid,
                    criterion=criterion,
                    decision=item["decision"],
                    qualification=item.get("qualification") or None,
                    reason=item.get("reason", ""),
                )
            )
        except ConflictError:
            raise
        except ApplicationError as error:
            errors[f"{bid.pk}-{criterion.pk}"] = _messages(error.errors)
    if errors:
        raise ApplicationError({"cells": errors})
    return made

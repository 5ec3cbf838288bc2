"""Abnormally low offers (CCP L2152-5/-6, R2152-3 to R2152-5): threshold, request for justification, decision."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError, ConflictError

from .. import rules
from ..models import (
    Bid,
    EvaluationState,
    LowOfferReview,
)
from ..selectors import low_offers_of
from .evaluation import ensure_not_frozen, ensure_published
from .trail import audit


@transaction.atomic
def low_offer_threshold_set(*, user, tender, threshold) -> EvaluationState:
    """The percentage below the mean of the other eligible bids beyond which a bid is flagged (0 < t < 100)."""
    threshold = rules.to_decimal(threshold)
    if threshold is None or not 0 < threshold < 100:
        raise ApplicationError({"threshold": [_("Le seuil doit être compris entre 0 et 100 % (exclus).")]})
    state = ensure_not_frozen(tender, _("le seuil des offres anormalement basses"))
    old = state.low_offer_threshold
    if old != threshold:
        state.low_offer_threshold = threshold
        state.save(update_fields=["low_offer_threshold"])
        tender._evaluation_state = state
        audit(
            tender_id=tender.pk,
            user=user,
            action="low_offer.threshold",
            obj=state,
            field="low_offer_threshold",
            old=old,
            new=threshold,
        )
    return state


def _low_offer_row(bid):
    return low_offers_of(bid.tender).low_offers.get(bid.pk)


def _review_state(review):
    return {
        "decision": review.decision,
        "reason": review.reason,
        "request_note": review.request_note,
        "requested_at": review.requested_at,
        "sent_on": review.sent_on,
        "deadline": review.deadline,
        "received_on": review.received_on,
    }


@transaction.atomic
def low_offer_request(*, user, bid: Bid, note: str, sent_on=None, deadline=None) -> LowOfferReview:
    """Record the request for justification sent to the vendor of a flagged bid (R2152-3), with the date it
    was sent (today when not given) and the deadline given to answer (not before the sending date).
    Frozen by close-technical like the other inputs of the ranking (409 until a reopening)."""
    ensure_published(bid.tender)
    ensure_not_frozen(bid.tender, _("la procédure d'offre anormalement basse"))
    sent_on = sent_on or timezone.localdate()
    if sent_on > timezone.localdate():
        raise ApplicationError({"sent_on": [_("La date d'envoi ne peut pas être postérieure à aujourd'hui.")]})
    if deadline is not None and deadline < sent_on:
        raise ApplicationError({"deadline": [_("La date limite de réponse précède l'envoi de la demande.")]})
    note = (note or "").strip()
    if not note:
        raise ApplicationError({"note": [_("Précisez l'objet de la demande de justification.")]})
    review = LowOfferReview.objects.select_for_update().filter(bid=bid).first()
    if review is None and not (_low_offer_row(bid) or {}).get("flagged"):
        raise ConflictError({"detail": [_("Cette offre n'est pas signalée comme anormalement basse.")]})
    if review is not None and review.decision != LowOfferReview.Decision.PENDING:
        raise ConflictError({"detail": [_("La décision sur cette offre est déjà prise.")]})
    old = None if review is None else _review_state(review)
    if review is None:
        review = LowOfferReview(bid=bid)
    review.requested_at, review.requested_by, review.request_note = timezone.now(), user, note
    review.sent_on, review.deadline = sent_on, deadline
    review.save()
    audit(
        tender_id=bid.tender_id,
        user=user,
        action="low_offer.request",
        obj=review,
        field="request_note",
        old=old,
        new=_review_state(review),
    )
    return review


@transaction.atomic
def low_offer_decide(*, user, bid: Bid, decision: str, reason: str = "", received_on=None) -> LowOfferReview:
    """Keep the bid, or reject it with a reason (R2152-4/-5): a rejected bid leaves the ranking.

    The request for justification must have been recorded first; `received_on` is the date the
    explanations arrived (None: none received). A decision may be changed later, until close-technical
    (then 409 until a reopening); both are in the audit trail.
    """
    ensure_published(bid.tender)
    ensure_not_frozen(bid.tender, _("la procédure d'offre anormalement basse"))
    reason = (reason or "").strip()
    if decision not in (LowOfferReview.Decision.KEPT, LowOfferReview.Decision.REJECTED):
        raise ApplicationError({"decision": [_("Décision attendue : « kept » (maintenue) ou « rejected » (rejetée).")]})
    if decision == LowOfferReview.Decision.REJECTED and not reason:
        raise ApplicationError({"reason": [_("Motivez le rejet de l'offre anormalement basse.")]})
    review = LowOfferReview.objects.select_for_update().filter(bid=bid).first()
    if review is None or review.requested_at is None:
        raise ConflictError(
            {"detail": [_("Demandez d'abord au candidat de justifier son prix avant de décider (R2152-3).")]}
        )
    if received_on is not None and review.sent_on is not None and received_on < review.sent_on:
        raise ApplicationError({"received_on": [_("Les explications ne peuvent pas précéder la demande.")]})
    if received_on is not None and received_on > timezone.localdate():
        raise ApplicationError({"received_on": [_("La date de réception ne peut pas être postérieure à aujourd'hui.")]})
    old = _review_state(review)
    review.decision, review.reason, review.received_on = decision, reason, received_on
    review.decided_by, review.decided_at = user, timezone.now()
    review.save()
    audit(
        tender_id=bid.tender_id,
        user=user,
        action="low_offer.decision",
        obj=review,
        field="decision",
        old=old,
        new=_review_state(review),
    )
    return review

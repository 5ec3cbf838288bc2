"""The award sequence (API.md, "Evaluation (round 2)"; docs/SCORING.md, "Award sequence").

Four steps, each refused (409, a sentence saying what is missing) until the one before is done:
1. `award_decide`: the retained bid (the results' awardee, once final), the decision's date and the lead's
   summary of the characteristics and relative advantages of the retained offer (R2181-3, R2181-4);
2. `award_certificates`: the awardee's certificates received (R2144-4), or why none are needed (R2144-7);
3. the letters (`rejection_letters`) and the award notice (`award_notice`): `award_letters_refusal`;
4. `award_letters_sent`: the sending date and means, which set the end of the standstill (R2182-1).
Between 1 and 2, `award_certificates_failed`: the awardee did not provide its certificates in time (R2144-7);
the award passes to the eligible bid ranked immediately after it, decided anew, and step 2 starts again.
Every step is audited (`award.decide`, `award.certificates`, `award.certificates_failed`, `award.letters_sent`).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clause_library.text import strip_forbidden_characters
from documents.models import Document
from organizations.errors import ApplicationError, ConflictError

from .. import selectors
from ..models import Award, AwardFailure, Bid
from .evaluation import ensure_published, locked_state
from .trail import audit

STANDSTILL_ELECTRONIC_DAYS = 11
STANDSTILL_OTHER_DAYS = 16


def standstill_until(sent_on, electronic, *, bids_count) -> datetime.date | None:
    """The last day of the standstill (R2182-1): counted from the day after sending, 11 days when the
    letters went electronically, 16 otherwise; the contract may be signed from the next day. None for a
    single tenderer (R2182-2) or before the letters are sent."""
    if sent_on is None or bids_count <= 1:
        return None
    return sent_on + datetime.timedelta(days=STANDSTILL_ELECTRONIC_DAYS if electronic else STANDSTILL_OTHER_DAYS)


def failed_bids(tender, lot=None) -> set[int]:
    """The bids that lost the award (of `lot`, in a tender with lots) for want of certificates (R2144-7)."""
    return set(AwardFailure.objects.filter(tender=tender, lot=lot).values_list("bid_id", flat=True))


def award_failures_of(tender, lot=None):
    """The tender's (or lot's) recorded failures to provide certificates (R2144-7), oldest first, with their bids."""
    return AwardFailure.objects.filter(tender=tender, lot=lot).select_related("bid", "recorded_by")


def retained_bid(outcome, failed: set[int]) -> int | None:
    """The bid the award goes to: the results' awardee (ranked first, results final), or — when awardees
    failed to provide their certificates (R2144-7) — the eligible bid ranked immediately after them. None
    while the results are provisional, when no eligible bid is left, or when the next rank is shared."""
    if outcome.awardee is None:
        return None
    if outcome.awardee not in failed:
        return outcome.awardee
    ranked = sorted(
        (r for r in outcome.results if r.eligible is True and r.rank is not None and r.bid not in failed),
        key=lambda r: r.rank,
    )
    if not ranked or (len(ranked) > 1 and ranked[1].rank == ranked[0].rank):
        return None
    return ranked[0].bid


def _limit_message(tender):
    return _(
        "Ce soumissionnaire détient déjà %(max)d lot(s), le nombre maximal annoncé au règlement de la consultation : "
        "le lot revient à l'offre classée immédiatement après."
    ) % {"max": tender.max_lots_per_bidder}


def unknown_bid_message():
    return _("Offre inconnue pour ce marché.")


def award_of(tender, lot=None) -> Award | None:
    """The award of the tender, or of `lot` in a tender with lots (docs/LOTS.md)."""
    return Award.objects.filter(tender=tender, lot=lot).select_related("bid", "decided_by").first()


def passed_over_bids(tender, lot) -> set[int]:
    """The bids of `lot` ranked above its awardee whose bidder holds the tender's limit of lots (scoring/allotment.py)."""
    if lot is None or not tender.max_lots_per_bidder:
        return set()
    return set(selectors.lot_awards(tender)[lot.pk].passed_over)


def _expected(tender, lot, outcome, failed) -> int | None:
    """The bid the award must go to: the ranking's, past the awardees that failed (R2144-7) and, under the
    tender's limit of lots per bidder, past the offers of bidders that hold the limit."""
    return retained_bid(outcome, failed | passed_over_bids(tender, lot))


def _check_lot(tender, lot, bid=None):
    """A tender with lots is awarded lot by lot: `lot` is required and the bid must be of that lot."""
    if lot is None and tender.lots.exists():
        raise ApplicationError({"lot": [_("L'appel d'offres a des lots : indiquez le lot attribué.")]})
    if bid is not None and bid.lot_id != (lot.pk if lot else None):
        raise ApplicationError({"bid": [unknown_bid_message()]})


def _state(award):
    if award is None:
        return None
    return {
        "bid": award.bid_id,
        "decided_on": award.decided_on,
        "advantages": award.advantages,
        "certificates_received_on": award.certificates_received_on,
        "certificates_waived_reason": award.certificates_waived_reason,
        "letters_sent_on": award.letters_sent_on,
        "letters_electronic": award.letters_electronic,
    }


def _clean(text):
    return strip_forbidden_characters((text or "").strip())


def _check_retained(tender, lot, bid, outcome, failed):
    """409 unless `bid` is the one the award must go to (_expected), saying which one it is."""
    passed = passed_over_bids(tender, lot)
    retained = retained_bid(outcome, failed | passed)
    if retained != bid.pk and bid.pk in passed:
        raise ConflictError({"bid": [_limit_message(tender)]})
    if retained != bid.pk:
        first = next((r.vendor for r in outcome.results if r.bid == retained), None)
        raise ConflictError(
            {
                "bid": [
                    _("L'offre retenue doit être celle classée première : %(vendor)s.") % {"vendor": first}
                    if first and not failed
                    else _(
                        "L'offre retenue doit être celle classée immédiatement après l'attributaire défaillant : %(vendor)s."
                    )
                    % {"vendor": first}
                    if first
                    else _("Aucune offre n'est classée première seule : pas d'attribution possible.")
                ]
            }
        )


@transaction.atomic
def award_decide(*, user, tender, bid: Bid, decided_on: datetime.date, advantages: str, lot=None) -> Award:
    """Record (or correct, before the letters are sent) the award decision.

    The results must be final and `bid` their awardee; `decided_on` today or earlier; `advantages` is the
    lead's own summary (never the evaluators' notes), printed in every letter. Changing the decision
    clears the later steps (certificates and sending concern the retained bid).
    """
    ensure_published(tender)
    locked_state(tender)
    advantages = _clean(advantages)
    if not advantages:
        raise ApplicationError(
            {"advantages": [_("Résumez les caractéristiques et avantages relatifs de l'offre retenue.")]}
        )
    if decided_on > timezone.localdate():
        raise ApplicationError(
            {"decided_on": [_("La date de la décision ne peut pas être postérieure à aujourd'hui.")]}
        )
    if bid.tender_id != tender.pk:
        raise ApplicationError({"bid": [unknown_bid_message()]})
    _check_lot(tender, lot, bid)
    outcome = selectors.tender_outcome(tender, lot)
    if outcome.provisional:
        raise ConflictError(
            {
                "detail": [
                    _("Les résultats sont provisoires : l'attribution attend que ces points soient réglés : %(items)s")
                    % {"items": " ".join(item["message"] for item in outcome.blocking)}
                ]
            }
        )
    failed = failed_bids(tender, lot)
    if bid.pk in failed:
        raise ConflictError(
            {
                "bid": [
                    _(
                        "Cette offre a perdu l'attribution faute de certificats (R2144-7) : elle ne peut plus être retenue."
                    )
                ]
            }
        )
    _check_retained(tender, lot, bid, outcome, failed)
    award = Award.objects.select_for_update().filter(tender=tender, lot=lot).first()
    if award is not None and award.letters_sent_on is not None:
        raise ConflictError(
            {"detail": [_("Les lettres sont déjà envoyées : la décision d'attribution ne change plus.")]}
        )
    old = _state(award)
    if award is None:
        award = Award(tender=tender, lot=lot)
    if award.bid_id is not None and award.bid_id != bid.pk:
        award.certificates_received_on, award.certificates_waived_reason = None, ""
    award.bid, award.decided_on, award.advantages = bid, decided_on, advantages
    award.decided_by, award.decided_at = user, timezone.now()
    award.save()
    audit(tender_id=tender.pk, user=user, action="award.decide", obj=award, field="bid", old=old, new=_state(award))
    return award


@transaction.atomic
def award_certificates(*, user, tender, received_on=None, waived_reason: str = "", lot=None) -> Award:
    """Record that the awardee proved it is not excluded (R2144-4: tax and social certificates), or the
    reason no certificate is asked (R2144-7). 409 before the award decision or after the letters are sent."""
    locked_state(tender)
    waived_reason = _clean(waived_reason)
    if (received_on is None) == (not waived_reason):
        raise ApplicationError(
            {"received_on": [_("Indiquez soit la date de réception des certificats, soit le motif de leur absence.")]}
        )
    if received_on is not None and received_on > timezone.localdate():
        raise ApplicationError({"received_on": [_("La date de réception ne peut pas être postérieure à aujourd'hui.")]})
    _check_lot(tender, lot)
    award = Award.objects.select_for_update().filter(tender=tender, lot=lot).first()
    if award is None:
        raise ConflictError(
            {"detail": [_("Enregistrez d'abord la décision d'attribution (offre retenue, date, motifs).")]}
        )
    if award.letters_sent_on is not None:
        raise ConflictError({"detail": [_("Les lettres sont déjà envoyées : les certificats ne changent plus.")]})
    old = _state(award)
    award.certificates_received_on, award.certificates_waived_reason = received_on, waived_reason
    award.certificates_recorded_at = timezone.now()
    award.save()
    audit(
        tender_id=tender.pk,
        user=user,
        action="award.certificates",
        obj=award,
        field="certificates_received_on" if received_on else "certificates_waived_reason",
        old=old,
        new=_state(award),
    )
    return award


def award_letters_refusal(tender, award=None, lot=None) -> str | None:
    """Why the letters and the award notice cannot be made now (a sentence), or None."""
    award = award if award is not None else award_of(tender, lot)
    if award is None:
        return _(
            "Les lettres suivent la décision d'attribution : enregistrez d'abord l'offre retenue, la date de la "
            "décision et les caractéristiques et avantages relatifs de l'offre retenue."
        )
    if not award.certificates_done:
        return _(
            "Les lettres partent une fois que l'attributaire a prouvé qu'il n'est pas exclu : enregistrez la "
            "réception de ses certificats (R2144-4) ou le motif de leur absence (R2144-7)."
        )
    return None


@transaction.atomic
def award_letters_sent(*, user, tender, sent_on: datetime.date, electronic: bool = True, lot=None) -> Award:
    """Record when (and whether electronically) the letters went out: it sets `standstill_until`.

    409 until the letters exist: a `rejection_letters` (or, for a single tenderer, `award_notice`) document
    made after the certificates were recorded. May be corrected later (audited again).
    """
    locked_state(tender)
    if sent_on > timezone.localdate():
        raise ApplicationError({"sent_on": [_("La date d'envoi ne peut pas être postérieure à aujourd'hui.")]})
    _check_lot(tender, lot)
    award = Award.objects.select_for_update().filter(tender=tender, lot=lot).first()
    refusal = award_letters_refusal(tender, award) if award is not None else award_letters_refusal(tender, lot=lot)
    if refusal:
        raise ConflictError({"detail": [refusal]})
    if sent_on < award.decided_on:
        raise ApplicationError({"sent_on": [_("Les lettres ne peuvent pas partir avant la décision d'attribution.")]})
    # A single tenderer gets only the award notice: either document shows the letters were made.
    made = Document.objects.filter(
        tender=tender,
        kind__in=("rejection_letters", "award_notice"),
        status="done",
        created_at__gte=award.certificates_recorded_at,
    ).exists()
    if not made:
        raise ConflictError(
            {"detail": [_("Préparez d'abord les lettres aux candidats non retenus (document « Lettres de rejet »).")]}
        )
    old = _state(award)
    award.letters_sent_on, award.letters_electronic = sent_on, bool(electronic)
    award.letters_recorded_at = timezone.now()
    award.save()
    audit(
        tender_id=tender.pk,
        user=user,
        action="award.letters_sent",
        obj=award,
        field="letters_sent_on",
        old=old,
        new=_state(award),
    )
    return award


@transaction.atomic
def award_certificates_failed(
    *, user, tender, reason: str, failed_on: datetime.date, decided_on: datetime.date, advantages: str, lot=None
) -> Award:
    """The awardee did not provide its certificates in time (R2144-7): record why and when (an AwardFailure),
    and pass the award to the eligible bid ranked immediately after it, with the new decision's date and the
    lead's summary of that offer; its certificates are asked anew (step 2 starts again). Audited as
    `award.certificates_failed` (old and new award state, the failure). The ranking does not change.

    400 without a reason or a summary, or with a date after today; 409 before the award decision, once the
    awardee's certificates are recorded, after the letters are sent, while the results are provisional and
    when no other eligible bid is ranked alone next (nothing is recorded then).
    """
    locked_state(tender)
    reason, advantages = _clean(reason), _clean(advantages)
    errors = {}
    if not reason:
        errors["reason"] = [
            _("Indiquez pourquoi l'attributaire est défaillant (certificats non produits dans le délai).")
        ]
    if not advantages:
        errors["advantages"] = [_("Résumez les caractéristiques et avantages relatifs de l'offre désormais retenue.")]
    today = timezone.localdate()
    if failed_on > today:
        errors["failed_on"] = [_("La date ne peut pas être postérieure à aujourd'hui.")]
    if decided_on > today:
        errors["decided_on"] = [_("La date de la décision ne peut pas être postérieure à aujourd'hui.")]
    if errors:
        raise ApplicationError(errors)
    _check_lot(tender, lot)
    award = Award.objects.select_for_update().select_related("bid").filter(tender=tender, lot=lot).first()
    if award is None:
        raise ConflictError(
            {"detail": [_("Aucune décision d'attribution n'est enregistrée : rien ne passe à l'offre suivante.")]}
        )
    if award.letters_sent_on is not None:
        raise ConflictError({"detail": [_("Les lettres sont déjà envoyées : l'attribution ne change plus.")]})
    if award.certificates_done:
        raise ConflictError(
            {
                "detail": [
                    _(
                        "Les certificats de l'attributaire sont enregistrés : il n'est pas défaillant. Corrigez d'abord "
                        "cet enregistrement s'il est erroné."
                    )
                ]
            }
        )
    if decided_on < failed_on:
        raise ApplicationError(
            {"decided_on": [_("La nouvelle décision ne peut pas précéder la défaillance constatée.")]}
        )
    outcome = selectors.tender_outcome(tender, lot)
    failed = failed_bids(tender, lot) | {award.bid_id}
    following = _expected(tender, lot, outcome, failed) if not outcome.provisional else None
    if following is None:
        raise ConflictError(
            {
                "detail": [
                    _(
                        "Aucune autre offre recevable n'est classée seule au rang suivant : l'attribution ne peut "
                        "pas passer à une autre offre."
                    )
                ]
            }
        )
    old = _state(award)
    failure = AwardFailure.objects.create(
        tender=tender, lot=lot, bid=award.bid, reason=reason, failed_on=failed_on, recorded_by=user
    )
    award.bid_id, award.decided_on, award.advantages = following, decided_on, advantages
    award.decided_by, award.decided_at = user, timezone.now()
    award.certificates_received_on, award.certificates_waived_reason, award.certificates_recorded_at = None, "", None
    award.save()
    audit(
        tender_id=tender.pk,
        user=user,
        action="award.certificates_failed",
        obj=award,
        field="bid",
        old=old,
        new={**_state(award), "failed_bid": failure.bid_id, "reason": reason, "failed_on": failed_on},
    )
    return award

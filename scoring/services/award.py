"""The award sequence (API.md, "Evaluation (round 2)"; docs/SCORING.md, "Award sequence").

Four steps, each refused (409, a sentence saying what is missing) until the one before is done:
1. `award_decide`: the retained bid (the results' awardee, once final), the decision's date and the lead's
   summary of the characteristics and relative advantages of the retained offer (R2181-3, R2181-4);
2. `award_certificates`: the awardee's certificates received (R2144-4), or why none are needed (R2144-7);
3. the letters (`rejection_letters`) and the award notice (`award_notice`): `award_letters_refusal`;
4. `award_letters_sent`: the sending date and means, which set the end of the standstill (R2182-1).
Every step is audited (`award.decide`, `award.certificates`, `award.letters_sent`).
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clause_library.text import strip_forbidden_characters
from documents.models import Document
from organizations.errors import ApplicationError, ConflictError

from .. import selectors
from ..models import Award, Bid
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


def unknown_bid_message():
    return _("Offre inconnue pour ce marché.")


def award_of(tender) -> Award | None:
    return Award.objects.filter(tender=tender).select_related("bid", "decided_by").first()


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


@transaction.atomic
def award_decide(*, user, tender, bid: Bid, decided_on: datetime.date, advantages: str) -> Award:
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
    outcome = selectors.tender_outcome(tender)
    if outcome.provisional:
        raise ConflictError(
            {
                "detail": [
                    _("Les résultats sont provisoires : l'attribution attend que ces points soient réglés : %(items)s")
                    % {"items": " ".join(item["message"] for item in outcome.blocking)}
                ]
            }
        )
    if outcome.awardee != bid.pk:
        first = next((r.vendor for r in outcome.results if r.bid == outcome.awardee), None)
        raise ConflictError(
            {
                "bid": [
                    _("L'offre retenue doit être celle classée première : %(vendor)s.") % {"vendor": first}
                    if first
                    else _("Aucune offre n'est classée première seule : pas d'attribution possible.")
                ]
            }
        )
    award = Award.objects.select_for_update().filter(tender=tender).first()
    if award is not None and award.letters_sent_on is not None:
        raise ConflictError(
            {"detail": [_("Les lettres sont déjà envoyées : la décision d'attribution ne change plus.")]}
        )
    old = _state(award)
    if award is None:
        award = Award(tender=tender)
    if award.bid_id is not None and award.bid_id != bid.pk:
        award.certificates_received_on, award.certificates_waived_reason = None, ""
    award.bid, award.decided_on, award.advantages = bid, decided_on, advantages
    award.decided_by, award.decided_at = user, timezone.now()
    award.save()
    audit(tender_id=tender.pk, user=user, action="award.decide", obj=award, field="bid", old=old, new=_state(award))
    return award


@transaction.atomic
def award_certificates(*, user, tender, received_on=None, waived_reason: str = "") -> Award:
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
    award = Award.objects.select_for_update().filter(tender=tender).first()
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


def award_letters_refusal(tender, award=None) -> str | None:
    """Why the letters and the award notice cannot be made now (a sentence), or None."""
    award = award if award is not None else award_of(tender)
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
def award_letters_sent(*, user, tender, sent_on: datetime.date, electronic: bool = True) -> Award:
    """Record when (and whether electronically) the letters went out: it sets `standstill_until`.

    409 until the letters exist: a `rejection_letters` (or, for a single tenderer, `award_notice`) document
    made after the certificates were recorded. May be corrected later (audited again).
    """
    locked_state(tender)
    if sent_on > timezone.localdate():
        raise ApplicationError({"sent_on": [_("La date d'envoi ne peut pas être postérieure à aujourd'hui.")]})
    award = Award.objects.select_for_update().filter(tender=tender).first()
    refusal = award_letters_refusal(tender, award) if award is not None else award_letters_refusal(tender)
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

"""Evaluators' scores and the lead's consensus, with optimistic concurrency (a stale version is a 409)."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from organizations.errors import ApplicationError, ConflictError

from .. import rules
from ..models import (
    Bid,
    Consensus,
    Criterion,
    Evaluator,
    Score,
)
from .bids import check_same_tender
from .evaluation import ensure_not_frozen, ensure_published, locked_state
from .trail import audit


def _check_value(value, scale_max):
    if value is None or not 0 <= value <= scale_max:
        raise ApplicationError({"value": [_("La note doit être comprise entre 0 et %(max)s.") % {"max": scale_max}]})


def _is_scored_leaf(criterion) -> bool:
    if criterion.kind != Criterion.Kind.SCORED:
        return False
    return not Criterion.objects.filter(parent=criterion, kind__in=rules.WEIGHTED_KINDS).exists()


STALE_SCORE = gettext_noop(
    "Cette note a été modifiée entre-temps (version %(version)d) : rechargez-la avant de la changer."
)
MISSING_SCORE_VERSION = gettext_noop(
    "Cette note existe déjà (version %(version)d) : envoyez la version lue pour la modifier."
)


def _score_conflict(score, message=STALE_SCORE):
    """409 with the stored score, so the client loses nothing (a stale version, or none sent)."""
    return ConflictError(
        {
            "version": [_(message) % {"version": score.version}],
            "current": {
                "value": float(score.value),
                "comment": score.comment,
                "version": score.version,
                "updated_at": score.updated_at.isoformat(),
            },
        }
    )


def _missing_version(current):
    return _score_conflict(current, MISSING_SCORE_VERSION)


@transaction.atomic
def score_set(*, user, bid: Bid, criterion: Criterion, value, comment: str = "", version: int | None = None) -> Score:
    """Create or change the calling evaluator's score of a bid on a criterion.

    `version` is the version the client read: a different one → 409 with the stored score (nothing
    lost). The first score of a cell may omit it (or send 0); changing an existing score without it
    → 409 as well (issue 18, finding 12). With the tender's `require_justification` (the default),
    a score needs a non-empty comment (400). Refused (403) until the evaluator has declared no
    conflict of interest, and (409) once technical scoring is closed: the check holds the evaluation
    state's row lock, the one tender_close_technical takes, so no score lands after the close.
    """
    tender = bid.tender
    check_same_tender(bid, criterion)
    ensure_published(tender)
    evaluator = Evaluator.objects.filter(tender=tender, user=user).first()
    if evaluator is None:
        raise PermissionDenied(_("Vous n'êtes pas évaluateur de ce marché."))
    if evaluator.declared_at is None:
        raise PermissionDenied(_("Déclarez d'abord l'absence de conflit d'intérêts pour ce marché avant de noter."))
    if not _is_scored_leaf(criterion):
        raise ApplicationError({"criterion": [_("Seuls les critères notés sans sous-critères reçoivent une note.")]})
    _check_value(value, criterion.scale_max)
    comment = (comment or "").strip()
    if tender.require_justification and not comment:
        raise ApplicationError({"comment": [_("Justifiez la note : un commentaire écrit est requis pour ce marché.")]})
    if locked_state(tender).technical_closed_at is not None:
        raise ConflictError({"detail": [_("La notation technique de ce marché est close.")]})
    score = Score.objects.select_for_update().filter(bid=bid, criterion=criterion, evaluator=user).first()
    if score is None:
        try:
            # A savepoint: a concurrent first write of the same cell makes this insert fail.
            with transaction.atomic():
                score = Score.objects.create(
                    bid=bid, criterion=criterion, evaluator=user, value=value, comment=comment, version=1
                )
        except IntegrityError:
            score = Score.objects.select_for_update().get(bid=bid, criterion=criterion, evaluator=user)
            raise _score_conflict(score) if version else _missing_version(score)
        audit(
            tender_id=tender.pk,
            user=user,
            action="score.set",
            obj=score,
            field="value",
            old=None,
            new={"value": value, "comment": comment},
        )
        return score
    if not version:
        raise _missing_version(score)
    if version != score.version:
        raise _score_conflict(score)
    if score.value == value and score.comment == comment:
        return score
    old = {"value": score.value, "comment": score.comment}
    field = "value" if score.value != value else "comment"
    score.value, score.comment, score.version = value, comment, score.version + 1
    score.save(update_fields=["value", "comment", "version", "updated_at"])
    audit(
        tender_id=tender.pk,
        user=user,
        action="score.set",
        obj=score,
        field=field,
        old=old,
        new={"value": value, "comment": comment},
    )
    return score


def _consensus_conflict(consensus, message):
    return ConflictError(
        {
            "version": [message],
            "current": {
                "value": float(consensus.value),
                "justification": consensus.justification,
                "version": consensus.version,
                "updated_at": consensus.updated_at.isoformat(),
            },
        }
    )


@transaction.atomic
def consensus_set(
    *, user, bid: Bid, criterion: Criterion, value, justification: str, version: int | None = None
) -> Consensus:
    """The final score of a cell, with its justification; on an eliminatory criterion, 0 eliminates.

    Optimistic concurrency as for scores: `version` is the one read; a stale one → 409, and changing
    an existing consensus without it → 409 (the first may omit it). Frozen once prices are opened,
    unless reopened.
    """
    check_same_tender(bid, criterion)
    ensure_published(bid.tender)
    if not (criterion.kind == Criterion.Kind.ELIMINATORY or _is_scored_leaf(criterion)):
        raise ApplicationError(
            {
                "criterion": [
                    _("Un consensus porte sur un critère noté sans sous-critères ou sur un critère éliminatoire.")
                ]
            }
        )
    _check_value(value, criterion.scale_max)
    justification = (justification or "").strip()
    if not justification:
        raise ApplicationError({"justification": [_("Justifiez la note de consensus.")]})
    ensure_not_frozen(bid.tender, _("un consensus"))
    consensus = Consensus.objects.select_for_update().filter(bid=bid, criterion=criterion).first()
    if consensus is not None:
        if not version:
            raise _consensus_conflict(
                consensus,
                _("Ce consensus existe déjà (version %(version)d) : envoyez la version lue pour le modifier.")
                % {"version": consensus.version},
            )
        if version != consensus.version:
            raise _consensus_conflict(
                consensus,
                _("Ce consensus a été modifié entre-temps (version %(version)d) : rechargez-le avant de le changer.")
                % {"version": consensus.version},
            )
    old = None if consensus is None else {"value": consensus.value, "justification": consensus.justification}
    new = {"value": value, "justification": justification}
    if consensus is None:
        consensus = Consensus(bid=bid, criterion=criterion, version=1)
    elif old == new:
        return consensus
    else:
        consensus.version += 1
    consensus.value, consensus.justification, consensus.set_by = value, justification, user
    consensus.save()
    action = "elimination.set" if criterion.kind == Criterion.Kind.ELIMINATORY else "consensus.set"
    audit(tender_id=bid.tender_id, user=user, action=action, obj=consensus, field="value", old=old, new=new)
    return consensus

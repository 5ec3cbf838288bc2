"""The evaluation's own state: who evaluates (and their declaration), reveal, close-technical, the
justified reopening, and the rules every later write checks first (published tender, prices not yet opened).

`locked_state` is the one lock: closing, reopening, scoring and every frozen write take the tender's
EvaluationState row first, so no write slips between "is it closed?" and the close.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError, ConflictError
from organizations.models import Membership

from .. import access, rules, selectors
from ..models import (
    EvaluationState,
    Evaluator,
    Score,
)
from .trail import audit

DRAFT = "draft"


def evaluation_state(tender) -> EvaluationState:
    state, _created = EvaluationState.objects.get_or_create(tender=tender)
    return state


def locked_state(tender) -> EvaluationState:
    """The tender's evaluation state, row-locked until the end of the transaction.

    Closing technical scoring, reopening, scoring and every frozen write take this lock first, so a
    score or a price change cannot slip in between the "is it closed?" check and the close.
    """
    state = evaluation_state(tender)
    state = EvaluationState.objects.select_for_update().get(pk=state.pk)
    tender._evaluation_state = state
    return state


def is_frozen(state) -> bool:
    """Prices are opened (close-technical) and no recorded reopening is in force."""
    return state.technical_closed_at is not None and state.reopened_at is None


def ensure_not_frozen(tender, what: str) -> EvaluationState:
    """409 once prices are opened, unless the lead recorded a justified reopening (issue 18, finding 6).

    Call inside the write's transaction: the state row stays locked until it commits.
    """
    state = locked_state(tender)
    if is_frozen(state):
        raise ConflictError(
            {
                "detail": [
                    _(
                        "Les prix sont ouverts (notation technique close) : %(what)s ne peut plus changer "
                        "sans une réouverture motivée de l'évaluation."
                    )
                    % {"what": what}
                ]
            }
        )
    return state


@transaction.atomic
def evaluator_add(*, user, tender, username: str) -> Evaluator:
    """Name a member of the tender's organisation as an evaluator of the tender (idempotent)."""
    person = get_user_model().objects.filter(username=username).first()
    if person is None or not Membership.objects.filter(user=person, organization_id=tender.organization_id).exists():
        raise ApplicationError(
            {
                "user": [
                    _("Aucun membre de l'organisation ne porte l'identifiant « %(username)s ».")
                    % {"username": username}
                ]
            }
        )
    if access.buys_for(person, tender):
        # The lead sees sealed prices and everyone's scores: they cannot also score (issue 18, finding 6).
        raise ApplicationError(
            {
                "user": [
                    _(
                        "« %(username)s » conduit l'évaluation (acheteur ou administrateur) : "
                        "il ne peut pas en être aussi évaluateur."
                    )
                    % {"username": username}
                ]
            }
        )
    evaluator, created = Evaluator.objects.get_or_create(tender=tender, user=person)
    if created:
        audit(tender_id=tender.pk, user=user, action="evaluator.add", obj=evaluator, field="user", new=username)
    return evaluator


@transaction.atomic
def evaluator_remove(*, user, tender, username: str) -> None:
    """Withdraw an evaluator named on the tender, before they have scored (audited as evaluator.remove).

    Refused (409) once the evaluator has scored a bid — their scores belong to the record — and once
    technical scoring is closed, unless the evaluation has been reopened. Takes the state row lock
    that score_set takes, so a score cannot land between the check and the removal.
    """
    state = locked_state(tender)
    evaluator = Evaluator.objects.select_related("user").filter(tender=tender, user__username=username).first()
    if evaluator is None:
        raise ApplicationError(
            {"detail": [_("Aucun évaluateur « %(username)s » sur ce marché.") % {"username": username}]}, status=404
        )
    if Score.objects.filter(bid__tender=tender, evaluator_id=evaluator.user_id).exists():
        raise ConflictError(
            {
                "detail": [
                    _(
                        "« %(username)s » a déjà noté des offres : ses notes font partie du dossier "
                        "d'évaluation, il ne peut plus être retiré."
                    )
                    % {"username": username}
                ]
            }
        )
    if state.technical_closed_at is not None and state.reopened_at is None:
        raise ConflictError(
            {
                "detail": [
                    _(
                        "La notation technique est close : rouvrez l'évaluation (réouverture motivée) "
                        "avant de retirer un évaluateur."
                    )
                ]
            }
        )
    audit(tender_id=tender.pk, user=user, action="evaluator.remove", obj=evaluator, field="user", old=username)
    evaluator.delete()


@transaction.atomic
def evaluator_declare(*, user, tender, no_conflict: bool) -> Evaluator:
    """The calling evaluator declares having no conflict of interest; the time is recorded once."""
    evaluator = Evaluator.objects.select_for_update().filter(tender=tender, user=user).first()
    if evaluator is None:
        raise PermissionDenied(_("Vous n'êtes pas évaluateur de ce marché."))
    if not no_conflict:
        raise ApplicationError(
            {"no_conflict": [_("Seule une déclaration d'absence de conflit d'intérêts permet de noter.")]}
        )
    if evaluator.declared_at is None:
        evaluator.declared_at = timezone.now()
        evaluator.save(update_fields=["declared_at"])
        audit(
            tender_id=tender.pk,
            user=user,
            action="evaluator.declare",
            obj=evaluator,
            field="declared_at",
            new=evaluator.declared_at,
        )
    return evaluator


@transaction.atomic
def tender_reveal(*, user, tender) -> EvaluationState:
    """Lift blind scoring: evaluators may now read each other's scores."""
    state = evaluation_state(tender)
    if state.revealed_at is None:
        state.revealed_at, state.revealed_by = timezone.now(), user
        state.save(update_fields=["revealed_at", "revealed_by"])
        audit(
            tender_id=tender.pk,
            user=user,
            action="tender.reveal",
            obj=state,
            field="revealed_at",
            new=state.revealed_at,
        )
    return state


@transaction.atomic
def tender_close_technical(*, user, tender) -> EvaluationState:
    """Close technical scoring: scores are frozen and sealed prices become visible to evaluators.

    After a reopening, closing again ends it: bids, prices, decisions, consensus and the threshold
    are frozen again. Takes the state row lock that score_set takes.

    Refused (409, `{"detail", "open": [messages]}`) while a scored cell has no score (a named evaluator's
    missing scores, or without evaluators a cell with neither score nor consensus) or a dispersed cell
    has no consensus: once closed, scores are frozen and consensus needs a logged reopening.
    """
    state = locked_state(tender)
    if state.technical_closed_at is None or state.reopened_at is not None:
        open_items = _open_scoring(tender)
        if open_items:
            raise ConflictError(
                {
                    "detail": [
                        _(
                            "La notation technique ne peut pas être close : des notes manquent ou des consensus "
                            "restent à établir."
                        )
                    ],
                    "open": open_items,
                }
            )
        state.technical_closed_at, state.technical_closed_by = timezone.now(), user
        state.reopened_at, state.reopened_by, state.reopen_reason = None, None, ""
        state.save(
            update_fields=["technical_closed_at", "technical_closed_by", "reopened_at", "reopened_by", "reopen_reason"]
        )
        audit(
            tender_id=tender.pk,
            user=user,
            action="tender.close_technical",
            obj=state,
            field="technical_closed_at",
            new=state.technical_closed_at,
        )
    return state


def technical_close_blockers(tender) -> list[str]:
    """What close-technical would refuse now (the list its 409 gives): the confirmation page shows it first."""
    return _open_scoring(tender)


def _open_scoring(tender) -> list[str]:
    """What keeps technical scoring from being closed: the results' evaluator_pending and
    consensus_required messages (each names the evaluator and count, or the bid and criterion)."""
    try:
        outcome = selectors.tender_outcome(tender)
    except (rules.CriteriaError, rules.PriceError):
        return []  # the results will say what is wrong with the criteria or prices
    return [item["message"] for item in outcome.blocking if item["code"] in ("evaluator_pending", "consensus_required")]


@transaction.atomic
def tender_reopen(*, user, tender, reason: str) -> EvaluationState:
    """Record a justified reopening after close-technical: who, why, when (audited as tender.reopen).

    While reopened, the lead may again change bids, prices, eliminatory decisions, consensus and the
    low-offer threshold; scores stay frozen (evaluators have seen the prices). Closing again ends it.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError({"reason": [_("Motivez la réouverture de l'évaluation.")]})
    state = locked_state(tender)
    if state.technical_closed_at is None:
        raise ConflictError({"detail": [_("La notation technique n'est pas close : rien à rouvrir.")]})
    if state.reopened_at is not None:
        raise ConflictError({"detail": [_("L'évaluation est déjà rouverte.")]})
    state.reopened_at, state.reopened_by, state.reopen_reason = timezone.now(), user, reason
    state.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    audit(
        tender_id=tender.pk,
        user=user,
        action="tender.reopen",
        obj=state,
        field="reopened_at",
        new={"at": state.reopened_at, "reason": reason},
    )
    return state


def ensure_published(tender):
    if tender.status == DRAFT:
        raise ConflictError(
            {
                "detail": [
                    _(
                        "Le marché n'est pas publié : les critères doivent être figés (publication) avant d'enregistrer des offres, réponses ou notes."
                    )
                ]
            }
        )

"""Writes to the evaluation of a tender. Every function validates, writes atomically and keeps the audit trail.

Who may call what (tenancy, roles) is checked by the views with scoring/access.py before calling
these; the rules that belong to the evaluation itself (declaration before scoring, published tender
before bids, draft tender for criteria, stale versions) are checked here.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.access import BUYER_ROLES
from organizations.errors import ApplicationError, ConflictError
from organizations.models import Membership
from tenders.models import TenderClause
from tenders.services import ensure_draft as tender_ensure_draft
from tenders.services import tender_content_changed

from . import rules
from .models import (
    Answer,
    AuditEvent,
    Bid,
    Consensus,
    Criterion,
    EliminatoryDecision,
    EvaluationState,
    Evaluator,
    LowOfferReview,
    Score,
)

DRAFT = "draft"
TECHNICAL_PARENT_NAME = "Valeur technique"
PRICE_NAME = "Prix"
DEFAULT_PRICE_WEIGHT = Decimal(40)


class ForbiddenError(ApplicationError):
    """The caller may see the object but not do this (declaration missing…): HTTP 403."""

    def __init__(self, message):
        super().__init__({"detail": [message]}, status=403)


# ---------------------------------------------------------------------------
# Audit


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def audit(*, tender_id, user, action, obj, field="", old=None, new=None):
    """Record one change. Called inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        tender_id=tender_id,
        user=user if user and user.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        field=field,
        old=_plain(old),
        new=_plain(new),
    )


# ---------------------------------------------------------------------------
# Criteria


def ensure_draft(tender):
    """Criteria are fixed at publish: changes afterwards are a 409 (the tender app's rule)."""
    tender_ensure_draft(tender)


def _as_rule(criterion: Criterion) -> rules.Criterion:
    return rules.Criterion(
        id=criterion.pk,
        name=criterion.name,
        kind=criterion.kind,
        weight=criterion.weight,
        parent=criterion.parent_id,
        scale_max=criterion.scale_max,
        position=criterion.position,
    )


PROBLEM_FIELDS = {
    "weight": "weight",
    "price": "kind",
    "kind": "kind",
    "parent": "parent",
    "cycle": "parent",
    "scale_max": "scale_max",
}


def _check_structure(tender, changed: Criterion, *, deleted=False):
    """Validate the tree as it would be after the change; field-keyed errors about the change."""
    others = [_as_rule(c) for c in Criterion.objects.filter(tender=tender).exclude(pk=changed.pk)]
    if not deleted:
        # An unsaved criterion gets a temporary id that no saved one has.
        others.append(
            _as_rule(changed)
            if changed.pk
            else rules.Criterion(
                id=-1,
                name=changed.name,
                kind=changed.kind,
                weight=changed.weight,
                parent=changed.parent_id,
                scale_max=changed.scale_max,
                position=changed.position,
            )
        )
    errors = {}
    for problem in rules.validate_structure(others):
        errors.setdefault(PROBLEM_FIELDS.get(problem.code, "non_field_errors"), []).append(problem.message)
    if errors:
        raise ApplicationError(errors)


CRITERION_FIELDS = ("parent", "name", "kind", "weight", "scale_max", "tender_clause", "position")


def _criterion_clean(tender, criterion):
    if criterion.parent_id is not None and criterion.parent.tender_id != tender.pk:
        raise ApplicationError({"parent": [_("Critère parent inconnu pour ce marché.")]})
    if criterion.tender_clause_id is not None and criterion.tender_clause.tender_id != tender.pk:
        raise ApplicationError({"tender_clause": [_("Clause inconnue pour ce marché.")]})
    if criterion.kind == Criterion.Kind.ELIMINATORY and criterion.weight is not None:
        raise ApplicationError({"weight": [_("Un critère éliminatoire ne porte pas de poids.")]})
    if not criterion.name.strip():
        raise ApplicationError({"name": [_("Le nom est obligatoire.")]})


@transaction.atomic
def criterion_create(*, user, tender, data: dict) -> Criterion:
    """A new criterion of a draft tender. Weight sums are checked at publish and results, not here."""
    ensure_draft(tender)
    criterion = Criterion(tender=tender, **{k: v for k, v in data.items() if k in CRITERION_FIELDS})
    if "position" not in data:
        siblings = Criterion.objects.filter(tender=tender, parent=criterion.parent_id)
        criterion.position = (max(siblings.values_list("position", flat=True), default=0) or 0) + 1
    _criterion_clean(tender, criterion)
    _check_structure(tender, criterion)
    criterion.save()
    tender_content_changed(tender)  # the documents print the criteria: earlier ones are stale
    audit(
        tender_id=tender.pk,
        user=user,
        action="criterion.create",
        obj=criterion,
        field="weight",
        new={"name": criterion.name, "kind": criterion.kind, "weight": criterion.weight},
    )
    return criterion


@transaction.atomic
def criterion_update(*, user, criterion: Criterion, changes: dict) -> Criterion:
    criterion = Criterion.objects.select_for_update().select_related("tender").get(pk=criterion.pk)
    ensure_draft(criterion.tender)
    before = {f: getattr(criterion, f + "_id" if f in ("parent", "tender_clause") else f) for f in CRITERION_FIELDS}
    for field, value in changes.items():
        if field in CRITERION_FIELDS:
            setattr(criterion, field, value)
    if criterion.kind == Criterion.Kind.ELIMINATORY and "weight" not in changes:
        criterion.weight = None
    _criterion_clean(criterion.tender, criterion)
    _check_structure(criterion.tender, criterion)
    criterion.save()
    tender_content_changed(criterion.tender)
    after = {f: getattr(criterion, f + "_id" if f in ("parent", "tender_clause") else f) for f in CRITERION_FIELDS}
    for field in CRITERION_FIELDS:
        if before[field] != after[field]:
            audit(
                tender_id=criterion.tender_id,
                user=user,
                action="criterion.update",
                obj=criterion,
                field=field,
                old=before[field],
                new=after[field],
            )
    return criterion


@transaction.atomic
def criterion_delete(*, user, criterion: Criterion):
    ensure_draft(criterion.tender)
    audit(
        tender_id=criterion.tender_id,
        user=user,
        action="criterion.delete",
        obj=criterion,
        field="weight",
        old={"name": criterion.name, "kind": criterion.kind, "weight": criterion.weight},
    )
    criterion.delete()
    tender_content_changed(criterion.tender)


def criteria_check(tender):
    """400 naming each level whose weights do not sum to 100 (and any malformed criterion)."""
    criteria = [_as_rule(c) for c in Criterion.objects.filter(tender=tender)]
    try:
        rules.check_criteria(criteria)
    except rules.CriteriaError as error:
        raise ApplicationError({"criteria": error.messages})


@transaction.atomic
def criteria_from_clauses(*, user, tender, price_weight=DEFAULT_PRICE_WEIGHT, replace=False) -> list[Criterion]:
    """Build the default tree from the tender's clauses.

    Mandatory clauses → eliminatory criteria; scored clauses → weighted sub-criteria of
    "Valeur technique" (weights proportional to the clauses' default weights, normalised to sum
    exactly 100); plus a price criterion weighing `price_weight`. Existing criteria are replaced
    only when `replace` is true (otherwise 409).
    """
    ensure_draft(tender)
    tender_content_changed(tender)  # rolled back with the rest if the tree cannot be built
    price_weight = rules.to_decimal(price_weight)
    if price_weight is None or not 0 <= price_weight <= 100:
        raise ApplicationError({"price_weight": [_("Le poids du prix doit être compris entre 0 et 100.")]})
    existing = Criterion.objects.filter(tender=tender)
    if existing.exists():
        if not replace:
            raise ConflictError(
                {"detail": [_("Ce marché a déjà des critères : demandez leur remplacement (« replace »).")]}
            )
        for criterion in existing.filter(parent__isnull=True):
            audit(
                tender_id=tender.pk,
                user=user,
                action="criterion.delete",
                obj=criterion,
                field="weight",
                old={"name": criterion.name, "kind": criterion.kind, "weight": criterion.weight},
            )
        existing.delete()
    clauses = list(TenderClause.objects.filter(tender=tender).select_related("version").order_by("position", "id"))
    scored = [tc for tc in clauses if tc.version.requirement == "scored"]
    mandatory = [tc for tc in clauses if tc.version.requirement == "mandatory"]
    technical_weight = rules.HUNDRED - price_weight
    if not scored:
        technical_weight, price_weight = Decimal(0), rules.HUNDRED
    created = []
    position = 1
    if technical_weight > 0:
        parent = Criterion.objects.create(
            tender=tender,
            name=TECHNICAL_PARENT_NAME,
            kind=Criterion.Kind.SCORED,
            weight=technical_weight,
            position=position,
        )
        created.append(parent)
        position += 1
        weights = rules.normalise_weights([tc.version.default_weight or 1 for tc in scored])
        for index, (tc, weight) in enumerate(zip(scored, weights, strict=True), start=1):
            created.append(
                Criterion.objects.create(
                    tender=tender,
                    parent=parent,
                    name=tc.version.title[:300],
                    kind=Criterion.Kind.SCORED,
                    weight=weight,
                    scale_max=tc.version.scale_max or 5,
                    tender_clause=tc,
                    position=index,
                )
            )
    if price_weight > 0:
        created.append(
            Criterion.objects.create(
                tender=tender, name=PRICE_NAME, kind=Criterion.Kind.PRICE, weight=price_weight, position=position
            )
        )
        position += 1
    for tc in mandatory:
        created.append(
            Criterion.objects.create(
                tender=tender,
                name=tc.version.title[:300],
                kind=Criterion.Kind.ELIMINATORY,
                weight=None,
                scale_max=1,
                tender_clause=tc,
                position=position,
            )
        )
        position += 1
    for criterion in created:
        audit(
            tender_id=tender.pk,
            user=user,
            action="criterion.create",
            obj=criterion,
            field="weight",
            new={"name": criterion.name, "kind": criterion.kind, "weight": criterion.weight},
        )
    return created


# ---------------------------------------------------------------------------
# Evaluators, reveal, close


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
    if Membership.objects.filter(user=person, organization_id=tender.organization_id, role__in=BUYER_ROLES).exists():
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
        raise ForbiddenError(_("Vous n'êtes pas évaluateur de ce marché."))
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
    """
    state = locked_state(tender)
    if state.technical_closed_at is None or state.reopened_at is not None:
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


# ---------------------------------------------------------------------------
# Bids and answers


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


def _check_price(price):
    if price is None or price <= 0:
        raise ApplicationError({"price": [_("Le prix doit être strictement positif.")]})


@transaction.atomic
def bid_create(*, user, tender, vendor: str, price, submitted_at=None, fhir_base_url: str = "") -> Bid:
    ensure_published(tender)
    ensure_not_frozen(tender, _("la liste des offres"))
    if not (vendor or "").strip():
        raise ApplicationError({"vendor": [_("Le nom du candidat est obligatoire.")]})
    _check_price(price)
    bid = Bid.objects.create(
        tender=tender,
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


BID_FIELDS = ("vendor", "price", "submitted_at", "fhir_base_url")
# What ranks a bid: frozen once prices are opened (the FHIR base URL is only where the probe reads).
FROZEN_BID_FIELDS = ("vendor", "price", "submitted_at")


@transaction.atomic
def bid_update(*, user, bid: Bid, changes: dict) -> Bid:
    bid = Bid.objects.select_for_update().select_related("tender").get(pk=bid.pk)
    ensure_published(bid.tender)
    if any(field in changes and getattr(bid, field) != changes[field] for field in FROZEN_BID_FIELDS):
        ensure_not_frozen(bid.tender, _("une offre (candidat, prix, date de dépôt)"))
    if "price" in changes:
        _check_price(changes["price"])
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


def _check_same_tender(bid, criterion):
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
    _check_same_tender(bid, criterion)
    if committed_values is not None and not isinstance(committed_values, dict):
        raise ApplicationError({"committed_values": [_("Attendu : un objet {paramètre: valeur}.")]})
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


# ---------------------------------------------------------------------------
# Eliminatory requirements: decided by the lead, never inferred


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
    _check_same_tender(bid, criterion)
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


# ---------------------------------------------------------------------------
# Scores and consensus


def _check_value(value, scale_max):
    if value is None or not 0 <= value <= scale_max:
        raise ApplicationError({"value": [_("La note doit être comprise entre 0 et %(max)s.") % {"max": scale_max}]})


def _is_scored_leaf(criterion) -> bool:
    if criterion.kind != Criterion.Kind.SCORED:
        return False
    return not Criterion.objects.filter(parent=criterion, kind__in=rules.WEIGHTED_KINDS).exists()


def _score_conflict(score):
    return ConflictError(
        {
            "version": [
                _("Cette note a été modifiée entre-temps (version %(version)d) : rechargez-la avant de la changer.")
                % {"version": score.version}
            ],
            "current": {
                "value": float(score.value),
                "comment": score.comment,
                "version": score.version,
                "updated_at": score.updated_at.isoformat(),
            },
        }
    )


def _missing_version(current):
    return ConflictError(
        {
            "version": [
                _("Cette note existe déjà (version %(version)d) : envoyez la version lue pour la modifier.")
                % {"version": current.version}
            ],
            "current": {
                "value": float(current.value),
                "comment": current.comment,
                "version": current.version,
                "updated_at": current.updated_at.isoformat(),
            },
        }
    )


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
    _check_same_tender(bid, criterion)
    ensure_published(tender)
    evaluator = Evaluator.objects.filter(tender=tender, user=user).first()
    if evaluator is None:
        raise ForbiddenError(_("Vous n'êtes pas évaluateur de ce marché."))
    if evaluator.declared_at is None:
        raise ForbiddenError(_("Déclarez d'abord l'absence de conflit d'intérêts pour ce marché avant de noter."))
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
    _check_same_tender(bid, criterion)
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


# ---------------------------------------------------------------------------
# Abnormally low offers (CCP L2152-5/-6, R2152-3 to R2152-5)


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
    from .selectors import low_offers_of

    return low_offers_of(bid.tender).low_offers.get(bid.pk)


def _review_state(review):
    return {
        "decision": review.decision,
        "reason": review.reason,
        "request_note": review.request_note,
        "requested_at": review.requested_at,
    }


@transaction.atomic
def low_offer_request(*, user, bid: Bid, note: str) -> LowOfferReview:
    """Record the request for justification sent to the vendor of a flagged bid (R2152-3)."""
    ensure_published(bid.tender)
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
def low_offer_decide(*, user, bid: Bid, decision: str, reason: str = "") -> LowOfferReview:
    """Keep the bid, or reject it with a reason (R2152-4/-5): a rejected bid leaves the ranking.

    The request for justification must have been recorded first; a decision may be changed later
    (both are in the audit trail).
    """
    ensure_published(bid.tender)
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
    old = _review_state(review)
    review.decision, review.reason = decision, reason
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

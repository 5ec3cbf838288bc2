"""Writes to the evaluation of a tender. Every function validates, writes atomically and keeps the audit trail.

Who may call what (tenancy, roles) is checked by the views with scoring/access.py before calling
these; the rules that belong to the evaluation itself (declaration before scoring, published tender
before bids, draft tender for criteria, stale versions) are checked here.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.rendering.xlsx import SHEET, QuestionnaireError, read_questionnaire_xlsx
from organizations.errors import ApplicationError, ConflictError
from organizations.models import Membership
from tenders.models import TenderClause
from tenders.services import ensure_draft as tender_ensure_draft
from tenders.services import tender_content_changed

from . import rules
from .models import Answer, AuditEvent, Bid, Consensus, Criterion, EvaluationState, Evaluator, LowOfferReview, Score

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
    evaluator, created = Evaluator.objects.get_or_create(tender=tender, user=person)
    if created:
        audit(tender_id=tender.pk, user=user, action="evaluator.add", obj=evaluator, field="user", new=username)
    return evaluator


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
    """Close technical scoring: scores are frozen and sealed prices become visible to evaluators."""
    state = evaluation_state(tender)
    if state.technical_closed_at is None:
        state.technical_closed_at, state.technical_closed_by = timezone.now(), user
        state.save(update_fields=["technical_closed_at", "technical_closed_by"])
        audit(
            tender_id=tender.pk,
            user=user,
            action="tender.close_technical",
            obj=state,
            field="technical_closed_at",
            new=state.technical_closed_at,
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


@transaction.atomic
def bid_update(*, user, bid: Bid, changes: dict) -> Bid:
    bid = Bid.objects.select_for_update().select_related("tender").get(pk=bid.pk)
    ensure_published(bid.tender)
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
def answer_set(*, user, bid: Bid, criterion: Criterion, text="", compliant=None, evidence="") -> Answer:
    """Create or replace the bid's answer to a criterion; a change of compliance is an elimination change (audited)."""
    ensure_published(bid.tender)
    _check_same_tender(bid, criterion)
    answer = Answer.objects.select_for_update().filter(bid=bid, criterion=criterion).first()
    old = None if answer is None else {"text": answer.text, "compliant": answer.compliant}
    if answer is None:
        answer = Answer(bid=bid, criterion=criterion)
    answer.text, answer.compliant, answer.evidence = text or "", compliant, evidence or ""
    answer.save()
    new = {"text": answer.text, "compliant": answer.compliant}
    if old != new:
        field = "compliant" if (old or {}).get("compliant") != compliant else "text"
        audit(tender_id=bid.tender_id, user=user, action="answer.set", obj=answer, field=field, old=old, new=new)
    return answer


# The reader returns "Oui", "Non", "Partiel" or "": partial compliance is left for the lead to judge.
COMPLIANCE_VALUES = {
    "oui": True,
    "yes": True,
    "true": True,
    "conforme": True,
    "1": True,
    "vrai": True,
    "non": False,
    "no": False,
    "false": False,
    "non conforme": False,
    "0": False,
    "faux": False,
    "partiel": None,
    "partial": None,
}


def _compliance(value):
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text not in COMPLIANCE_VALUES:
        return "invalid"
    return COMPLIANCE_VALUES[text]


def questionnaire_max_bytes() -> int:
    """Answer forms are small: 4 MiB by default, below the request limit so that a big form gets a 400 saying so."""
    return min(getattr(settings, "QUESTIONNAIRE_MAX_BYTES", 4 * 1024 * 1024), settings.MAX_UPLOAD_BYTES)


def questionnaire_import(*, user, bid: Bid, data: bytes) -> dict:
    """Import the vendor's filled answer form (XLSX) into the bid's answers, all or nothing.

    Rows are matched to criteria by their stable id "TC-<tender clause id>"; questions of
    informative clauses (no criterion) are skipped. A malformed file → 400 saying sheet, row and
    what is wrong, with nothing stored. Returns {"imported": n, "skipped": n}.
    """
    ensure_published(bid.tender)
    limit = questionnaire_max_bytes()
    if len(data) > limit:
        raise ApplicationError({"file": [_("Fichier trop volumineux (au plus %(limit)d octets).") % {"limit": limit}]})
    try:
        rows = read_questionnaire_xlsx(data)
    except QuestionnaireError as error:
        raise ApplicationError({"file": [str(error)]})
    criteria_by_clause = {
        c.tender_clause_id: c for c in Criterion.objects.filter(tender_id=bid.tender_id, tender_clause__isnull=False)
    }
    clause_ids = set(TenderClause.objects.filter(tender_id=bid.tender_id).values_list("pk", flat=True))
    plan, skipped = [], 0
    for index, row in enumerate(rows, start=2):
        where = {"sheet": row.get("sheet") or SHEET, "row": row.get("row") or index}
        raw_id = str(row.get("id") or "").strip()
        if not raw_id.startswith("TC-") or not raw_id[3:].isdigit() or int(raw_id[3:]) not in clause_ids:
            raise ApplicationError(
                {
                    "file": [
                        _("Feuille « %(sheet)s », ligne %(row)s : identifiant « %(id)s » inconnu pour ce marché.")
                        % {**where, "id": raw_id}
                    ]
                }
            )
        criterion = criteria_by_clause.get(int(raw_id[3:]))
        compliant = _compliance(row.get("compliance"))
        if compliant == "invalid":
            raise ApplicationError(
                {
                    "file": [
                        _("Feuille « %(sheet)s », ligne %(row)s : conformité « %(value)s » non reconnue (Oui ou Non).")
                        % {**where, "value": row.get("compliance")}
                    ]
                }
            )
        if criterion is None:
            skipped += 1
            continue
        plan.append((criterion, str(row.get("answer") or ""), compliant, str(row.get("evidence") or "")))
    with transaction.atomic():
        for criterion, text, compliant, evidence in plan:
            answer_set(user=user, bid=bid, criterion=criterion, text=text, compliant=compliant, evidence=evidence)
    return {"imported": len(plan), "skipped": skipped}


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


def score_set(*, user, bid: Bid, criterion: Criterion, value, comment: str = "", version: int | None = None) -> Score:
    """Create or change the calling evaluator's score of a bid on a criterion.

    `version` is the version the client read: an older one → 409 with the stored score (nothing
    lost); omitted, the write applies to whatever is stored. The row is locked while it is checked
    and written (select_for_update), so two writers with the same version get one success and one
    409. Refused (403) until the evaluator has declared no conflict of interest.
    """
    tender = bid.tender
    _check_same_tender(bid, criterion)
    ensure_published(tender)
    evaluator = Evaluator.objects.filter(tender=tender, user=user).first()
    if evaluator is None:
        raise ForbiddenError(_("Vous n'êtes pas évaluateur de ce marché."))
    if evaluator.declared_at is None:
        raise ForbiddenError(_("Déclarez d'abord l'absence de conflit d'intérêts pour ce marché avant de noter."))
    if EvaluationState.objects.filter(tender=tender, technical_closed_at__isnull=False).exists():
        raise ConflictError({"detail": [_("La notation technique de ce marché est close.")]})
    if not _is_scored_leaf(criterion):
        raise ApplicationError({"criterion": [_("Seuls les critères notés sans sous-critères reçoivent une note.")]})
    _check_value(value, criterion.scale_max)
    comment = comment or ""
    with transaction.atomic():
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
                if version is not None:
                    raise _score_conflict(score)
            else:
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
        if version is not None and version != score.version:
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


@transaction.atomic
def consensus_set(*, user, bid: Bid, criterion: Criterion, value, justification: str) -> Consensus:
    """The final score of a cell, with its justification; on an eliminatory criterion, 0 eliminates."""
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
    if not (justification or "").strip():
        raise ApplicationError({"justification": [_("Justifiez la note de consensus.")]})
    consensus = Consensus.objects.select_for_update().filter(bid=bid, criterion=criterion).first()
    old = None if consensus is None else {"value": consensus.value, "justification": consensus.justification}
    if consensus is None:
        consensus = Consensus(bid=bid, criterion=criterion)
    consensus.value, consensus.justification, consensus.set_by = value, justification, user
    consensus.save()
    new = {"value": value, "justification": justification}
    if old != new:
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
    state = evaluation_state(tender)
    state = EvaluationState.objects.select_for_update().get(pk=state.pk)
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

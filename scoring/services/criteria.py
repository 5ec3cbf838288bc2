"""The criteria tree of a tender: built from its clauses or by hand, changed only while the tender is a draft."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError, ConflictError
from tenders.models import TenderClause
from tenders.services import ensure_draft as tender_ensure_draft
from tenders.services import tender_content_changed

from .. import rules
from ..models import (
    Criterion,
)
from .trail import audit

DEFAULT_PRICE_WEIGHT = Decimal(40)
TECHNICAL_PARENT_NAME = "Valeur technique"
PRICE_NAME = "Prix"


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
    # A lot's criteria form a tree of their own (weights sum per lot, docs/LOTS.md).
    same_tree = Criterion.objects.filter(tender=tender, lot_id=changed.lot_id).exclude(pk=changed.pk)
    others = [_as_rule(c) for c in same_tree]
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


CRITERION_FIELDS = ("parent", "name", "kind", "weight", "scale_max", "tender_clause", "position", "lot")
FOREIGN_KEYS = ("parent", "tender_clause", "lot")


def _criterion_clean(tender, criterion):
    if criterion.lot_id is not None and criterion.lot.tender_id != tender.pk:
        raise ApplicationError({"lot": [_("Lot inconnu dans cet appel d'offres.")]})
    if criterion.parent_id is not None and criterion.parent.tender_id != tender.pk:
        raise ApplicationError({"parent": [_("Critère parent inconnu pour ce marché.")]})
    if criterion.parent_id is not None and criterion.parent.lot_id != criterion.lot_id:
        raise ApplicationError({"parent": [_("Le critère parent appartient à un autre lot.")]})
    if criterion.tender_clause_id is not None and criterion.tender_clause.tender_id != tender.pk:
        raise ApplicationError({"tender_clause": [_("Clause inconnue pour ce marché.")]})
    if criterion.kind == Criterion.Kind.ELIMINATORY and criterion.weight is not None:
        raise ApplicationError({"weight": [_("Un critère éliminatoire ne porte pas de poids.")]})
    if not criterion.name.strip():
        raise ApplicationError({"name": [_("Le nom est obligatoire.")]})


def _audit_created(user, criterion):
    audit(
        tender_id=criterion.tender_id,
        user=user,
        action="criterion.create",
        obj=criterion,
        field="weight",
        new={"name": criterion.name, "kind": criterion.kind, "weight": criterion.weight},
    )


@transaction.atomic
def criterion_create(*, user, tender, data: dict) -> Criterion:
    """A new criterion of a draft tender. Weight sums are checked at publish and results, not here."""
    ensure_draft(tender)
    criterion = Criterion(tender=tender, **{k: v for k, v in data.items() if k in CRITERION_FIELDS})
    if "position" not in data:
        siblings = Criterion.objects.filter(tender=tender, parent=criterion.parent_id, lot=criterion.lot_id)
        criterion.position = (max(siblings.values_list("position", flat=True), default=0) or 0) + 1
    _criterion_clean(tender, criterion)
    _check_structure(tender, criterion)
    criterion.save()
    tender_content_changed(tender)  # the documents print the criteria: earlier ones are stale
    _audit_created(user, criterion)
    return criterion


@transaction.atomic
def criterion_update(*, user, criterion: Criterion, changes: dict) -> Criterion:
    criterion = Criterion.objects.select_for_update().select_related("tender").get(pk=criterion.pk)
    ensure_draft(criterion.tender)
    before = {f: getattr(criterion, f + "_id" if f in FOREIGN_KEYS else f) for f in CRITERION_FIELDS}
    for field, value in changes.items():
        if field in CRITERION_FIELDS:
            setattr(criterion, field, value)
    if criterion.kind == Criterion.Kind.ELIMINATORY and "weight" not in changes:
        criterion.weight = None
    _criterion_clean(criterion.tender, criterion)
    _check_structure(criterion.tender, criterion)
    criterion.save()
    tender_content_changed(criterion.tender)
    after = {f: getattr(criterion, f + "_id" if f in FOREIGN_KEYS else f) for f in CRITERION_FIELDS}
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
    """400 naming each level whose weights do not sum to 100 (and any malformed criterion); with lots,
    each lot's tree on its own, its messages prefixed with the lot, and no criterion outside a lot."""
    trees: dict = {}
    for criterion in Criterion.objects.filter(tender=tender).select_related("lot"):
        trees.setdefault(criterion.lot, []).append(_as_rule(criterion))
    lots = list(tender.lots.all())
    messages = []
    if lots and None in trees:
        messages.append(_("L'appel d'offres a des lots : chaque critère appartient à un lot."))
    for lot, criteria in sorted(trees.items(), key=lambda item: item[0].number if item[0] else 0):
        try:
            rules.check_criteria(criteria)
        except rules.CriteriaError as error:
            prefix = "" if lot is None else _("Lot %(number)d : ") % {"number": lot.number}
            messages.extend(prefix + message for message in error.messages)
    if messages:
        raise ApplicationError({"criteria": messages})


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
    clauses = list(
        TenderClause.objects.filter(tender=tender)
        .select_related("version")
        .prefetch_related("lots")
        .order_by("position", "id")
    )
    created = []
    # One tree per lot, from the clauses that apply to it (a clause naming no lot applies to every lot).
    for lot in list(tender.lots.all()) or [None]:
        applying = [tc for tc in clauses if lot is None or not tc.lots.all() or lot in tc.lots.all()]
        created += _tree_from_clauses(tender, lot, applying, price_weight)
    for criterion in created:
        _audit_created(user, criterion)
    return created


def _tree_from_clauses(tender, lot, clauses, price_weight) -> list[Criterion]:
    """The default tree of one lot (or of a tender without lots) from the clauses that apply to it."""
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
            lot=lot,
            name=TECHNICAL_PARENT_NAME,
            kind=Criterion.Kind.SCORED,
            weight=technical_weight,
            position=position,
        )
        created.append(parent)
        position += 1
        # Rounded so that each sub-criterion's weight in the final mark is whole cents: printed = applied.
        weights = rules.exact_share_weights([tc.version.default_weight or 1 for tc in scored], technical_weight)
        for index, (tc, weight) in enumerate(zip(scored, weights, strict=True), start=1):
            created.append(
                Criterion.objects.create(
                    tender=tender,
                    lot=lot,
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
                tender=tender,
                lot=lot,
                name=PRICE_NAME,
                kind=Criterion.Kind.PRICE,
                weight=price_weight,
                position=position,
            )
        )
        position += 1
    for tc in mandatory:
        created.append(
            Criterion.objects.create(
                tender=tender,
                lot=lot,
                name=tc.version.title[:300],
                kind=Criterion.Kind.ELIMINATORY,
                weight=None,
                scale_max=1,
                tender_clause=tc,
                position=position,
            )
        )
        position += 1
    return created


@transaction.atomic
def criteria_weights_set(*, user, tender, changes) -> list[Criterion]:
    """Several weights at once (the criteria page's save): every change is kept, or none.

    `changes` is [(criterion, weight)] of the tender's criteria; each goes through criterion_update
    (draft tender, tree rules, audit). Sums are checked at publish, as for one criterion.
    """
    ensure_draft(tender)
    return [
        criterion_update(user=user, criterion=criterion, changes={"weight": weight}) for criterion, weight in changes
    ]

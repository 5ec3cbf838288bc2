"""Writes to tenders, their clauses and their documents. Each validates, then writes atomically.

Rules kept here:
- only buyers and admins of the tender's organisation change it (evaluators read): `access.py`;
- a tender changes only while it is a draft (`ensure_draft`, also used by scoring for criteria);
- a tender clause pins the clause's current version; its values are checked against that version's
  declared parameters, the tender-wide values filling what the clause leaves open;
- documents are queued after commit; a broker that is down leaves the row queued with a note.
"""

import logging

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from clause_library.parameters import resolve_values
from clause_library.text import first_forbidden_character
from documents import prerender, registry
from documents.models import Document
from documents.tasks import document_enqueue
from organizations.errors import ApplicationError, ConflictError

from . import access, guidance, hooks, prices
from .models import MAX_DURATION_MONTHS, Tender, TenderClause

logger = logging.getLogger(__name__)

TENDER_FIELDS = (
    "reference",
    "title",
    "procedure",
    "parameters",
    "price_formula",
    "tie_break",
    "sealed_price",
    "require_justification",
    "completeness_annex",
    "language",
    "duration_months",
    "price_basis",
    "single_lot_reason",
    "max_lots_per_bidder",
    "price_lines",
)
MAX_TENDER_PARAMETERS = 200
MAX_PRICE_BASIS_CHARS = 5000


class BrokerUnavailable(Exception):
    """The document row exists and stays queued, but the job could not be handed to the broker."""

    def __init__(self, document):
        self.document = document
        super().__init__(f"broker unavailable for document {document.pk}")


def ensure_draft(tender):
    """Raise ConflictError (409) unless the tender is still a draft. Scoring calls it for criteria."""
    if tender.status != Tender.Status.DRAFT:
        raise ConflictError(
            {
                "detail": [
                    _("L'appel d'offres est publié : ses clauses, ses paramètres et ses critères ne changent plus.")
                ]
            }
        )


def tender_content_changed(tender):
    """Record that what the tender's documents show has changed: the documents asked for before are
    now stale (documents/models.py, `Document.stale`). Call it inside the change's transaction.

    Offered to the apps above (scoring calls it for every criteria write). One UPDATE, no read.
    """
    Tender.objects.filter(pk=tender.pk).update(content_version=F("content_version") + 1, updated_at=timezone.now())
    # A draft's pieces are made again in the background a few seconds after its last edit (issue 29).
    transaction.on_commit(lambda: _schedule_prerender(tender.pk))


def _schedule_prerender(tender_id):
    """After the edit's commit: the pre-render of the tender as it is now (documents/prerender.py). Nothing
    for a published tender, nor when pre-rendering is off."""
    if not prerender.enabled():
        return
    row = Tender.objects.filter(pk=tender_id).values_list("content_version", "status").first()
    if row is not None:
        prerender.schedule(tender_id, version=row[0], draft=row[1] == Tender.Status.DRAFT)


def _locked(tender):
    """The tender's row, locked for the rest of the transaction (so publish and edits serialise)."""
    return Tender.objects.select_for_update().get(pk=tender.pk)


def _check_tender_parameters(parameters):
    if not isinstance(parameters, dict):
        raise ApplicationError({"parameters": [_("Un objet {nom: valeur} est attendu.")]})
    if len(parameters) > MAX_TENDER_PARAMETERS:
        raise ApplicationError(
            {"parameters": [_("Trop de paramètres (%(max)s au plus).") % {"max": MAX_TENDER_PARAMETERS}]}
        )
    errors = {}
    for name, value in parameters.items():
        if value is not None and not isinstance(value, (str, int, float, bool)):
            errors[name] = [_("valeur simple attendue (texte, nombre, oui/non ou date).")]
    if errors:
        raise ApplicationError({"parameters": errors})


def _check_clauses_resolve(tender, tender_parameters, *, require):
    """Every clause's values still check against its version with these tender-wide values."""
    errors = {}
    for tender_clause in tender.clauses.select_related("version"):
        _values, clause_errors = resolve_values(
            tender_clause.version.parameters, tender_clause.parameters, tender_parameters, require=require
        )
        for name, messages in clause_errors.items():
            errors.setdefault(name, [])
            for message in messages:
                text = _("%(message)s (clause « %(title)s »)") % {
                    "message": message,
                    "title": tender_clause.version.title,
                }
                if text not in errors[name]:
                    errors[name].append(text)
    return errors


def _check_reference_free(organization_id, reference, *, exclude=None):
    """A reference names one tender of an organisation (the database constraint backs this check)."""
    others = Tender.objects.filter(organization_id=organization_id, reference=reference)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ApplicationError(
            {
                "reference": [
                    _("Un appel d'offres de cette organisation porte déjà la référence « %(reference)s ».")
                    % {"reference": reference}
                ]
            }
        )


def _clause_price_lines(tender, *, exclude=None):
    """(clause title, line) of every price line of the tender's clauses."""
    clauses = TenderClause.objects.filter(tender_id=tender.pk).select_related("version") if tender.pk else []
    return [
        (tender_clause.version.title, line)
        for tender_clause in clauses
        if tender_clause.pk != exclude
        for line in tender_clause.version.price_lines or []
    ]


def _check_price_basis(changes, tender=None):
    """The price fields of a create or an update: 400 naming the field (and the line and its field)."""
    errors = {}
    if "duration_months" in changes:
        duration = changes["duration_months"]
        if isinstance(duration, bool) or not isinstance(duration, int) or not 1 <= duration <= MAX_DURATION_MONTHS:
            errors["duration_months"] = [
                _("Une durée en mois entre 1 et %(max)s est attendue.") % {"max": MAX_DURATION_MONTHS}
            ]
    if "price_basis" in changes:
        basis = changes["price_basis"] or ""
        if not isinstance(basis, str):
            errors["price_basis"] = [_("Un texte est attendu.")]
        elif len(basis) > MAX_PRICE_BASIS_CHARS:
            errors["price_basis"] = [_("%(max)s caractères au plus.") % {"max": MAX_PRICE_BASIS_CHARS}]
        elif first_forbidden_character(basis) is not None:
            errors["price_basis"] = [_("Caractère de contrôle interdit : retirez-le.")]
    if "price_lines" in changes:
        clause_lines = _clause_price_lines(tender) if tender is not None else []
        messages = prices.line_errors(changes["price_lines"], clause_lines)
        if messages:
            errors["price_lines"] = messages
    if errors:
        raise ApplicationError(errors)


@transaction.atomic
def tender_create(
    *,
    user,
    organization,
    reference,
    title,
    procedure="open",
    parameters=None,
    price_formula="proportional",
    tie_break="technical",
    sealed_price=False,
    language="fr",
    completeness_annex=False,
    require_justification=True,
    duration_months=None,
    price_basis="",
    price_lines=None,
    single_lot_reason="",
    max_lots_per_bidder=None,
) -> Tender:
    """A new draft tender of `organization`. The caller must be a buyer or admin there."""
    access.require_buyer(user, organization.pk)
    parameters = parameters or {}
    _check_tender_parameters(parameters)
    price_fields = {"price_basis": price_basis or "", "price_lines": price_lines or []}
    if duration_months is not None:
        price_fields["duration_months"] = duration_months
    _check_price_basis(price_fields)
    _check_reference_free(organization.pk, reference)
    try:
        with transaction.atomic():  # a savepoint: two creations racing on one reference meet the constraint
            return Tender.objects.create(
                organization=organization,
                reference=reference,
                title=title,
                procedure=procedure,
                parameters=parameters,
                price_formula=price_formula,
                tie_break=tie_break,
                sealed_price=sealed_price,
                require_justification=require_justification,
                language=language,
                created_by=user,
                completeness_annex=completeness_annex,
                single_lot_reason=single_lot_reason or "",
                max_lots_per_bidder=max_lots_per_bidder,
                **price_fields,
            )
    except IntegrityError:
        _check_reference_free(organization.pk, reference)
        raise


@transaction.atomic
def tender_update(*, user, tender, changes: dict) -> Tender:
    """Change a draft tender's fields. New tender-wide values must keep every clause valid."""
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    if "organization" in changes and changes["organization"].pk != tender.organization_id:
        raise ApplicationError({"organization": [_("Un appel d'offres ne change pas d'organisation.")]})
    if "parameters" in changes:
        parameters = changes["parameters"] or {}
        _check_tender_parameters(parameters)
        errors = _check_clauses_resolve(tender, parameters, require=False)
        if errors:
            raise ApplicationError({"parameters": errors})
        changes = {**changes, "parameters": parameters}
    if "reference" in changes and changes["reference"] != tender.reference:
        _check_reference_free(tender.organization_id, changes["reference"], exclude=tender.pk)
    _check_price_basis(changes, tender)
    for field in TENDER_FIELDS:
        if field in changes:
            setattr(tender, field, changes[field])
    tender.save()
    tender_content_changed(tender)
    tender.refresh_from_db(fields=["content_version", "updated_at"])
    return tender


@transaction.atomic
def tender_delete(*, user, tender):
    """Delete a draft tender with its clauses and documents (a published one is kept: 409)."""
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    files = [doc.file.name for doc in tender.documents.exclude(file="")]
    tender.delete()
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names):
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # a file already gone is what we wanted
            logger.warning("could not delete %s", name)


@transaction.atomic
def tender_publish(*, user, tender) -> Tender:
    """Freeze the tender: every clause must have all its values, the criteria weights must add up.

    After it, clauses, parameters and criteria answer 409.
    """
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    if not tender.clauses.exists():
        raise ApplicationError({"clauses": [_("Ajoutez au moins une clause avant de publier.")]})
    _check_allotment(tender)
    errors = _check_clauses_resolve(tender, tender.parameters, require=True)
    if errors:
        raise ApplicationError({"parameters": errors})
    _check_criteria(tender)
    _freeze_article_numbers(tender)
    tender.status = Tender.Status.PUBLISHED
    tender.published_at = timezone.now()
    # The completeness topics are pinned like the clause versions (issue 18, finding 11).
    tender.pinned_topics = guidance.completeness_topics(tender)
    # Draft documents (marked "PROJET", numbers not frozen) are outdated by the publication.
    tender.content_version += 1
    tender.save(update_fields=["status", "published_at", "pinned_topics", "content_version", "updated_at"])
    return tender


def _check_allotment(tender):
    """A tender without lots says why it is not divided (L2113-11; docs/LOTS.md)."""
    if not tender.single_lot_reason.strip() and not tender.lots.exists():
        raise ApplicationError(
            {
                "single_lot_reason": [
                    _(
                        "Sans lots, indiquez le motif de la dévolution en marché unique avant de publier "
                        "(article L2113-11 du code de la commande publique)."
                    )
                ]
            }
        )


def _freeze_article_numbers(tender):
    """Store each clause's article number: vendors quote them, so after publication they never change."""
    from .selectors import article_numbers, tender_clauses  # selectors → guidance → services: import here

    clauses = list(tender_clauses(tender))
    for tender_clause in clauses:
        tender_clause.article_number = ""  # a draft's numbers are computed, whatever was stored
    numbers = article_numbers(tender, clauses)
    for tender_clause in clauses:
        tender_clause.article_number = numbers[tender_clause.pk]
    TenderClause.objects.bulk_update(clauses, ["article_number"])


def _check_criteria(tender):
    """The checks other apps registered (tenders/hooks.py): each raises ApplicationError to refuse."""
    for check in hooks.publish_checks():
        check(tender)


# ---------------------------------------------------------------------------
# Clauses of a tender


def _check_clause_values(version, values, tender, *, require=True):
    if not isinstance(values, dict):
        raise ApplicationError({"parameters": [_("Un objet {nom: valeur} est attendu.")]})
    _resolved, errors = resolve_values(version.parameters, values, tender.parameters, require=require)
    if errors:
        raise ApplicationError({"parameters": errors})
    # Store the values as given but typed (what coerce_value made of them), only for names given.
    return {name: _resolved[name] for name in values if name in _resolved}


def _insert_at(tender, position):
    """Positions are 0..n-1; make room at `position` (clamped) and return it."""
    count = tender.clauses.count()
    if position is None or position >= count:
        return count
    position = max(0, position)
    for tender_clause in tender.clauses.filter(position__gte=position).order_by("-position", "-id"):
        TenderClause.objects.filter(pk=tender_clause.pk).update(position=tender_clause.position + 1)
    return position


def _renumber(tender):
    for index, pk in enumerate(tender.clauses.order_by("position", "id").values_list("pk", flat=True)):
        TenderClause.objects.filter(pk=pk).exclude(position=index).update(position=index)


@transaction.atomic
def tender_clause_add(*, user, tender, clause, parameters=None, position=None, allow_incomplete=False) -> TenderClause:
    """Add a library clause to a draft tender, pinning its current version (library edits never reach it).

    `allow_incomplete` (the editor page) accepts required values still missing: the page then
    asks for them, and publishing refuses until they are given. Wrong values are always refused.
    """
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    version = clause.current
    if version is None:
        raise ApplicationError({"clause": [_("Cette clause n'a pas de version publiée.")]})
    if tender.clauses.filter(clause=clause).exists():
        # Twice the same clause would print two identical articles.
        raise ApplicationError(
            {"clause": [_("La clause « %(title)s » est déjà dans l'appel d'offres.") % {"title": version.title}]}
        )
    values = _check_clause_values(version, parameters or {}, tender, require=not allow_incomplete)
    _check_clause_price_codes(tender, version)
    if position is not None and (not isinstance(position, int) or position < 0):
        raise ApplicationError({"position": [_("Un entier positif ou nul est attendu.")]})
    position = _insert_at(tender, position)
    tender_clause = TenderClause.objects.create(
        tender=tender, clause=clause, version=version, position=position, parameters=values
    )
    tender_content_changed(tender)
    return tender_clause


def _check_clause_price_codes(tender, version):
    """A clause whose price lines reuse a code of the tender's lines or another clause's → 400 naming the
    code: a price schedule line and its cross-references are identified by it."""
    conflicts = prices.clause_code_conflicts(version.price_lines or [], tender.price_lines, _clause_price_lines(tender))
    if conflicts:
        raise ApplicationError(
            {
                "clause": [
                    _("La ligne de prix « %(code)s » de la clause « %(title)s » existe déjà dans %(where)s.")
                    % {"code": code, "title": version.title, "where": where}
                    for code, where in conflicts
                ]
            }
        )


@transaction.atomic
def tender_clause_update(
    *, user, tender_clause, parameters=None, position=None, allow_incomplete=False
) -> TenderClause:
    """Change a clause's values (replaced as a whole) and/or move it to `position`."""
    tender = tender_clause.tender
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    tender_clause = TenderClause.objects.select_related("version").get(pk=tender_clause.pk)
    if parameters is not None:
        tender_clause.parameters = _check_clause_values(
            tender_clause.version, parameters, tender, require=not allow_incomplete
        )
        tender_clause.save(update_fields=["parameters"])
    if position is not None:
        if not isinstance(position, int) or position < 0:
            raise ApplicationError({"position": [_("Un entier positif ou nul est attendu.")]})
        _move(tender, tender_clause, position)
        tender_clause.refresh_from_db(fields=["position"])
    tender_content_changed(tender)
    return tender_clause


@transaction.atomic
def tender_clauses_parameters_update(*, user, tender, values: dict, allow_incomplete=True) -> list:
    """Replace the values of several clauses of a draft tender at once ("Enregistrer tout").

    `values` is {tender clause id: {parameter name: value}}; clauses not named keep theirs. All or
    nothing: when any clause has a wrong value, nothing is saved and the ApplicationError's
    `parameters` is {tender clause id: {parameter name: [message]}}. Returns the changed clauses.
    """
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    tender_clauses = {tc.pk: tc for tc in tender.clauses.select_related("version").filter(pk__in=list(values))}
    unknown = [pk for pk in values if pk not in tender_clauses]
    if unknown:
        raise ApplicationError({"clauses": [_("Clause inconnue dans cet appel d'offres.")]})
    errors, changed = {}, []
    for pk, tender_clause in tender_clauses.items():
        try:
            stored = _check_clause_values(tender_clause.version, values[pk], tender, require=not allow_incomplete)
        except ApplicationError as error:
            errors[pk] = error.errors["parameters"]
            continue
        if stored != (tender_clause.parameters or {}):
            tender_clause.parameters = stored
            changed.append(tender_clause)
    if errors:
        raise ApplicationError({"parameters": errors})
    if changed:
        TenderClause.objects.bulk_update(changed, ["parameters"])
        tender_content_changed(tender)  # the documents asked for before are now stale
    return changed


def _move(tender, tender_clause, position):
    ordered = [
        pk for pk in tender.clauses.order_by("position", "id").values_list("pk", flat=True) if pk != tender_clause.pk
    ]
    position = min(position, len(ordered))
    ordered.insert(position, tender_clause.pk)
    current = dict(tender.clauses.values_list("pk", "position"))
    for index, pk in enumerate(ordered):
        if current.get(pk) != index:
            TenderClause.objects.filter(pk=pk).update(position=index)


@transaction.atomic
def tender_clause_remove(*, user, tender_clause):
    """Remove a clause from a draft tender; the others close the gap."""
    tender = tender_clause.tender
    access.require_tender_editor(user, tender)
    tender = _locked(tender)
    ensure_draft(tender)
    tender_clause.delete()
    _renumber(tender)
    tender_content_changed(tender)


# ---------------------------------------------------------------------------
# Documents


def _check_document_request(kind, format):
    formats = Document.FORMATS.get(kind)
    if formats is None:
        raise ApplicationError(
            {"kind": [_("Type de document inconnu (attendu : %(kinds)s).") % {"kinds": ", ".join(Document.FORMATS)}]}
        )
    if format not in formats:
        raise ApplicationError(
            {
                "format": [
                    _("Le document « %(kind)s » existe en %(formats)s.") % {"kind": kind, "formats": ", ".join(formats)}
                ]
            }
        )


def _document_lot(tender, kind, lot):
    """The tender's lot a piece is asked for (None: the whole tender); 400 naming `lot` otherwise."""
    if lot is None:
        return None
    if kind not in Document.LOT_KINDS:
        raise ApplicationError({"lot": [_("Ce document se demande pour l'ensemble de l'appel d'offres, sans lot.")]})
    found = tender.lots.filter(pk=lot).first()
    if found is None:
        raise ApplicationError({"lot": [_("Lot inconnu dans cet appel d'offres.")]})
    return found


def document_request(*, user, tender, kind, format, lot=None) -> Document:
    """Create the document row and queue its job after commit.

    Anyone who may edit the tender may ask for documents, published or not (documents change
    nothing). Raises BrokerUnavailable (with the saved, still-queued row) when the broker refuses
    the job: the row carries an error note and can be queued again with `document_enqueue`.
    """
    access.require_tender_editor(user, tender)
    _check_document_request(kind, format)
    access.require_document_editor(user, tender, kind)
    registry.check_request(kind, tender)
    lot = _document_lot(tender, kind, lot)
    with transaction.atomic():
        # What the document will show: the tender as it is now, and for the report and letters the
        # evaluation too (a later change to either makes it stale). One query: the source is a subquery.
        source = registry.source_lookup(kind)
        row = Tender.objects.filter(pk=tender.pk)
        if source is not None:
            row = row.annotate(source_version=source(OuterRef("pk")))
        fields = ("content_version", "status", *(["source_version"] if source else []))
        version, status, *source_version = row.values_list(*fields).get()
        document = Document.objects.create(
            tender=tender,
            lot=lot,
            kind=kind,
            format=format,
            created_by=user,
            tender_version=version,
            source_version=(source_version[0] if source_version else None) or 0,  # no evaluation row yet: 0
            draft=status == Tender.Status.DRAFT,
        )
        if lot is None and prerender.reuse(document):  # the same inputs were rendered already: that file, at once
            return document
        failures = []
        transaction.on_commit(lambda: failures.append(not document_enqueue(document=document)))
    if failures and failures[0]:
        raise BrokerUnavailable(document)
    return document


def document_retry(*, user, document) -> Document:
    """Queue again a document that failed or never reached the broker (a fresh attempt, same row).

    A document that is running or done is left as it is (409): its job is alive or finished.
    Raises BrokerUnavailable as `document_request` does.
    """
    # The views answer 404 first (the reader must not learn it exists); this guards any other caller.
    access.require_document_editor(user, document.tender, document.kind)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.status in (Document.Status.RUNNING, Document.Status.DONE):
            raise ConflictError({"detail": [_("Ce document est en cours ou terminé : rien à relancer.")]})
        locked.status = Document.Status.QUEUED
        locked.progress = 0
        locked.finished_at = None
        locked.save(update_fields=["status", "progress", "finished_at"])
        failures = []
        transaction.on_commit(lambda: failures.append(not document_enqueue(document=locked)))
    if failures and failures[0]:
        raise BrokerUnavailable(locked)
    return locked

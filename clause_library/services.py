"""Writes to libraries and clauses. Every function validates, then writes atomically.

Library writes start with their access check (`access.py`: 403 for a member who may not). Clause
writes take the library as given: the pages and the API call `access.require_library_editor` first,
and the loaders (demo data, imports of the default library) write as the system, without a user.
"""

import time
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.errors import ApplicationError

from . import access
from .content import validate_clause_content
from .library_file import FORMAT, clause_defaults, validate_library_file
from .models import Clause, ClauseSet, ClauseVersion, CoverageTopic, Library
from .parameters import normalize_definition
from .selectors import organizations_related_to, upstream_visible

CONTENT_FIELDS = ClauseVersion.CONTENT_FIELDS


def _normalized(content):
    content = dict(content)
    content["parameters"] = [normalize_definition(p) for p in content.get("parameters") or []]
    if content.get("default_weight") is not None:
        content["default_weight"] = Decimal(str(content["default_weight"]))
    content.setdefault("language", "fr")
    content.setdefault("scale_max", 5)
    for field in ("rubric", "references", "tags", "checks"):
        content[field] = content.get(field) or []
    content["question"] = content.get("question") or ""
    content["destination"] = content.get("destination") or "annex"
    content["derogations"] = list(content.get("derogations") or [])
    content["legal_note"] = content.get("legal_note") or ""
    content["appreciation"] = content.get("appreciation") or ""
    content["deferrable"] = bool(content.get("deferrable", False))
    content["price_lines"] = list(content.get("price_lines") or [])
    # The rubric keeps the order its author gave the levels (best first or last, as they chose): the clause
    # page, the library file and the evaluator's grid show it so. Never re-sorted by score.
    return {field: content.get(field) for field in CONTENT_FIELDS}


def _new_version(clause, content, user, number):
    version = ClauseVersion(clause=clause, number=number, author=user, **content)
    _render_within_budget(version)
    version.save()
    clause.current = version
    clause.save(update_fields=["current", "updated_at"])
    return version


def _render_within_budget(version):
    """Render the version's stored preview, refusing a text whose preview costs more than
    CLAUSE_PREVIEW_BUDGET_SECONDS of CPU (docs/QUALITY.md, F5): it would cost every later reader nothing (the preview
    is stored) but its author's request and every import of it that much. 400 naming `body`."""
    started = time.process_time()
    version.fill_derived_fields()
    if time.process_time() - started > settings.CLAUSE_PREVIEW_BUDGET_SECONDS:
        raise ApplicationError(
            {
                "body": [
                    _(
                        "Ce texte est trop long à mettre en forme (plus de %(seconds)s s) : simplifiez sa mise en "
                        "forme (listes, citations, liens imbriqués) ou découpez-le en plusieurs clauses."
                    )
                    % {"seconds": settings.CLAUSE_PREVIEW_BUDGET_SECONDS}
                ]
            }
        )


@transaction.atomic
def clause_create(*, user, library, key, content, origin=None, based_on=None):
    """A new clause with version 1. Raises ApplicationError with field messages."""
    errors = validate_clause_content(content)
    if not key:
        errors.setdefault("key", []).append(_("La clé est obligatoire."))
    elif Clause.objects.filter(library=library, key=key).exists():
        errors.setdefault("key", []).append(
            _("Une clause de cette bibliothèque a déjà la clé « %(key)s ».") % {"key": key}
        )
    if errors:
        raise ApplicationError(errors)
    clause = Clause.objects.create(library=library, key=key, origin=origin, based_on=based_on)
    _new_version(clause, _normalized(content), user, 1)
    Library.objects.filter(pk=library.pk).update(updated_at=timezone.now())
    return clause


@transaction.atomic
def clause_update(*, user, clause, changes, key=None):
    """Apply changes as a new version (none when nothing changed). Old versions stay."""
    clause = Clause.objects.select_for_update(of=("self",)).select_related("current").get(pk=clause.pk)
    current = clause.current.content()
    content = {**current, **{k: v for k, v in changes.items() if k in CONTENT_FIELDS}}
    errors = validate_clause_content(content)
    if key is not None and key != clause.key:
        if Clause.objects.filter(library_id=clause.library_id, key=key).exists():
            errors.setdefault("key", []).append(
                _("Une clause de cette bibliothèque a déjà la clé « %(key)s ».") % {"key": key}
            )
    if errors:
        raise ApplicationError(errors)
    if key is not None and key != clause.key:
        clause.key = key
        clause.save(update_fields=["key", "updated_at"])
    normalized = _normalized(content)
    if normalized != _normalized(current):
        _new_version(clause, normalized, user, clause.current.number + 1)
        Library.objects.filter(pk=clause.library_id).update(updated_at=timezone.now())
    return clause


@transaction.atomic
def library_create(*, user, organization, name, description="", language="fr", visibility="private", shared_with=()):
    access.require_curator(user, organization.pk, "create")
    shared_with = _shareable(organization.pk, shared_with, current=())
    library = Library.objects.create(
        organization=organization, name=name, description=description, language=language, visibility=visibility
    )
    library.shared_with.set(shared_with)
    return library


def _shareable(owner_id, organizations, *, current):
    """The organisations, if each is related to the owner (or already shared with); else one refusal that
    reads the same for an id that exists and one that does not (F10: no oracle of which ids exist)."""
    wanted = {getattr(org, "pk", org) for org in organizations}
    allowed = set(organizations_related_to(owner_id).values_list("pk", flat=True)) | set(current)
    if not wanted <= allowed:
        raise ApplicationError({"shared_with": [shared_with_refusal()]})
    return list(organizations)


def shared_with_refusal():
    return _("Organisation inconnue ou sans lien avec la vôtre (établissements adhérents, groupements).")


@transaction.atomic
def library_update(*, user, library, changes):
    """Change a library's name, description, language, visibility or sharing."""
    access.require_library_editor(user, library)
    shared_with = changes.pop("shared_with", None)
    allowed = {"name", "description", "language", "visibility"}
    for field, value in changes.items():
        if field not in allowed:
            raise ApplicationError({field: [_("Ce champ ne peut pas être modifié.")]})
        setattr(library, field, value)
    library.updated_at = timezone.now()
    library.save()
    if shared_with is not None:
        # Organisations it is shared with already may stay (a group's former member keeps an old share
        # until someone unticks it); new ones must be related (F10).
        current = set(library.shared_with.values_list("pk", flat=True))
        library.shared_with.set(_shareable(library.organization_id, shared_with, current=current))
    return library


def library_export(library):
    """The library as a `clausier-library/1` document (plain data, JSON-ready)."""
    clauses = library.clauses.select_related("current").order_by("key")
    return {
        "format": FORMAT,
        "name": library.name,
        "description": library.description,
        "language": library.language,
        "exported_at": timezone.now().isoformat(),
        "clauses": [{"key": clause.key, **clause.current.content()} for clause in clauses],
        "topics": [
            {"key": t.key, "title": t.title, "description": t.description, "recommended_clause": t.recommended_clause}
            for t in library.topics.all()
        ],
        "sets": [
            {
                "key": s.key,
                "title": s.title,
                "description": s.description,
                "software": s.software,
                "level": s.level,
                "clauses": s.clause_keys,
            }
            for s in library.sets.all()
        ],
    }


def _replace_topics_and_sets(library, topics, sets):
    library.topics.all().delete()
    library.sets.all().delete()
    CoverageTopic.objects.bulk_create(
        CoverageTopic(
            library=library,
            key=t["key"],
            title=t["title"],
            description=t.get("description", ""),
            recommended_clause=t.get("recommended_clause", ""),
            position=index,
        )
        for index, t in enumerate(topics)
    )
    ClauseSet.objects.bulk_create(
        ClauseSet(
            library=library,
            key=s["key"],
            title=s["title"],
            description=s.get("description", ""),
            software=s["software"],
            level=s["level"],
            clause_keys=list(s["clauses"]),
            position=index,
        )
        for index, s in enumerate(sets)
    )


@transaction.atomic
def library_guidance_update(*, user, library, topics, sets):
    """Replace a library's coverage topics and recommended sets, checked against its clauses."""
    access.require_library_editor(user, library)
    from .library_file import _check_topics_and_sets, _validator

    document = {"format": FORMAT, "name": library.name, "clauses": [], "topics": topics, "sets": sets}
    errors = [
        f"$.{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator().iter_errors(document)
    ] or _check_topics_and_sets(document, set(library.clauses.values_list("key", flat=True)))
    if errors:
        raise ApplicationError({"guidance": errors})
    _replace_topics_and_sets(library, topics, sets)


@transaction.atomic
def library_import(*, user, organization, data):
    """A new library from a file. Either every clause lands or nothing does."""
    access.require_curator(user, organization.pk, "import")
    errors = validate_library_file(data)
    if errors:
        raise ApplicationError({"file": errors})
    language = data.get("language", "fr")
    library = Library.objects.create(
        organization=organization, name=data["name"], description=data.get("description", ""), language=language
    )
    _bulk_create_clauses(library, user, [(c["key"], clause_defaults(c, language), None, None) for c in data["clauses"]])
    _replace_topics_and_sets(library, data.get("topics", []), data.get("sets", []))
    return library


def _imported_version(version, key):
    """The version with its preview rendered within the budget; a refusal names the clause (library files)."""
    try:
        _render_within_budget(version)
    except ApplicationError as error:
        raise ApplicationError({"clauses": [f"{key} : {message}" for message in error.errors["body"]]}) from error
    return version


def _bulk_create_clauses(library, user, rows):
    """Create many clauses with their version 1 in a fixed number of queries."""
    clauses = Clause.objects.bulk_create(
        [Clause(library=library, key=key, origin=origin, based_on=based_on) for key, _content, origin, based_on in rows]
    )
    if clauses and clauses[0].pk is None:  # backends that do not return ids from bulk inserts
        clauses = list(library.clauses.order_by("id"))
    versions = [
        _imported_version(ClauseVersion(clause=clause, number=1, author=user, **_normalized(content)), key)
        for clause, (key, content, _o, _b) in zip(clauses, rows, strict=True)
    ]
    versions = ClauseVersion.objects.bulk_create(versions)
    if versions and versions[0].pk is None:
        versions = list(ClauseVersion.objects.filter(clause__library=library).order_by("clause_id"))
    for clause, version in zip(clauses, versions, strict=True):
        clause.current = version
    Clause.objects.bulk_update(clauses, ["current"])


@transaction.atomic
def library_fork(*, user, library, organization, name=None):
    """Copy a library into an organisation; each copy remembers its upstream clause and version."""
    access.require_curator(user, organization.pk, "fork")
    fork = Library.objects.create(
        organization=organization,
        name=name or library.name,
        description=library.description,
        language=library.language,
        origin=library,
    )
    upstream = list(library.clauses.select_related("current").order_by("key"))
    _bulk_create_clauses(fork, user, [(c.key, c.current.content(), c, c.current.number) for c in upstream])
    exported = library_export(library)
    _replace_topics_and_sets(fork, exported["topics"], exported["sets"])
    return fork


@transaction.atomic
def library_pull(*, user, library, clause_ids):
    """Bring the upstream's current version into each named clause of a fork.

    Refused (409) once the fork's organisation may no longer read the upstream library: a share that
    ended stops feeding the fork (issue 18, finding 4); what was pulled before stays.
    """
    access.require_library_editor(user, library)
    if not upstream_visible(library):
        raise ApplicationError(
            {
                "detail": [
                    _(
                        "La bibliothèque d'origine n'est plus accessible à votre organisation (partage retiré) : "
                        "plus aucune mise à jour ne peut en être reprise. Vos clauses restent telles quelles."
                    )
                ]
            },
            status=409,
        )
    clauses = list(
        library.clauses.select_for_update(of=("self",))
        .select_related("current", "origin__current")
        .filter(pk__in=clause_ids)
    )
    found = {c.pk for c in clauses}
    missing = [pk for pk in clause_ids if pk not in found]
    stale = [
        c.pk
        for c in clauses
        if not (
            c.origin_id and c.origin.library_id == library.origin_id and c.origin.current.number > (c.based_on or 0)
        )
    ]
    if missing or stale:
        raise ApplicationError(
            {
                "clauses": [
                    _("Pas de mise à jour disponible pour la clause %(id)s.") % {"id": pk} for pk in missing + stale
                ]
            }
        )
    for clause in clauses:
        upstream = clause.origin.current
        _new_version(clause, _normalized(upstream.content()), user, clause.current.number + 1)
        clause.based_on = upstream.number
        clause.save(update_fields=["based_on"])
    Library.objects.filter(pk=library.pk).update(updated_at=timezone.now())
    return clauses


@transaction.atomic
def library_delete(*, user, library):
    """Delete a library with its clauses and versions, unless a tender still pins one of them (409)."""
    access.require_library_editor(user, library)
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            # Clause.current protects its version: unpin first, inside the transaction a refusal undoes.
            Clause.objects.filter(library=library).update(current=None)
            ClauseVersion.objects.filter(clause__library=library).delete()
            library.delete()
    except ProtectedError as exc:
        raise ApplicationError(
            {
                "detail": [
                    _(
                        "Une clause de cette bibliothèque est utilisée par un appel d'offres : "
                        "la bibliothèque ne peut pas être supprimée."
                    )
                ]
            },
            status=409,
        ) from exc


def clause_delete(*, user, clause):
    """Delete a clause and its versions, unless a tender still pins one of them."""
    from django.db.models import ProtectedError

    library_id = clause.library_id
    try:
        with transaction.atomic():  # a refusal rolls back the unpinning too: the clause stays whole
            Clause.objects.filter(pk=clause.pk).update(current=None)
            ClauseVersion.objects.filter(clause=clause).delete()
            Clause.objects.filter(pk=clause.pk).delete()
    except ProtectedError as exc:
        raise ApplicationError(
            {"detail": [_("Cette clause est utilisée par un appel d'offres : elle ne peut pas être supprimée.")]},
            status=409,
        ) from exc
    Library.objects.filter(pk=library_id).update(updated_at=timezone.now())

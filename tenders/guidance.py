"""Guiding the buyer: recommended sets and the interoperability completeness check.

Topics and sets are defined in a library (clause_library.CoverageTopic / ClauseSet). A topic is
covered when a clause pinned in the tender carries the tag `covers:<topic key>`.
"""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from clause_library.models import Clause, ClauseSet, CoverageTopic, Library
from clause_library.selectors import libraries_visible_to
from organizations.errors import ApplicationError

from . import access, services  # a module, not names: services imports this module too (publish pins topics)
from .models import TenderClause
from .pieces import number_sort_key


def guidance_library(user, tender, library_id=None):
    """The library whose topics judge the tender: the one asked for, else the one most of its clauses come from."""
    visible = libraries_visible_to(user)
    if library_id is not None:
        library = visible.filter(pk=library_id).first()
        if library is None:
            raise ApplicationError({"library": [_("Bibliothèque inconnue.")]})
        return library
    counts = {}
    for library_pk in TenderClause.objects.filter(tender=tender, clause__isnull=False).values_list(
        "clause__library_id", flat=True
    ):
        counts[library_pk] = counts.get(library_pk, 0) + 1
    candidates = visible.filter(topics__isnull=False).distinct()
    if counts:
        ranked = sorted(counts, key=lambda pk: (-counts[pk], pk))
        by_pk = {library.pk: library for library in candidates.filter(pk__in=ranked)}
        for pk in ranked:
            if pk in by_pk:
                return by_pk[pk]
    return candidates.order_by("id").first()


def _organization_libraries(organization_id):
    return Library.objects.filter(
        Q(organization_id=organization_id)
        | Q(visibility=Library.Visibility.SHARED, shared_with=organization_id)
        | Q(visibility=Library.Visibility.PUBLIC)
    ).distinct()


def _pinned_clauses(tender):
    return list(
        TenderClause.objects.filter(tender=tender, clause__isnull=False).values_list(
            "id", "version__tags", "clause__library_id"
        )
    )


def _judging_library(tender, pinned):
    """The library most of the tender's clauses come from, among those with topics that the
    tender's organisation may see; None when there is none."""
    counts = {}
    for _pk, _tags, library_pk in pinned:
        counts[library_pk] = counts.get(library_pk, 0) + 1
    candidates = set(
        _organization_libraries(tender.organization_id)
        .filter(pk__in=counts, topics__isnull=False)
        .values_list("pk", flat=True)
    )
    ranked = [pk for pk in sorted(counts, key=lambda pk: (-counts[pk], pk)) if pk in candidates]
    return ranked[0] if ranked else None


def completeness_topics(tender, pinned=None):
    """The topics that judge the tender's completeness, as plain data: {"library", "topics": [{key, title}]}.

    Stored on the tender at publication (`Tender.pinned_topics`), so a curator changing the
    library's topics later leaves a published tender's annex as it was issued.
    """
    library_pk = _judging_library(tender, _pinned_clauses(tender) if pinned is None else pinned)
    if library_pk is None:
        return {"library": None, "topics": []}
    topics = CoverageTopic.objects.filter(library_id=library_pk).order_by("position", "key")
    return {"library": library_pk, "topics": [{"key": t.key, "title": t.title} for t in topics]}


def completeness_for_document(tender, numbering):
    """The completeness annex of a generated tender: topics with the articles covering them.

    The topics are those pinned at publication when the tender has them, else the current ones of
    the library most of the tender's clauses come from (among those the tender's organisation may
    see). `numbering` maps tender clause ids to article numbers.
    """
    pinned = _pinned_clauses(tender)
    topics = tender.pinned_topics if tender.pinned_topics is not None else completeness_topics(tender, pinned)
    if topics["library"] is None:
        return None
    rows = []
    for topic in topics["topics"]:
        tag = f"covers:{topic['key']}"
        articles = sorted(
            (numbering[pk] for pk, tags, _library in pinned if tag in (tags or []) and pk in numbering),
            key=number_sort_key,
        )
        rows.append({"key": topic["key"], "title": topic["title"], "covered": bool(articles), "articles": articles})
    return {"covered": sum(row["covered"] for row in rows), "total": len(rows), "topics": rows}


def tender_completeness(user, tender, library_id=None):
    """Which of the library's topics the tender covers, with the clause to add for each gap.

    Four queries whatever the size of the tender or the library.
    """
    library = guidance_library(user, tender, library_id)
    if library is None:
        return {"library": None, "covered": 0, "total": 0, "topics": []}
    pinned = list(TenderClause.objects.filter(tender=tender).values_list("id", "version__tags", "clause_id"))
    topics = list(CoverageTopic.objects.filter(library=library).order_by("position", "key"))
    recommended_keys = {topic.recommended_clause for topic in topics if topic.recommended_clause}
    recommended = dict(Clause.objects.filter(library=library, key__in=recommended_keys).values_list("key", "id"))
    in_tender = {clause_id for _pk, _tags, clause_id in pinned}
    rows = []
    for topic in topics:
        tag = f"covers:{topic.key}"
        covering = [pk for pk, tags, _clause in pinned if tag in (tags or [])]
        clause_id = recommended.get(topic.recommended_clause)
        rows.append(
            {
                "key": topic.key,
                "title": topic.title,
                "description": topic.description,
                "covered": bool(covering),
                "tender_clauses": covering,
                "recommended_clause": clause_id,
                "recommended_clause_in_tender": clause_id in in_tender,
            }
        )
    return {
        "library": library.pk,
        "covered": sum(row["covered"] for row in rows),
        "total": len(rows),
        "topics": rows,
    }


@transaction.atomic
def tender_set_apply(*, user, tender, library_id, set_key):
    """Add every clause of a recommended set that the tender does not hold yet, with default values.

    Returns the tender clauses added. Required values without a default are left for the editor
    to ask for (publishing refuses until they are given).
    """
    access.require_tender_editor(user, tender)
    services.ensure_draft(tender)
    library = libraries_visible_to(user).filter(pk=library_id).first()
    if library is None:
        raise ApplicationError({"library": [_("Bibliothèque inconnue.")]})
    clause_set = ClauseSet.objects.filter(library=library, key=set_key).first()
    if clause_set is None:
        raise ApplicationError({"set": [_("Ensemble de clauses inconnu : « %(key)s ».") % {"key": set_key}]})
    clauses = {
        c.key: c
        for c in Clause.objects.filter(library=library, key__in=clause_set.clause_keys).select_related("current")
    }
    present = set(TenderClause.objects.filter(tender=tender).values_list("clause_id", flat=True))
    added = []
    for key in clause_set.clause_keys:
        clause = clauses.get(key)
        if clause is None or clause.pk in present:
            continue
        added.append(services.tender_clause_add(user=user, tender=tender, clause=clause, allow_incomplete=True))
        present.add(clause.pk)
    return added

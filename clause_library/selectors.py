"""Reads: what a user may see, with the joins each list needs, in a fixed number of queries."""

import difflib

from django.db.models import Count, F, Q

from organizations.access import organization_ids

from .models import Clause, ClauseVersion, Library, search_normalize


def libraries_visible_to(user):
    return libraries_visible_to_organizations(organization_ids(user))


def libraries_visible_to_organizations(orgs):
    """Libraries that members of these organisations may read: their own, shared with them, public."""
    return (
        Library.objects.filter(
            Q(organization_id__in=orgs)
            # shared_with counts only while the library is "shared": making it private withdraws it.
            | Q(visibility=Library.Visibility.SHARED, shared_with__in=orgs)
            | Q(visibility=Library.Visibility.PUBLIC)
            # "members": the owner group's member hospitals, while they are members.
            | Q(visibility=Library.Visibility.MEMBERS, organization__member_links__member__in=orgs)
        )
        .distinct()
        .select_related("organization")
    )


def organizations_related_to(organization_id):
    """Organisations an owner is related to, the only ones a library may be shared with (issue 28, F10):
    a purchasing group's member hospitals, and the groups a hospital is a member of (MemberOrganization).

    The share page offers only these; any other id, known or not, is refused with one message, so
    neither the page nor the API tells which organisations exist.
    """
    from organizations.models import Organization

    return (
        Organization.objects.filter(
            Q(group_links__group_id=organization_id) | Q(member_links__member_id=organization_id)
        )
        .exclude(pk=organization_id)
        .distinct()
        .order_by("name")
    )


def upstream_visible(library):
    """Whether a fork's organisation may still read its upstream library *now*.

    A fork is made while the upstream is visible to its organisation; the share may end later. Every
    read of the upstream through the fork (updates, diffs, pulls) asks this first (issue 18, finding 4):
    the fork keeps what it already pulled and sees nothing new.
    """
    if not library.origin_id:
        return False
    return libraries_visible_to_organizations({library.organization_id}).filter(pk=library.origin_id).exists()


def libraries_for_list(user):
    # clause_count from a subquery-free annotation on a distinct queryset needs its own Count.
    return (
        libraries_visible_to(user)
        .annotate(clause_count=Count("clauses", distinct=True))
        .prefetch_related("shared_with")
        .order_by("name", "id")
    )


def clauses_visible_to(user):
    visible = libraries_visible_to(user).values("pk")
    return Clause.objects.filter(library_id__in=visible).select_related("current", "library")


def clauses_filtered(user, *, library=None, category=None, requirement=None, q=None, tag=None):
    queryset = clauses_visible_to(user)
    if any("\x00" in value for value in (category, requirement, q, tag) if isinstance(value, str)):
        # No stored text holds a NUL character (PostgreSQL refuses them: the query would raise DataError).
        return queryset.none()
    if library:
        queryset = queryset.filter(library_id=library)
    if category:
        queryset = queryset.filter(current__category=category)
    if requirement:
        queryset = queryset.filter(current__requirement=requirement)
    if tag:
        queryset = (
            queryset.filter(current__tags__contains=[tag])
            if _json_contains_supported()
            else queryset.filter(current__tags__icontains=f'"{tag}"')
        )
    if q:
        # Accent- and case-insensitive on every backend: words are matched against the version's
        # normalised search_text ("reversibilite" finds "Réversibilité"), keys as they are.
        for word in search_normalize(q).split()[:10]:
            queryset = queryset.filter(Q(current__search_text__contains=word) | Q(key__icontains=word))
    return queryset.order_by("library_id", "current__category", "key")


def _json_contains_supported():
    from django.db import connection

    return connection.features.supports_json_field_contains


def library_updates(library):
    """Clauses of a fork whose upstream clause has a newer version than the one they are based on.

    Only while the fork's organisation may still read the upstream library (see upstream_visible):
    the condition is part of the query, so no path through here reads an upstream it lost.
    """
    visible = libraries_visible_to_organizations({library.organization_id}).values("pk")
    return (
        library.clauses.filter(
            origin__isnull=False, origin__current__number__gt=F("based_on"), origin__library_id__in=visible
        )
        .select_related("current", "library", "origin__current")
        .order_by("key")
    )


# A diff compares every line of one side with every line of the other: its cost grows with the
# product of their lengths. Above this product a field is reported as too large to compare (issue
# 18, finding 5: two versions of 2,000 similar lines held the page 7 s).
MAX_DIFF_COST = 250_000


def version_diff(old: ClauseVersion, new: ClauseVersion, *, max_cost=MAX_DIFF_COST):
    """[(field, [(kind, line)] or None)] for every content field that differs; kind is '+', '-' or ' '.

    None instead of the lines when the field is too large to compare within the cost bound.
    """
    changes = []
    for field in ClauseVersion.CONTENT_FIELDS:
        before, after = _as_lines(getattr(old, field)), _as_lines(getattr(new, field))
        if before == after:
            continue
        if len(before) * len(after) > max_cost:
            changes.append((field, None))
            continue
        lines = []
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                lines.extend((" ", line) for line in before[i1:i2])
                continue
            lines.extend(("-", line) for line in before[i1:i2])
            lines.extend(("+", line) for line in after[j1:j2])
        changes.append((field, lines))
    return changes


def _as_lines(value):
    import json

    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str).splitlines()
    return str("" if value is None else value).splitlines()

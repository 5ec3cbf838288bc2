"""Reads: what a user may see, with the joins each list needs, in a fixed number of queries."""

import difflib

from django.db.models import Count, F, Q

from organizations.access import organization_ids

from .models import Clause, ClauseVersion, Library


def libraries_visible_to(user):
    orgs = organization_ids(user)
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
        for word in q.split()[:10]:
            queryset = queryset.filter(
                Q(current__title__icontains=word)
                | Q(current__body__icontains=word)
                | Q(current__question__icontains=word)
                | Q(key__icontains=word)
            )
    return queryset.order_by("library_id", "current__category", "key")


def _json_contains_supported():
    from django.db import connection

    return connection.features.supports_json_field_contains


def library_updates(library):
    """Clauses of a fork whose upstream clause has a newer version than the one they are based on."""
    return (
        library.clauses.filter(origin__isnull=False, origin__current__number__gt=F("based_on"))
        .select_related("current", "library", "origin__current")
        .order_by("key")
    )


def version_diff(old: ClauseVersion, new: ClauseVersion):
    """[(field, [(kind, line)])] for every content field that differs; kind is '+', '-' or ' '."""
    changes = []
    for field in ClauseVersion.CONTENT_FIELDS:
        before, after = _as_lines(getattr(old, field)), _as_lines(getattr(new, field))
        if before == after:
            continue
        lines = []
        for line in difflib.ndiff(before, after):
            if line.startswith("? "):
                continue
            lines.append((line[0], line[2:]))
        changes.append((field, lines))
    return changes


def _as_lines(value):
    import json

    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str).splitlines()
    return str("" if value is None else value).splitlines()

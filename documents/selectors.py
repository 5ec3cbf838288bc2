"""Reads of documents: which ones a user may see, with their staleness, in a fixed number of queries.

A user sees the documents of their organisations' tenders, minus the kinds a reader rule keeps
from them (documents/registry.py: the evaluation report and rejection letters follow the results'
rules). `stale` comes from annotations (`current_tender_version`, and `current_source_version` for the
kinds made from more than the tender), not from a query per row.
"""

from django.db.models import Case, F, OuterRef, PositiveBigIntegerField, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from organizations.access import organization_ids

from . import registry
from .models import Document


def _with_staleness(queryset):
    """The tender's version and, for kinds made from more than the tender, their source's (in the same
    query: one subquery per registered source)."""
    annotations = {"current_tender_version": F("tender__content_version")}
    sources = registry.source_lookups()
    if sources:
        annotations["current_source_version"] = Case(
            *(
                When(kind__in=kinds, then=Coalesce(source(OuterRef("tender_id")), Value(0)))
                for source, kinds in sources.items()
            ),
            default=Value(None),
            output_field=PositiveBigIntegerField(),
        )
    return queryset.annotate(**annotations)


def documents_visible_to(user):
    """Documents of the user's organisations' tenders, before the per-kind reader rules (see `readable_document`)."""
    return _with_staleness(
        Document.objects.filter(tender__organization_id__in=organization_ids(user)).select_related("tender")
    )


def tender_documents(user, tender, *, kinds=None):
    """The tender's own documents `user` may read (of `kinds` when given), newest first (one query, plus one
    call of each reader rule)."""
    hidden = registry.hidden_kinds(user, tender)
    # A contract's documents (the acceptance record…) are listed with their contract, not with the tender's pieces.
    queryset = (
        Document.objects.filter(tender_id=tender.pk, contract__isnull=True)
        .exclude(kind__in=hidden)
        .order_by("-created_at", "-id")
    )
    if kinds is not None:
        queryset = queryset.filter(kind__in=kinds)
    return _with_staleness(queryset)


def readable_document(user, document):
    """`document` if `user` may read its kind on its tender; else 404 (the reader must not learn it exists)."""
    if not registry.may_read(user, document.kind, document.tender):
        raise Http404
    return document


def contract_documents(user, contract):
    """The contract's documents `user` may read, newest first (one query, plus one call of each reader rule)."""
    hidden = registry.hidden_kinds(user, contract.tender)
    queryset = Document.objects.filter(contract_id=contract.pk).exclude(kind__in=hidden).order_by("-created_at", "-id")
    return _with_staleness(queryset)

"""Documents of a contract's execution (API.md "Contract documents"): asked for and listed per contract, made by the
documents job like a tender's pieces (same row, same download route), with the contract on the row.

`Document.CONTRACT_KINDS` lists the kinds a contract offers; each is registered with its builder in
contracts/apps.py, with `tender_request_check` so that it is never asked for on the tender.
"""

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from documents import registry
from documents.models import Document
from documents.tasks import document_enqueue
from organizations.errors import ApplicationError
from tenders.models import Tender
from tenders.services import BrokerUnavailable

from . import access
from .models import PenaltyAuditEvent


def penalty_log_version(tender_id):
    """The execution log's version for the documents made from it: the id of the latest audit event of the
    tender's contracts (an expression; registered as the penalty statement's source version). It only grows,
    so a statement asked for before a later write reads as stale."""
    return Subquery(PenaltyAuditEvent.objects.filter(contract__tender_id=tender_id).order_by("-id").values("id")[:1])


def tender_request_check(tender):
    """Registered for every contract kind: such a document is asked for on its contract, not on the tender."""
    raise ApplicationError({"kind": [_("Ce document se demande depuis la page du marché notifié.")]})


def contract_document_request(*, user, contract, kind, format) -> Document:
    """Create the document row of `contract` and queue its job after commit (buyers and admins).

    400 naming `kind` or `format` for what the contract does not offer; BrokerUnavailable (the row saved,
    still queued) when the broker refuses the job, as for a tender's documents.
    """
    access.require_writer(user, contract.organization_id)
    if kind not in Document.CONTRACT_KINDS:
        kinds = ", ".join(sorted(Document.CONTRACT_KINDS))
        raise ApplicationError({"kind": [_("Type de document inconnu (attendu : %(kinds)s).") % {"kinds": kinds}]})
    formats = Document.FORMATS.get(kind, ())
    if format not in formats:
        raise ApplicationError(
            {
                "format": [
                    _("Le document « %(kind)s » existe en %(formats)s.") % {"kind": kind, "formats": ", ".join(formats)}
                ]
            }
        )
    with transaction.atomic():
        source = registry.source_lookup(kind)
        row = Tender.objects.filter(pk=contract.tender_id)
        if source is not None:
            row = row.annotate(source_version=source(OuterRef("pk")))
        fields = ("content_version", *(["source_version"] if source else []))
        version, *source_version = row.values_list(*fields).get()
        document = Document.objects.create(
            tender_id=contract.tender_id,
            contract=contract,
            kind=kind,
            format=format,
            created_by=user,
            tender_version=version,
            source_version=(source_version[0] if source_version else None) or 0,
        )
        failures = []
        transaction.on_commit(lambda: failures.append(not document_enqueue(document=document)))
    if failures and failures[0]:
        raise BrokerUnavailable(document)
    return document

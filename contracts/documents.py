"""Documents made from a notified contract (the penalty statement): requested here, rendered by the
documents pipeline like the tender's pieces (documents/services.py), the row naming the contract.

A contract's kind is never asked for on the tender (tenders' document request refuses it through the
request check registered in contracts/apps.py); lists of the tender's documents leave them out.
"""

from django.db import transaction
from django.db.models import Subquery
from django.utils.translation import gettext as _

from documents import registry
from documents.models import Document
from documents.tasks import document_enqueue
from organizations.errors import ApplicationError
from tenders.services import BrokerUnavailable

from .models import PenaltyAuditEvent


def penalty_log_version(tender_id):
    """The execution log's version for the documents made from it: the id of the latest audit event of the
    tender's contracts (an expression; registered as the penalty statement's source version). It only grows,
    so a statement asked for before a later write reads as stale."""
    return Subquery(PenaltyAuditEvent.objects.filter(contract__tender_id=tender_id).order_by("-id").values("id")[:1])


def tender_request_check(tender):
    """Registered for every contract kind: such a document is asked for on its contract."""
    raise ApplicationError({"kind": [_("Ce document se demande depuis la page du marché notifié.")]})


def contract_document_request(*, user, contract, kind, format) -> Document:
    """Create the contract document's row and queue its job after commit (the caller checked the writer).

    400 on `kind` for a kind that is not a contract's, on `format` for a format it does not come in.
    Raises BrokerUnavailable (the row stays queued) when the broker refuses the job.
    """
    if kind not in Document.CONTRACT_KINDS:
        raise ApplicationError(
            {
                "kind": [
                    _("Type de document de marché inconnu (attendu : %(k)s).")
                    % {"k": ", ".join(sorted(Document.CONTRACT_KINDS))}
                ]
            }
        )
    formats = Document.FORMATS[kind]
    if format not in formats or registry.builder_for(kind, format) is None:
        raise ApplicationError({"format": [_("Ce document existe en : %(f)s.") % {"f": ", ".join(formats)}]})
    tender = contract.tender
    with transaction.atomic():
        document = Document.objects.create(
            tender=tender,
            contract=contract,
            kind=kind,
            format=format,
            created_by=user,
            tender_version=tender.content_version,
            source_version=PenaltyAuditEvent.objects.filter(contract__tender_id=tender.pk)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
            or 0,
            draft=False,
        )
        failures = []
        transaction.on_commit(lambda: failures.append(not document_enqueue(document=document)))
    if failures and failures[0]:
        raise BrokerUnavailable(document)
    return document

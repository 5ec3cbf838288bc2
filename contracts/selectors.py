"""Reads of contracts, each in a fixed number of queries, and the public-data files built from them."""

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from scoring import selectors as scoring_selectors
from scoring.models import Bid, ProcedureRecord
from tenders.models import Tender

from . import decp, ocds
from .models import Contract, Modification, SubcontractingAct


def contracts_for(organization_ids):
    """The contracts of these organisations with their tender and organisation (one query, any number)."""
    return (
        Contract.objects.filter(organization_id__in=organization_ids)
        .select_related("tender", "organization")
        .annotate(modification_count=Count("modifications", distinct=True))
        .order_by("-notified_on", "-id")
    )


def tenders_without_contract(organization_ids):
    """The organisations' tenders past publication that have no contract yet (one query)."""
    return (
        Tender.objects.filter(organization_id__in=organization_ids)
        .exclude(status=Tender.Status.DRAFT)
        .filter(contracts__isnull=True)
        .order_by("-created_at", "-id")
    )


def contracts_of_tender(tender):
    return Contract.objects.filter(tender=tender).prefetch_related("modifications").order_by("lot", "id")


def modifications_of(contract):
    return list(Modification.objects.filter(contract=contract).order_by("number"))


def acts_of(contract):
    return list(SubcontractingAct.objects.filter(contract=contract).order_by("number"))


def offers_received(tender) -> int:
    """Every bid received counts, eliminated and abnormally low ones included (DECP `offresRecues`)."""
    return Bid.objects.filter(tender=tender).count()


def decp_file(contract, *, today=None) -> tuple[dict, list[dict]]:
    """(the DECP v2 document of the contract with its modifications and acts, its schema problems)."""
    record = decp.marche(
        contract,
        organization_siret=contract.organization.siret,
        title=contract.tender.title,
        offers=offers_received(contract.tender),
        modifications=modifications_of(contract),
        acts=acts_of(contract),
        today=today or timezone.localdate(),
    )
    document = decp.document([record])
    return document, decp.problems(document)


def ocds_package(tender, *, uri) -> dict:
    """The tender's OCDS 1.1 release package (its contracts with their modifications included)."""
    criteria = scoring_selectors.criteria_for_document(tender)
    bids = [
        {"id": pk, "name": legal or vendor, "siret": siret}
        for pk, vendor, legal, siret in Bid.objects.filter(tender=tender)
        .order_by("id")
        .values_list("pk", "vendor", "candidate_name", "candidate_siret")
    ]
    contracts = [
        {"contract": contract, "modifications": list(contract.modifications.all())}
        for contract in contracts_of_tender(tender)
    ]
    moments = [tender.updated_at, *(c["contract"].updated_at for c in contracts)]
    moments += [m.created_at for c in contracts for m in c["modifications"]]
    estimate = ProcedureRecord.objects.filter(tender=tender).values_list("contract_value", flat=True).first()
    return ocds.release_package(
        estimated_value=estimate,
        tender=tender,
        organization=tender.organization,
        criteria=criteria,
        bids=bids,
        contracts=contracts,
        published=max(moments),
        uri=uri,
    )


def site_url(path) -> str:
    return settings.SITE_URL.rstrip("/") + path

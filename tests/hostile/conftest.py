"""A complete data set for one organisation (A), and a member of another one (B).

Built through the apps' services, as users would build it: library, clause, tender, tender clause,
criteria, published tender, bid, answer, evaluator, score, consensus, document, probe report.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile

from clause_library.models import Library
from conformance.models import ProbeReport
from contracts import acceptance_services
from contracts.models import AcceptanceProbe, AcceptanceRow, Contract, ExecutionRequest
from documents.models import Document
from organizations import services as org_services
from organizations.models import Membership, Organization
from organizations.tokens import issue as issue_token
from scoring import services as scoring
from scoring.models import Criterion, ImportJob
from tenders import lots as tender_lots
from tenders import services as tenders

from ..factories import OrganizationFactory, make_clause, member


@pytest.fixture
def org_a():
    return OrganizationFactory(name="CHU A", kind=Organization.Kind.HOSPITAL)


@pytest.fixture
def org_b():
    return OrganizationFactory(name="CH B", kind=Organization.Kind.HOSPITAL)


@pytest.fixture
def member_b(org_b):
    """An administrator of B: the most powerful role, in the wrong organisation."""
    return member(org_b, "admin", username="admin-b")


@pytest.fixture
def dataset_a(org_a):
    admin = member(org_a, "admin", username="admin-a")
    evaluator = member(org_a, "evaluator", username="eval-a")
    library = Library.objects.create(organization=org_a, name="Bibliothèque privée de A", visibility="private")
    clause = make_clause(library, key="api-fhir", user=admin)
    tender = tenders.tender_create(
        single_lot_reason="Prestation indivisible.",
        user=admin,
        organization=org_a,
        reference="AO-A-1",
        title="DPI de A",
    )
    tender_clause = tenders.tender_clause_add(user=admin, tender=tender, clause=clause, parameters={})
    scoring.criteria_from_clauses(user=admin, tender=tender)
    tender = tenders.tender_publish(user=admin, tender=tender)
    criterion = Criterion.objects.get(tender=tender, tender_clause=tender_clause)
    bid = scoring.bid_create(user=admin, tender=tender, vendor="Éditeur A", price=100000)
    scoring.answer_set(user=admin, bid=bid, criterion=criterion, text="Réponse de A", compliant=True)
    scoring.evaluator_add(user=admin, tender=tender, username=evaluator.username)
    scoring.evaluator_declare(user=evaluator, tender=tender, no_conflict=True)
    scoring.score_set(user=evaluator, bid=bid, criterion=criterion, value=3, comment="Correct")
    scoring.consensus_set(user=admin, bid=bid, criterion=criterion, value=4, justification="Accord")
    document = Document.objects.create(
        tender=tender,
        kind="tender",
        format="pdf",
        status=Document.Status.FAILED,
        error="Échec simulé",
        created_by=admin,
    )
    # A draft tender of A divided into lots (its lot is what the lot routes name).
    lot_tender = tenders.tender_create(user=admin, organization=org_a, reference="AO-A-2", title="Lots de A")
    lot = tender_lots.lot_create(user=admin, tender=lot_tender, title="Lot de A")
    probe = ProbeReport.objects.create(bid=bid, source=ProbeReport.Source.UPLOAD, status=ProbeReport.Status.DONE)
    contract = Contract.objects.create(
        organization=org_a,
        tender=tender,
        bid=bid,
        uid="202600000100",
        holder_name="Éditeur A",
        amount=100000,
        duration_months=48,
        notified_on=datetime.date(2026, 12, 1),
        price_form="forfaitaire",
    )
    # The contract's acceptance plan, a row with an evidence file, and a finished acceptance probe.
    acceptance_services.plan_generate(user=admin, contract=contract)
    acceptance_row = AcceptanceRow.objects.filter(plan__contract=contract).first()
    acceptance_row.evidence_file.save("evidence", ContentFile(b"PV de demonstration"), save=False)
    acceptance_row.evidence_file_name = "pv.txt"
    acceptance_row.save()
    AcceptanceProbe.objects.create(contract=contract, source="upload", status=AcceptanceProbe.Status.DONE)
    execution_request = ExecutionRequest.objects.create(
        contract=contract,
        number=1,
        kind="incident",
        article="1.1",
        delay_parameter="delai_jours",
        delay_value=30,
        delay_unit="calendar_days",
        requested_on=datetime.date(2027, 1, 4),
        due_on=datetime.date(2027, 2, 3),
        description="Incident de A",
    )
    import_job = ImportJob.objects.create(
        bid=bid, kind=ImportJob.Kind.ANSWER_FORM, created_by=admin, status=ImportJob.Status.DONE, status_code=200
    )
    # Organisations run themselves: A's pending invitation, A's admin's API token, and a purchasing group
    # of A's admin with A as a member hospital.
    invitation = org_services.invitation_create(user=admin, organization=org_a, email="nouveau@a.test", role="buyer")
    api_token, _key = issue_token(admin)
    group = OrganizationFactory(name="Groupement A", kind=Organization.Kind.PURCHASING_GROUP)
    Membership.objects.create(user=admin, organization=group, role="admin")
    del admin._clausier_roles  # the roles cached on this object predate the group
    org_services.member_organization_add(user=admin, group=group, organization_id=org_a.pk)
    return SimpleNamespace(
        organization=org_a,
        admin=admin,
        evaluator=evaluator,
        library=library,
        clause=clause,
        tender=tender,
        tender_clause=tender_clause,
        criterion=criterion,
        bid=bid,
        document=document,
        probe=probe,
        contract=contract,
        lot=lot,
        acceptance_row=acceptance_row,
        execution_request=execution_request,
        invitation=invitation,
        api_token=api_token,
        group=group,
        import_job=import_job,
    )

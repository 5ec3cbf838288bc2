"""A complete data set for one organisation (A), and a member of another one (B).

Built through the apps' services, as users would build it: library, clause, tender, tender clause,
criteria, published tender, bid, answer, evaluator, score, consensus, document, probe report.
"""

import datetime
from types import SimpleNamespace

import pytest

from clause_library.models import Library
from conformance.models import ProbeReport
from contracts.models import Contract
from documents.models import Document
from organizations import services as org_services
from organizations.models import Membership, Organization
from organizations.tokens import issue as issue_token
from scoring import services as scoring
from scoring.models import Criterion, ImportJob
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
    tender = tenders.tender_create(user=admin, organization=org_a, reference="AO-A-1", title="DPI de A")
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
        invitation=invitation,
        api_token=api_token,
        group=group,
        import_job=import_job,
    )

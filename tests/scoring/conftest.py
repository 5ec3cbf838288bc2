from types import SimpleNamespace

import pytest
from django.utils import timezone

from organizations.models import Organization
from scoring.models import Bid, Criterion, EliminatoryDecision, Evaluator
from tenders.models import Tender

from ..factories import OrganizationFactory, member


def make_tender(organization, **kwargs):
    kwargs.setdefault("reference", "AO-2026-001")
    kwargs.setdefault("title", "Dossier patient informatisé")
    # Most tests here are about arithmetic and access, not justifications: they score without a comment.
    # tests/scoring/test_evaluation_additions.py covers require_justification (on by default in the app).
    kwargs.setdefault("require_justification", False)
    kwargs.setdefault("single_lot_reason", "Prestation indivisible : un seul système d'information patient.")
    return Tender.objects.create(organization=organization, **kwargs)


def publish(tender):
    Tender.objects.filter(pk=tender.pk).update(status=Tender.Status.PUBLISHED, published_at=timezone.now())
    tender.refresh_from_db()
    return tender


@pytest.fixture
def tender(hospital):
    return make_tender(hospital)


@pytest.fixture
def other_tender(other_hospital):
    return make_tender(other_hospital, reference="AO-AUTRE")


@pytest.fixture
def second_evaluator(hospital):
    return member(hospital, "evaluator", username="eval2")


def build_tree(tender):
    """Technical value 60 (API FHIR 50, Export 30, Documentation 20 on 10), price 40, HDS eliminatory."""
    technical = Criterion.objects.create(tender=tender, name="Valeur technique", kind="scored", weight=60, position=1)
    return SimpleNamespace(
        technical=technical,
        api=Criterion.objects.create(
            tender=tender, parent=technical, name="API FHIR", kind="scored", weight=50, position=1
        ),
        export=Criterion.objects.create(
            tender=tender, parent=technical, name="Export", kind="scored", weight=30, position=2
        ),
        doc=Criterion.objects.create(
            tender=tender, parent=technical, name="Documentation", kind="scored", weight=20, scale_max=10, position=3
        ),
        price=Criterion.objects.create(tender=tender, name="Prix", kind="price", weight=40, position=2),
        hds=Criterion.objects.create(
            tender=tender, name="Hébergement HDS", kind="eliminatory", weight=None, scale_max=1, position=3
        ),
    )


@pytest.fixture
def evaluation(tender, buyer, evaluator, second_evaluator):
    """A published tender with its criteria, three bids and two evaluators who declared no conflict."""
    return make_evaluation(tender, buyer, evaluator, second_evaluator)


def new_evaluation():
    """The `evaluation` fixture's data made outside the function-scoped fixtures (for a module-scoped
    fixture): the same organisation, people and tender as tests/conftest.py's fixtures make."""
    hospital = OrganizationFactory(name="CHU", kind=Organization.Kind.HOSPITAL)
    return make_evaluation(
        make_tender(hospital),
        member(hospital, "buyer", username="buyer"),
        member(hospital, "evaluator", username="eval1"),
        member(hospital, "evaluator", username="eval2"),
    )


def make_evaluation(tender, buyer, evaluator, second_evaluator):
    criteria = build_tree(tender)
    publish(tender)
    now = timezone.now()
    Evaluator.objects.create(tender=tender, user=evaluator, declared_at=now)
    Evaluator.objects.create(tender=tender, user=second_evaluator, declared_at=now)
    ns = SimpleNamespace(
        tender=tender,
        criteria=criteria,
        lead=buyer,
        eval1=evaluator,
        eval2=second_evaluator,
        alpha=Bid.objects.create(tender=tender, vendor="Alpha", price=100000),
        bravo=Bid.objects.create(tender=tender, vendor="Bravo", price=125000),
        charlie=Bid.objects.create(tender=tender, vendor="Charlie", price=80000),
    )
    # Only a recorded decision settles an eliminatory requirement: the lead found the three bids compliant
    # with HDS hosting. Tests of eliminations change these decisions (or delete them to leave one undecided).
    for bid in (ns.alpha, ns.bravo, ns.charlie):
        decide(bid, criteria.hds, "compliant", user=buyer)
    return ns


def decide(bid, criterion, decision, *, user=None, qualification="", reason=""):
    """Record the lead's decision on an eliminatory requirement directly (no audit: a test fixture)."""
    if decision == "non_compliant":
        qualification, reason = qualification or "irregular", reason or "Exigence non satisfaite."
    EliminatoryDecision.objects.update_or_create(
        bid=bid,
        criterion=criterion,
        defaults={"decision": decision, "qualification": qualification, "reason": reason, "decided_by": user},
    )

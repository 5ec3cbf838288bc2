"""The execution pages of a notified contract (requests, availability, penalties) in headless Chromium:
axe-core finds no serious or critical WCAG 2.1 A/AA violation, in French and English, and at 390 px
wide no page scrolls sideways (tables scroll in their own box)."""

from decimal import Decimal

import pytest

from ..contracts.conftest import contract_data
from ..contracts.execution_setup import set_up_execution
from ..factories import PASSWORD, LibraryFactory, OrganizationFactory, member
from .conftest import PHONE, sign_in
from .test_accessibility import AXE, axe_violations, is_blocking
from .test_phone_width import WIDEST

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def contract_pages(live_server):
    """A notified contract with requests (late, open), availability months and an observation."""
    import datetime as dt

    from django.db import transaction

    from contracts import execution, services
    from contracts.models import AvailabilityMonth
    from organizations.models import Organization
    from scoring.models import Award, Bid

    from ..scoring.conftest import make_evaluation, make_tender
    from ..scoring.reporting import make_decided

    with transaction.atomic():
        hospital = OrganizationFactory(name="CHU", kind=Organization.Kind.HOSPITAL, siret="26750045200011")
        group = OrganizationFactory(name="Groupement", kind=Organization.Kind.PURCHASING_GROUP)
        evaluation = make_evaluation(
            make_tender(hospital),
            member(hospital, "buyer", username="buyer"),
            member(hospital, "evaluator", username="eval1"),
            member(hospital, "evaluator", username="eval2"),
        )
        make_decided(evaluation)
        Award.objects.update_or_create(
            tender=evaluation.tender,
            defaults={
                "bid": evaluation.alpha,
                "decided_on": dt.date(2026, 11, 30),
                "certificates_received_on": dt.date(2026, 11, 30),
                "letters_sent_on": dt.date(2026, 12, 1),
                "letters_electronic": True,
            },
        )
        Bid.objects.filter(pk=evaluation.alpha.pk).update(
            candidate_name="Alpha Santé SAS", candidate_siret="73282932000074"
        )
        contract = services.contract_create(user=evaluation.lead, tender=evaluation.tender, data=contract_data())
        set_up_execution(contract, LibraryFactory(organization=group, name="Référence"))
        data = {"kind": "connector", "article": "4.1", "requested_on": dt.date(2027, 5, 5), "description": "Base"}
        late = execution.request_create(user=evaluation.lead, contract=contract, data=data)
        execution.request_update(user=evaluation.lead, request=late, changes={"delivered_on": dt.date(2027, 8, 1)})
        execution.request_create(user=evaluation.lead, contract=contract, data=data)
        AvailabilityMonth.objects.create(contract=contract, month=dt.date(2027, 3, 1), measured=Decimal("99.55"))
        execution.observation_add(user=evaluation.lead, contract=contract, received_on=dt.date(2027, 9, 1), text="Vu.")
    return live_server.url, [f"/contracts/{contract.pk}/{name}/" for name in ("requests", "availability", "penalties")]


def open_as_buyer(chromium, url, language, viewport):
    context = chromium.new_context(locale="fr-FR" if language == "fr" else "en-GB", viewport=viewport, bypass_csp=True)
    page = context.new_page()
    sign_in(page, url, "buyer", PASSWORD)
    if language != "fr":
        context.add_cookies([{"name": "django_language", "value": language, "url": url}])
    return context, page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_execution_pages_are_accessible_and_fit_a_phone(chromium, contract_pages, language):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci` in tests/browser")
    url, paths = contract_pages
    context, page = open_as_buyer(chromium, url, language, PHONE)
    problems = []
    try:
        for path in paths:
            response = page.goto(url + path)
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("#execution-nav").count() == 1, path  # signed in, on the contract's page
            problems += [f"{path}: {v['id']} {v['nodes']}" for v in axe_violations(page) if is_blocking(v)]
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"{path} is {width} px wide: {page.evaluate(WIDEST)}")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)

"""A three-bid evaluation with 27 eliminatory requirements, driven in headless Chromium as the lead drives it:
bulk acceptance of what each vendor declared met, the requirements × bids matrix (a refused cell keeps what was
typed), close-technical refused then allowed, award, certificates, letters (made for real by the document
service, read back), sending date and standstill. Counts every POST the browser makes: the goal is under 20.
The matrix page is also checked with axe-core and at 390 px."""

import datetime
import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from documents.models import Document
from scoring.models import Answer, Award, Consensus, Criterion, EliminatoryDecision, EvaluationState

from ..factories import OrganizationFactory, member
from ..scoring.conftest import make_evaluation, make_tender
from ..scoring.test_api_results import fill
from .conftest import PHONE
from .test_accessibility import AXE, axe_violations, is_blocking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def evaluation_27(monkeypatch):
    """Alpha, Bravo, Charlie; 27 eliminatory requirements, nothing decided; every cell scored; Bravo's API FHIR
    cell dispersed without consensus. Every vendor declares every requirement met except: Charlie HDS,
    Charlie « Exigence 5 », Bravo « Exigence 3 ». Documents are queued without a broker (the test renders them)."""
    from organizations.models import Organization
    from tenders import services as tender_services

    queued = []
    monkeypatch.setattr(tender_services, "document_enqueue", lambda *, document: queued.append(document.pk) or True)
    hospital = OrganizationFactory(name="CHU", kind=Organization.Kind.HOSPITAL)
    ev = make_evaluation(
        make_tender(hospital),
        member(hospital, "buyer", username="buyer"),
        member(hospital, "evaluator", username="eval1"),
        member(hospital, "evaluator", username="eval2"),
    )
    ev.extra = [
        Criterion.objects.create(
            tender=ev.tender, name=f"Exigence {n}", kind="eliminatory", scale_max=1, position=100 + n
        )
        for n in range(26)
    ]
    fill(ev)
    Consensus.objects.all().delete()
    EliminatoryDecision.objects.all().delete()
    declared_not_met = {(ev.charlie, ev.extra[5]), (ev.bravo, ev.extra[3])}
    Answer.objects.bulk_create(
        Answer(bid=bid, criterion=criterion, text="Oui", compliant=(bid, criterion) not in declared_not_met)
        for bid in (ev.alpha, ev.bravo, ev.charlie)
        for criterion in ev.extra
    )
    ev.queued = queued
    return ev


def open_as(chromium, live_server, user, viewport=None, bypass_csp=False):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        locale="fr-FR", viewport=viewport or {"width": 1280, "height": 900}, bypass_csp=bypass_csp
    )
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.posts = []
    page.on("request", lambda request: page.posts.append(request.url) if request.method == "POST" else None)
    return page


def cell(bid, criterion):
    return f"{bid.pk}-{criterion.pk}"


def render_queued(ev):
    """What the worker does: render each queued document with the real document service."""
    from documents import services as document_services

    for pk in ev.queued:
        document_services.document_render(document_id=pk)
    ev.queued.clear()


def test_a_three_bid_evaluation_with_27_requirements_takes_the_lead_under_20_posts(
    chromium, live_server, evaluation_27
):
    ev = evaluation_27
    page = open_as(chromium, live_server, ev.lead)
    home = f"{live_server.url}/evaluation/tenders/{ev.tender.pk}/"

    # 1. From the evaluation home to the matrix; one click per bid accepts what its vendor declared met.
    page.goto(home)
    page.locator("#matrix-link").click()
    page.wait_for_url("**/requirements/")
    assert page.locator("select[name^='d-']").count() == 27 * 3
    for bid in (ev.alpha, ev.bravo, ev.charlie):
        page.locator(f"button[form='accept-declared-{bid.pk}']").click()
        page.wait_for_load_state()
        assert f"{bid.vendor} : exigences déclarées satisfaites acceptées" in page.locator("main").inner_text()
    assert EliminatoryDecision.objects.count() == 27 + 26 + 25

    # 2. The matrix: the three cells left, in one post. A non-compliance without its qualification is refused
    #    and everything typed stays; with it, the post goes through.
    hds_charlie = cell(ev.charlie, ev.criteria.hds)
    page.select_option(f"#d-{cell(ev.bravo, ev.extra[3])}", "compliant")
    page.fill(f"#r-{cell(ev.bravo, ev.extra[3])}", "Vérifié sur pièces : conforme.")
    page.select_option(f"#d-{hds_charlie}", "non_compliant")
    page.fill(f"#r-{hds_charlie}", "Aucun certificat HDS fourni.")
    page.select_option(f"#d-{cell(ev.charlie, ev.extra[5])}", "non_compliant")
    page.select_option(f"#q-{cell(ev.charlie, ev.extra[5])}", "irregular")
    page.fill(f"#r-{cell(ev.charlie, ev.extra[5])}", "Exigence 5 non satisfaite.")
    page.get_by_role("button", name="Enregistrer les décisions").click()
    page.wait_for_load_state()
    assert "1 décision refusée" in page.locator("main").inner_text()
    assert page.locator(f"#r-{hds_charlie}").input_value() == "Aucun certificat HDS fourni."
    assert page.locator(f"#d-{cell(ev.bravo, ev.extra[3])}").input_value() == "compliant"
    assert EliminatoryDecision.objects.count() == 27 + 26 + 25
    page.select_option(f"#q-{hds_charlie}", "irregular")
    page.get_by_role("button", name="Enregistrer les décisions").click()
    page.wait_for_load_state()
    assert "3 décisions enregistrées." in page.locator("main").inner_text()
    assert EliminatoryDecision.objects.count() == 81
    assert EliminatoryDecision.objects.filter(decision="non_compliant").count() == 2

    # 3. Close refused while Bravo's dispersed cell has no consensus (listed on the consensus page), then allowed.
    page.goto(home)
    page.check("#close-confirm")
    page.locator("#close-form button[type=submit]").click()
    page.wait_for_url("**/consensus/")
    assert "Bravo (API FHIR)" in page.locator("main").inner_text()
    assert EvaluationState.objects.get().technical_closed_at is None
    consensus = f"{cell(ev.bravo, ev.criteria.api)}"
    page.fill(f"#c-{consensus}", "2")
    page.fill(f"#j-{consensus}", "Démonstration décevante, revue ensemble.")
    page.locator(f"#c-{consensus}").press("Enter")
    page.wait_for_load_state()
    page.goto(home)
    page.check("#close-confirm")
    page.locator("#close-form button[type=submit]").click()
    page.wait_for_url(home)
    assert EvaluationState.objects.get().technical_closed_at is not None

    # 4. Award decision, certificates, letters (rendered for real), sending date.
    page.goto(f"{home}results/")
    page.fill("#award-advantages", "Interface FHIR native et export complet.")
    page.locator("#award-decide-form button[type=submit]").click()
    page.wait_for_load_state()
    today = timezone.localdate()
    page.fill("#award-received-on", today.isoformat())
    page.locator("#award-certificates-form button[type=submit]").click()
    page.wait_for_load_state()
    assert Award.objects.get().certificates_received_on == today
    page.get_by_role("button", name="Lettres aux candidats (ZIP)").click()
    page.get_by_role("button", name="Lettre à l'attributaire PDF").click()
    page.wait_for_function(
        "document.querySelectorAll('form[data-document-form] button').length > 0"
    )  # the page stays; the documents are queued
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=10)
    while len(ev.queued) < 2 and datetime.datetime.now() < deadline:
        page.wait_for_timeout(100)
    assert set(Document.objects.values_list("kind", flat=True)) == {"rejection_letters", "award_notice"}
    render_queued(ev)
    letters = Document.objects.get(kind="rejection_letters")
    assert letters.status == "done", letters.error if hasattr(letters, "error") else letters.status
    with letters.file.open("rb") as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    assert any("bravo" in name.lower() for name in names) and any("charlie" in name.lower() for name in names), names
    assert not any("alpha" in name.lower() for name in names)  # the awardee's letter is the award notice
    page.goto(f"{home}results/")
    page.locator("#award-sent-form button[type=submit]").click()
    page.wait_for_load_state()
    assert Award.objects.get().letters_sent_on == today
    standstill = page.locator("#standstill-until").inner_text()
    assert str((today + datetime.timedelta(days=11)).day) in standstill

    # The lead's posts, counted by the browser itself.
    assert len(page.posts) < 20, page.posts
    assert len(page.posts) == 13, page.posts  # 3 bulk, 2 matrix, close refused, consensus, close, award,
    # certificates, 2 letters, sent


def test_the_matrix_and_a_confirmation_page_are_usable_at_390_px_and_axe_clean(chromium, live_server, evaluation_27):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci` in tests/browser")
    ev = evaluation_27
    for language in ("fr", "en"):
        page = open_as(chromium, live_server, ev.lead, viewport=PHONE, bypass_csp=True)
        if language == "en":
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto(f"{live_server.url}/evaluation/tenders/{ev.tender.pk}/requirements/")
        assert page.locator("html").get_attribute("lang") == language
        # The table scrolls inside its frame; the page itself does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        assert page.evaluate("document.querySelector('.matrix-scroll').scrollWidth") > PHONE["width"]
        header = page.locator(".requirement-matrix thead th").nth(1)
        frame = page.locator(".matrix-scroll")
        frame.evaluate("el => el.scrollTo(120, 600)")
        assert frame.evaluate("el => [el.scrollLeft > 0, el.scrollTop > 0]") == [True, True]
        # The header row stays at the top of the frame, the requirement column at its left.
        assert abs(header.bounding_box()["y"] - frame.bounding_box()["y"]) < 3
        first_column = page.locator(".requirement-matrix tbody th").nth(5)
        assert abs(first_column.bounding_box()["x"] - frame.bounding_box()["x"]) < 3
        blocking = [v for v in axe_violations(page) if is_blocking(v)]
        assert blocking == [], blocking
        # The confirmation page of close-technical, likewise.
        page.goto(f"{live_server.url}/evaluation/tenders/{ev.tender.pk}/close-technical/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
        blocking = [v for v in axe_violations(page) if is_blocking(v)]
        assert blocking == [], blocking
        page.context.close()

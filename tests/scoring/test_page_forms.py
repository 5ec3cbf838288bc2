"""Issue 14 and issue 11 (item 5) on the pages: every form is a Django form; garbage in a number answers
the page with the form's error (200) and changes nothing; prices typed the French way; answers,
committed values and decisions beside the scores; the `range` formula warning."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from scoring.models import Answer, AuditEvent, Bid, Consensus, Criterion, EliminatoryDecision, EvaluationState, Score
from tenders.models import Tender

from .conftest import build_tree
from .test_api_criteria import add_clause

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def page(tender, name):
    return f"/evaluation/tenders/{tender.pk}/{name}"


def snapshot():
    return (
        list(Criterion.objects.order_by("pk").values_list("pk", "name", "weight", "scale_max", "parent_id")),
        list(Bid.objects.order_by("pk").values_list("pk", "vendor", "price")),
        list(Consensus.objects.values_list("pk", "value")),
        list(Answer.objects.values_list("pk", "text")),
        list(EliminatoryDecision.objects.order_by("pk").values_list("pk", "decision")),
        list(EvaluationState.objects.values_list("low_offer_threshold", "reopened_at")),
        AuditEvent.objects.count(),
    )


def assert_form_error(response, *fragments):
    assert response.status_code == 200
    content = response.content.decode()
    for fragment in fragments:
        assert fragment in content, fragment


# One test per page form: garbage in a number (or an id) → 200 with the error, nothing changed ------------


@pytest.mark.parametrize(
    ("data", "label"),
    [
        ({"action": "add", "name": "X", "kind": "scored", "scale_max": "cinq"}, "Note maximale"),
        ({"action": "add", "name": "X", "kind": "scored", "parent": "abc"}, "Critère parent"),
        ({"action": "add", "name": "X", "kind": "scored", "weight": "beaucoup"}, "Poids (%)"),
        ({"action": "from_clauses", "price_weight": "quarante"}, "Poids du prix (%)"),
        ({"action": "delete", "criterion": "abc"}, "Critère"),
    ],
    ids=["scale_max", "parent", "weight", "price_weight", "delete"],
)
def test_the_criteria_forms_answer_garbage_with_a_form_error(tender, buyer, data, label):
    build_tree(tender)
    before = snapshot()
    assert_form_error(browser(buyer).post(page(tender, "criteria/"), data), label)
    assert snapshot() == before


def test_the_weights_form_answers_garbage_with_a_form_error(tender, buyer):
    criteria = build_tree(tender)
    before = snapshot()
    response = browser(buyer).post(
        page(tender, "criteria/"),
        {"action": "weights", f"weight-{criteria.api.pk}": "x", f"weight-{criteria.export.pk}": "10"},
    )
    assert_form_error(response, "API FHIR")
    assert snapshot() == before


def test_the_bid_form_keeps_what_was_typed_with_the_error(evaluation):
    before = snapshot()
    response = browser(evaluation.lead).post(
        page(evaluation.tender, "bids/"), {"vendor": "Éditeur Delta", "price": "1,200"}
    )
    assert_form_error(response, "Montant ambigu", 'value="Éditeur Delta"', 'value="1,200"')
    assert snapshot() == before


def test_the_import_form_answers_an_unknown_bid_with_a_form_error(evaluation):
    before = snapshot()
    upload = SimpleUploadedFile("r.xlsx", b"PK", content_type="application/octet-stream")
    response = browser(evaluation.lead).post(
        page(evaluation.tender, "bids/"), {"action": "import", "bid": "abc", "file": upload}
    )
    assert_form_error(response, "Offre : Choix inconnu pour ce marché.")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"), [("value", "quatre"), ("bid", "x"), ("criterion", "9999"), ("version", "v2")]
)
def test_the_consensus_form_answers_garbage_with_a_form_error(evaluation, field, value):
    data = {
        "bid": evaluation.alpha.pk,
        "criterion": evaluation.criteria.api.pk,
        "value": "4",
        "justification": "Accord",
    }
    data[field] = value
    before = snapshot()
    assert_form_error(browser(evaluation.lead).post(page(evaluation.tender, "consensus/"), data))
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "data", "label"),
    [
        ("low-offers/threshold/", {"threshold": "vingt"}, "Seuil (%)"),
        ("low-offers/request/", {"bid": "abc", "note": "x"}, "Offre"),
        ("low-offers/decision/", {"bid": "abc", "decision": "kept"}, "Offre"),
    ],
)
def test_the_low_offer_forms_answer_garbage_with_a_form_error(evaluation, name, data, label):
    before = snapshot()
    assert_form_error(browser(evaluation.lead).post(page(evaluation.tender, name), data), label)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value", "label"), [("step", "cinq", "Pas :"), ("bid-0-price", "beaucoup", "Prix de l&#x27;offre 1 :")]
)
def test_the_simulation_form_answers_garbage_with_a_form_error(tender, buyer, field, value, label):
    technical = Criterion.objects.create(tender=tender, name="Valeur technique", kind="scored", weight=60)
    Criterion.objects.create(tender=tender, name="Prix", kind="price", weight=40)
    data = {"bid-0-name": "A", "bid-0-price": "100 000", f"bid-0-c{technical.pk}": "3", "step": "5", field: value}
    response = browser(buyer).post(page(tender, "simulation/"), data)
    assert_form_error(response, label, value)
    assert "simulation-results" not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"), [("criterion", "abc"), ("decision", "peut-être"), ("regularisation_requested_on", "demain")]
)
def test_the_eliminatory_decision_form_answers_garbage_with_a_form_error(evaluation, field, value):
    data = {"action": "eliminatory", "criterion": evaluation.criteria.hds.pk, "decision": "compliant", field: value}
    before = snapshot()
    url = page(evaluation.tender, f"bids/{evaluation.alpha.pk}/")
    assert_form_error(browser(evaluation.lead).post(url, data))
    assert snapshot() == before


def test_the_evaluator_and_reopen_forms_answer_missing_input_with_a_form_error(evaluation):
    before = snapshot()
    assert_form_error(
        browser(evaluation.lead).post(page(evaluation.tender, "evaluators/"), {}), "Identifiant du membre"
    )
    assert_form_error(browser(evaluation.lead).post(page(evaluation.tender, "reopen/"), {"reason": ""}), "Motif")
    assert snapshot() == before


# Prices typed the French way, shown with thousands separators -----------------------------------------

PAGE_SPELLINGS = [
    ("1 200 000", "1200000.00"),
    ("1\u00a0200\u00a0000", "1200000.00"),
    ("1\u202f200\u202f000", "1200000.00"),
    ("1 200 000 €", "1200000.00"),
    ("1 200 000 EUR HT", "1200000.00"),
    ("1 200 000,50 € HT", "1200000.50"),
]


@pytest.mark.parametrize(("typed", "stored"), PAGE_SPELLINGS, ids=[s for s, _ in PAGE_SPELLINGS])
def test_the_bid_page_reads_a_price_as_people_write_it(evaluation, typed, stored):
    response = browser(evaluation.lead).post(page(evaluation.tender, "bids/"), {"vendor": "Delta", "price": typed})
    assert response.status_code == 302
    assert str(Bid.objects.get(vendor="Delta").price) == stored


def test_prices_show_with_thousands_separators(evaluation):
    Bid.objects.filter(pk=evaluation.alpha.pk).update(price="1200000.50")
    # The thousands separator is the French locale's (a no-break space, ordinary or narrow: config/formats).
    grouped = re.compile(r"1[\u00a0\u202f]200[\u00a0\u202f]000,50\u00a0€")
    content = browser(evaluation.lead).get(page(evaluation.tender, "bids/")).content.decode()
    assert grouped.search(content) and re.search(r"125[\u00a0\u202f]000\u00a0€", content)
    detail = browser(evaluation.lead).get(page(evaluation.tender, f"bids/{evaluation.alpha.pk}/")).content.decode()
    assert grouped.search(detail)


# Reading and scoring together -------------------------------------------------------------------------


def test_the_grid_shows_the_answer_committed_values_and_justification(evaluation):
    Answer.objects.create(
        bid=evaluation.alpha,
        criterion=evaluation.criteria.api,
        text="FHIR R4 complet",
        committed_values={"delai_jours": 30},
    )
    Score.objects.create(
        bid=evaluation.alpha,
        criterion=evaluation.criteria.api,
        evaluator=evaluation.eval1,
        value=4,
        comment="Démo réussie",
    )
    Tender.objects.filter(pk=evaluation.tender.pk).update(require_justification=True)
    content = browser(evaluation.eval1).get(page(evaluation.tender, "grid/")).content.decode()
    for text in ("FHIR R4 complet", "delai_jours", "30", "Démo réussie", 'data-require-justification="true"'):
        assert text in content, text
    # The eliminatory requirement is in the grid too, with the lead's decision (the fixture: compliant).
    assert 'id="eliminatory-grid"' in content and "Hébergement HDS" in content
    assert content.count('data-decision="compliant"') == 3


def test_the_grid_shows_the_rubric_in_the_order_its_author_gave(evaluation, library):
    rubric = [
        {"score": 5, "description": "Toutes les ressources"},
        {"score": 0, "description": "Aucune API"},
        {"score": 3, "description": "Ressources principales"},
    ]
    tender_clause = add_clause(evaluation.tender, library, "api", rubric=rubric)
    Criterion.objects.filter(pk=evaluation.criteria.api.pk).update(tender_clause=tender_clause)
    content = browser(evaluation.eval1).get(page(evaluation.tender, "grid/")).content.decode()
    row = re.search(rf'<tr data-criterion="{evaluation.criteria.api.pk}">.*?</template>', content, re.S).group(0)
    assert re.findall(r"<li><strong>(\d+)</strong> — ([^<]+)</li>", row) == [
        ("5", "Toutes les ressources"),
        ("0", "Aucune API"),
        ("3", "Ressources principales"),
    ]


def test_the_bid_page_shows_answers_and_lets_the_lead_decide(evaluation):
    EliminatoryDecision.objects.filter(bid=evaluation.bravo).delete()
    Answer.objects.create(
        bid=evaluation.bravo, criterion=evaluation.criteria.hds, text="Hébergeur en cours", compliant=False
    )
    Answer.objects.create(
        bid=evaluation.bravo,
        criterion=evaluation.criteria.api,
        text="API FHIR",
        committed_values={"disponibilite": "99,9 %"},
    )
    url = page(evaluation.tender, f"bids/{evaluation.bravo.pk}/")
    reader = browser(evaluation.eval1).get(url).content.decode()
    assert "Hébergeur en cours" in reader and "99,9 %" in reader and "se déclare non conforme" in reader
    assert "en cours (non décidée)" in reader and 'id="eliminatory-form"' not in reader
    lead = browser(evaluation.lead)
    assert 'id="eliminatory-form"' in lead.get(url).content.decode()
    missing = lead.post(
        url, {"action": "eliminatory", "criterion": evaluation.criteria.hds.pk, "decision": "non_compliant"}
    )
    assert_form_error(missing, "Qualifiez")
    response = lead.post(
        url,
        {
            "action": "eliminatory",
            "criterion": evaluation.criteria.hds.pk,
            "decision": "non_compliant",
            "qualification": "irregular",
            "reason": "Pas de certificat HDS.",
        },
    )
    assert response.status_code == 302
    decision = EliminatoryDecision.objects.get(bid=evaluation.bravo)
    assert (decision.decision, decision.qualification, decision.decided_by) == (
        "non_compliant",
        "irregular",
        evaluation.lead,
    )
    assert "Offre irrégulière" in lead.get(url).content.decode()
    assert browser(evaluation.eval1).post(url, {"action": "eliminatory"}).status_code == 403


def test_the_results_page_says_provisional_and_why_without_an_awardee(evaluation):
    EliminatoryDecision.objects.filter(bid=evaluation.bravo).delete()
    content = browser(evaluation.lead).get(page(evaluation.tender, "results/")).content.decode()
    assert 'id="results-blocking"' in content and "PROVISOIRE" in content
    assert 'data-code="eliminatory_undecided"' in content and 'data-code="evaluator_pending"' in content
    assert "Attributaire" not in content


def test_the_results_page_names_the_first_bid_only_once_final(evaluation):
    from .test_evaluation_additions import score_all

    score_all(evaluation)
    client = browser(evaluation.lead)
    pending = client.get(page(evaluation.tender, "results/")).content.decode()
    assert 'data-code="low_offer_pending"' in pending and 'id="results-awardee"' not in pending
    client.post(page(evaluation.tender, "low-offers/request/"), {"bid": evaluation.charlie.pk, "note": "Justifiez."})
    client.post(
        page(evaluation.tender, "low-offers/decision/"),
        {"bid": evaluation.charlie.pk, "decision": "kept", "reason": "Convaincant."},
    )
    closing = client.get(page(evaluation.tender, "results/")).content.decode()
    assert 'data-code="technical_open"' in closing and 'id="results-awardee"' not in closing
    client.post(page(evaluation.tender, "close-technical/"), {"confirm": "on"})
    final = client.get(page(evaluation.tender, "results/")).content.decode()
    assert 'id="results-blocking"' not in final
    assert "Résultats définitifs : offre classée première, Charlie." in final


@pytest.mark.usefixtures("scoring_settled")
def test_the_lead_reopens_and_closes_again_from_the_overview(evaluation):
    client = browser(evaluation.lead)
    client.post(page(evaluation.tender, "close-technical/"), {"confirm": "on"})
    assert 'id="reopen-form"' in client.get(page(evaluation.tender, "")).content.decode()
    assert (
        client.post(page(evaluation.tender, "reopen/"), {"reason": "Prix mal saisi", "confirm": "on"}).status_code
        == 302
    )
    overview = client.get(page(evaluation.tender, "")).content.decode()
    assert 'id="reopened"' in overview and "Prix mal saisi" in overview
    client.post(page(evaluation.tender, "close-technical/"), {"confirm": "on"})
    assert EvaluationState.objects.get().reopened_at is None


# The range formula ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["criteria/", "simulation/"])
def test_the_range_formula_carries_a_warning(tender, buyer, name):
    build_tree(tender)
    assert 'id="range-warning"' not in browser(buyer).get(page(tender, name)).content.decode()
    Tender.objects.filter(pk=tender.pk).update(price_formula="range")
    content = browser(buyer).get(page(tender, name)).content.decode()
    assert 'id="range-warning"' in content and "373362" in content


def test_the_bid_page_renders_answers_and_decisions_in_a_fixed_number_of_queries(evaluation):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            criterion = Criterion.objects.create(
                tender=evaluation.tender, name=f"E-{n}-{i}", kind="eliminatory", scale_max=1, position=20 + i
            )
            Answer.objects.create(bid=evaluation.alpha, criterion=criterion, text="Oui", compliant=True)
            EliminatoryDecision.objects.create(bid=evaluation.alpha, criterion=criterion, decision="compliant")
            Answer.objects.get_or_create(
                bid=evaluation.alpha, criterion=evaluation.criteria.api, defaults={"committed_values": {"k": i}}
            )

    def count():
        client = browser(evaluation.lead)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page(evaluation.tender, f"bids/{evaluation.alpha.pk}/")).status_code == 200
        return len(queries)

    add(1)
    small = count()
    add(6)
    assert count() == small

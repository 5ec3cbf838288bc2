"""The lead's pages: reveal, close and reopen act only on a confirmed post (a GET shows what follows; a post
without the box ticked changes nothing and says why); evaluators are picked among the organisation's members
with the evaluator role; the import's bid selector keeps the bid chosen."""

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from scoring.models import AuditEvent, EvaluationState, Evaluator

from ..factories import member

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def page(evaluation, name=""):
    return f"/evaluation/tenders/{evaluation.tender.pk}/{name}"


def text(response):
    return unescape(response.content.decode())


def state(evaluation):
    return EvaluationState.objects.filter(tender=evaluation.tender).first()


# Confirmations --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "consequence"),
    [
        ("reveal/", "Chaque évaluateur verra les notes et les commentaires des autres évaluateurs."),
        ("close-technical/", "Les prix deviennent visibles des évaluateurs."),
        ("reopen/", "Les résultats redeviennent provisoires"),
    ],
)
def test_a_get_shows_the_consequences_and_the_confirmation_box(evaluation, name, consequence):
    response = browser(evaluation.lead).get(page(evaluation, name))
    html = text(response)
    assert response.status_code == 200
    assert consequence in html and 'id="confirm-box" name="confirm" required' in html
    assert state(evaluation) is None or state(evaluation).revealed_at is None


@pytest.mark.usefixtures("scoring_settled")
def test_a_post_without_the_box_ticked_changes_nothing_and_says_why(evaluation):
    client = browser(evaluation.lead)
    before = AuditEvent.objects.count()
    for name in ("reveal/", "close-technical/"):
        response = client.post(page(evaluation, name), {})
        assert response.status_code == 200
        assert "Cochez la case de confirmation" in text(response) and "rien n'a été modifié" in text(response)
    assert state(evaluation) is None or (state(evaluation).revealed_at, state(evaluation).technical_closed_at) == (
        None,
        None,
    )
    assert AuditEvent.objects.count() == before
    # Ticked: each takes effect.
    client.post(page(evaluation, "reveal/"), {"confirm": "on"})
    client.post(page(evaluation, "close-technical/"), {"confirm": "on"})
    assert state(evaluation).revealed_at is not None and state(evaluation).technical_closed_at is not None


def test_a_reopening_without_the_box_ticked_keeps_the_reason_typed_and_changes_nothing(evaluation):
    EvaluationState.objects.update_or_create(tender=evaluation.tender, defaults={"technical_closed_at": timezone.now()})
    client = browser(evaluation.lead)
    response = client.post(page(evaluation, "reopen/"), {"reason": "Prix de Bravo mal saisi"})
    html = text(response)
    assert "Cochez la case de confirmation" in html and "Prix de Bravo mal saisi</textarea>" in html
    assert state(evaluation).reopened_at is None
    assert client.post(page(evaluation, "reopen/"), {"reason": "Prix mal saisi", "confirm": "on"}).status_code == 302
    assert state(evaluation).reopened_at is not None and state(evaluation).reopen_reason == "Prix mal saisi"


@pytest.mark.parametrize("name", ["reveal/", "close-technical/", "reopen/"])
def test_confirmation_pages_are_the_lead_s_only(evaluation, outsider, name):
    assert browser(evaluation.eval1).get(page(evaluation, name)).status_code == 403
    assert browser(evaluation.eval1).post(page(evaluation, name), {"confirm": "on", "reason": "x"}).status_code == 403
    assert browser(outsider).get(page(evaluation, name)).status_code == 404
    assert state(evaluation) is None or state(evaluation).revealed_at is None


def test_the_api_keeps_its_contract_without_a_confirmation(api, evaluation):
    assert api(evaluation.lead).post(f"/api/v1/tenders/{evaluation.tender.pk}/reveal/").status_code == 200
    assert state(evaluation).revealed_at is not None


def test_the_confirmation_page_speaks_english(evaluation):
    client = browser(evaluation.lead)
    client.cookies["django_language"] = "en"
    html = text(client.get(page(evaluation, "close-technical/")))
    assert "Prices become visible to the evaluators." in html


# The evaluator picker -------------------------------------------------------------------------------


def test_the_picker_lists_the_organisation_s_evaluators_not_yet_designated(evaluation, hospital, other_hospital):
    newcomer = member(hospital, "evaluator", username="eval3")
    newcomer.first_name, newcomer.last_name = "Inès", "Durand"
    newcomer.save()
    member(hospital, "buyer", username="buyer2")
    member(hospital, "curator", username="curator1")
    member(other_hospital, "evaluator", username="eval-elsewhere")
    html = text(browser(evaluation.lead).get(page(evaluation)))
    picker = html.split('id="evaluator-username"')[1].split("</select>")[0]
    assert '<option value="eval3">Inès Durand (eval3)</option>' in picker
    for absent in ("eval1", "eval2", "buyer2", "curator1", "eval-elsewhere"):
        assert f'value="{absent}"' not in picker
    response = browser(evaluation.lead).post(page(evaluation, "evaluators/"), {"username": "eval3"})
    assert response.status_code == 302
    assert Evaluator.objects.filter(tender=evaluation.tender, user=newcomer).exists()
    html = text(browser(evaluation.lead).get(page(evaluation)))
    assert 'id="no-evaluator-choice"' in html and 'id="evaluator-username"' not in html


def test_the_picker_is_shown_to_the_lead_only_and_a_name_from_elsewhere_is_refused(evaluation, other_hospital):
    assert 'id="evaluator-username"' not in text(browser(evaluation.eval1).get(page(evaluation)))
    member(other_hospital, "evaluator", username="eval-elsewhere")
    response = browser(evaluation.lead).post(
        page(evaluation, "evaluators/"), {"username": "eval-elsewhere"}, follow=True
    )
    assert "Aucun membre de l'organisation" in text(response)
    assert not Evaluator.objects.filter(user__username="eval-elsewhere").exists()


# The bid selector -----------------------------------------------------------------------------------


def selected(html):
    picker = html.split('id="import-bid"')[1].split("</select>")[0]
    return [chunk.split('"')[1] for chunk in picker.split("<option value=")[1:] if "selected" in chunk.split(">")[0]]


def test_the_bid_selector_keeps_its_choice_after_an_import_and_after_a_refused_form(evaluation):
    client = browser(evaluation.lead)
    bravo = str(evaluation.bravo.pk)
    # A file that is not a workbook: the import is refused, the page comes back on Bravo.
    response = client.post(
        page(evaluation, "bids/"),
        {"action": "import", "bid": bravo, "file": SimpleUploadedFile("r.xlsx", b"not a workbook")},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"?bid={bravo}")
    assert selected(text(response)) == [bravo]
    # No file at all: the form's error, on the same page, Bravo still chosen.
    response = client.post(page(evaluation, "bids/"), {"action": "import", "bid": bravo})
    assert response.status_code == 200 and selected(text(response)) == [bravo]


def test_the_overview_reads_the_picker_in_a_fixed_number_of_queries(evaluation, hospital):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        client = browser(evaluation.lead)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page(evaluation)).status_code == 200
        return len(queries)

    member(hospital, "evaluator", username="eval3")
    small = count()
    for n in range(10):
        member(hospital, "evaluator", username=f"eval-extra-{n}")
    assert count() == small
    assert text(browser(evaluation.lead).get(page(evaluation))).count('<option value="eval-extra-') == 10


def test_the_close_confirmation_lists_what_would_make_the_close_refused(evaluation):
    from .test_api_results import fill

    fill(evaluation)
    from scoring.models import Consensus

    Consensus.objects.all().delete()
    html = text(browser(evaluation.lead).get(page(evaluation, "close-technical/")))
    still_open = html.split('id="still-open"')[1].split("</section>")[0]
    assert "Bravo (API FHIR)" in still_open
    Consensus.objects.create(
        bid=evaluation.bravo, criterion=evaluation.criteria.api, value=2, justification="Revue ensemble"
    )
    assert 'id="still-open"' not in text(browser(evaluation.lead).get(page(evaluation, "close-technical/")))

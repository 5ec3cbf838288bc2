"""Close-technical is refused (409, listing what is open) while a scored cell has no score or a dispersed
cell has no consensus: once closed, scores freeze and a consensus needs a logged reopening."""

import pytest
from django.test import Client

from scoring.models import Consensus, EvaluationState, Score

from .test_evaluation_additions import score_all

pytestmark = pytest.mark.django_db


def close(api, evaluation):
    return api(evaluation.lead).post(f"/api/v1/tenders/{evaluation.tender.pk}/close-technical/")


def test_it_refuses_while_cells_are_unscored_naming_who_and_how_many(api, evaluation):
    score_all(evaluation)
    Score.objects.filter(evaluator=evaluation.eval2, bid=evaluation.alpha).delete()
    response = close(api, evaluation)
    assert response.status_code == 409
    body = response.json()
    assert "ne peut pas être close" in str(body["detail"])
    assert any("3 note(s) manquante(s)" in item for item in body["open"])
    assert EvaluationState.objects.filter(technical_closed_at__isnull=False).count() == 0


def test_it_refuses_while_a_dispersed_cell_has_no_consensus_then_closes(api, evaluation):
    score_all(evaluation)
    Score.objects.filter(evaluator=evaluation.eval2, bid=evaluation.bravo, criterion=evaluation.criteria.api).update(
        value=0
    )
    response = close(api, evaluation)
    assert response.status_code == 409
    assert any("Bravo (API FHIR)" in item for item in response.json()["open"]), response.json()
    Consensus.objects.create(
        bid=evaluation.bravo, criterion=evaluation.criteria.api, value=2, justification="Démo revue ensemble"
    )
    assert close(api, evaluation).status_code == 200


def test_the_overview_s_close_button_lists_what_is_open_on_the_consensus_page(evaluation):
    client = Client()
    client.force_login(evaluation.lead)
    response = client.post(
        f"/evaluation/tenders/{evaluation.tender.pk}/close-technical/", {"confirm": "on"}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/consensus/")
    assert "ne peut pas être close" in html and "note(s) manquante(s)" in html
    assert not EvaluationState.objects.filter(technical_closed_at__isnull=False).exists()


def test_reveal_close_and_reopen_ask_for_a_confirmation(evaluation):
    client = Client()
    client.force_login(evaluation.lead)
    html = client.get(f"/evaluation/tenders/{evaluation.tender.pk}/").content.decode()
    for name in ("reveal-confirm", "close-confirm"):
        assert f'id="{name}" name="confirm" required' in html
    EvaluationState.objects.update_or_create(
        tender=evaluation.tender, defaults={"technical_closed_at": "2026-11-20T10:00:00Z"}
    )
    html = client.get(f"/evaluation/tenders/{evaluation.tender.pk}/").content.decode()
    assert 'id="reopen-confirm" name="confirm" required' in html

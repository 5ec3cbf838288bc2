"""Issue 17: the evaluation pages speak in labels, and show no tab that leads to a refusal."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import Client, RequestFactory

from organizations.errors import ApplicationError
from scoring.models import Criterion, EvaluationState, Evaluator
from scoring.views.common import flash

from .conftest import build_tree

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def flashed(errors):
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    flash(request, ApplicationError(errors))
    return [str(message) for message in get_messages(request)]


def test_service_errors_are_prefixed_by_the_label_never_the_key():
    assert flashed(
        {
            "price": ["Le prix doit être strictement positif."],
            "criteria": ["Les pondérations ne totalisent pas 100 %."],
            "internal_key": ["Un message."],
        }
    ) == [
        "Prix : Le prix doit être strictement positif.",
        "Les pondérations ne totalisent pas 100 %.",
        "Un message.",
    ]


def test_a_refused_declaration_names_the_declaration_not_no_conflict(evaluation):
    Evaluator.objects.filter(user=evaluation.eval1).update(declared_at=None)
    response = browser(evaluation.eval1).post(f"/evaluation/tenders/{evaluation.tender.pk}/declaration/", follow=True)
    content = response.content.decode()
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [
        "Déclaration d'absence de conflit d'intérêts : "
        "Seule une déclaration d'absence de conflit d'intérêts permet de noter."
    ]
    assert "no_conflict :" not in content


def results_tab(user, tender):
    content = browser(user).get(f"/evaluation/tenders/{tender.pk}/grid/").content.decode()
    return f'href="/evaluation/tenders/{tender.pk}/results/"' in content


def test_the_results_tab_shows_only_to_those_who_may_read_the_results(evaluation):
    assert results_tab(evaluation.eval1, evaluation.tender) is False
    tender = evaluation.tender
    tender.sealed_price = False
    tender.save(update_fields=["sealed_price"])
    EvaluationState.objects.update_or_create(tender=tender, defaults={"revealed_at": "2026-01-01T10:00:00Z"})
    assert results_tab(evaluation.eval1, tender) is True
    lead = browser(evaluation.lead).get(f"/evaluation/tenders/{tender.pk}/").content.decode()
    assert f'href="/evaluation/tenders/{tender.pk}/results/"' in lead


def test_weights_that_do_not_sum_to_100_save_with_a_warning_not_a_plain_success(tender, buyer):
    criteria = build_tree(tender)
    weights = {f"weight-{criteria.api.pk}": "60", f"weight-{criteria.export.pk}": "30"}
    response = browser(buyer).post(
        f"/evaluation/tenders/{tender.pk}/criteria/", {"action": "weights", **weights}, follow=True
    )
    shown = [(message.level_tag, str(message)) for message in response.context["messages"]]
    assert shown == [
        (
            "warning",
            "Pondérations enregistrées. Les pondérations du niveau « Valeur technique » totalisent 110 % : "
            "la publication sera refusée tant qu'elles ne totalisent pas 100 %.",
        )
    ]
    assert Criterion.objects.get(pk=criteria.api.pk).weight == 60
    # The page keeps saying it next to the level's sum (and scoring.js rewrites it as the lead types).
    assert "totalisent 110 % : la publication sera refusée" in response.content.decode().replace("&#x27;", "'")


def test_weights_that_sum_to_100_save_with_a_success(tender, buyer):
    criteria = build_tree(tender)
    response = browser(buyer).post(
        f"/evaluation/tenders/{tender.pk}/criteria/",
        {"action": "weights", f"weight-{criteria.api.pk}": "40", f"weight-{criteria.export.pk}": "40"},
        follow=True,
    )
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [("success", "Pondérations enregistrées.")]

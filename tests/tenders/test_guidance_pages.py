"""Recommended sets and the completeness panel, in the pages (the API side is in test_guidance.py)."""

import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from clause_library.defaults import DEFAULT_LIBRARY_FR
from clause_library.models import Library
from clause_library.services import library_import
from tenders.models import Tender, TenderClause
from tenders.services import tender_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def default_library(group, curator, hospital):
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    library = library_import(user=curator, organization=group, data=data)
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    return library


@pytest.fixture
def draft(hospital, buyer):
    return tender_create(
        single_lot_reason="Prestation indivisible.", user=buyer, organization=hospital, reference="AO-1", title="DPI"
    )


def set_keys(name):
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    return next(s for s in data["sets"] if s["key"] == name)["clauses"]


def editor(tender, anchor=""):
    return reverse("tenders:tender_editor", args=[tender.pk]) + (f"#{anchor}" if anchor else "")


def panel(content):
    """The topics of the completeness panel: {key: covered}, and the summary line."""
    aside = re.search(r'<aside class="card mb-4 completeness".*?</aside>', content, re.S).group(0)
    topics = dict(re.findall(r'data-topic="([^"]+)" data-covered="(true|false)"', aside))
    summary = re.search(r'id="completeness-summary"><strong>([^<]+)</strong>', aside).group(1)
    return {key: value == "true" for key, value in topics.items()}, summary, aside


def test_it_creates_a_tender_from_a_recommended_set(client, buyer, hospital, default_library):
    client.force_login(buyer)
    form = client.get(reverse("tenders:tender_create")).content.decode()
    assert "Partir d&#x27;un ensemble recommandé" in form
    value = f"{default_library.pk}:patient-record-recommended"
    assert f'<option value="{value}">Dossier patient — Recommandé</option>' in form
    for label in ("Laboratoire — Essentiel", "Imagerie — Avancé", "Pharmacie", "Télésurveillance", "Tout logiciel"):
        assert label in form

    response = client.post(
        reverse("tenders:tender_create"),
        {
            "organization": hospital.pk,
            "reference": "AO-SET",
            "title": "DPI",
            "procedure": "open",
            "price_formula": "linear",
            "language": "fr",
            "start_set": value,
        },
    )
    tender = Tender.objects.get(reference="AO-SET")
    assert response.status_code == 302 and response["Location"] == editor(tender, "completeness")
    keys = set_keys("patient-record-recommended")
    assert list(tender.clauses.order_by("position").values_list("clause__key", flat=True)) == keys

    content = client.get(response["Location"]).content.decode()
    assert f"{len(keys)} clauses ajoutées" in content
    topics, summary, _aside = panel(content)
    assert summary == "39 / 39 thèmes couverts" and len(topics) == 39 and all(topics.values())


def test_it_creates_an_empty_tender_without_a_set_and_refuses_an_unknown_one(client, buyer, hospital, default_library):
    client.force_login(buyer)
    base = {
        "organization": hospital.pk,
        "reference": "AO-VIDE",
        "title": "DPI",
        "procedure": "open",
        "price_formula": "linear",
        "language": "fr",
    }
    assert client.post(reverse("tenders:tender_create"), {**base, "start_set": ""}).status_code == 302
    assert Tender.objects.get(reference="AO-VIDE").clauses.count() == 0
    response = client.post(reverse("tenders:tender_create"), {**base, "reference": "AO-X", "start_set": "999:nope"})
    assert response.status_code == 400 and not Tender.objects.filter(reference="AO-X").exists()


def test_it_groups_the_sets_by_library_when_several_hold_some(client, buyer, hospital, default_library, group, curator):
    data = json.loads(DEFAULT_LIBRARY_FR.read_text(encoding="utf-8"))
    data["name"] = "Autre bibliothèque"
    other = library_import(user=curator, organization=group, data=data)
    other.visibility = Library.Visibility.SHARED
    other.save()
    other.shared_with.add(hospital)
    client.force_login(buyer)
    form = client.get(reverse("tenders:tender_create")).content.decode()
    assert (
        f'<optgroup label="{escape(default_library.name)}">' in form and '<optgroup label="Autre bibliothèque">' in form
    )


def test_the_panel_lists_every_topic_as_the_api_does(client, api, buyer, default_library, draft):
    api(buyer).post(
        f"/api/v1/tenders/{draft.pk}/apply-set/", {"library": default_library.pk, "set": "lab-essential"}, format="json"
    )
    data = api(buyer).get(f"/api/v1/tenders/{draft.pk}/completeness/").data
    client.force_login(buyer)
    topics, summary, aside = panel(client.get(editor(draft)).content.decode())
    assert topics == {topic["key"]: topic["covered"] for topic in data["topics"]}
    assert list(topics) == [topic["key"] for topic in data["topics"]]  # same order too
    assert 0 < data["covered"] < data["total"] == 39
    assert summary == f"{data['covered']} / {data['total']} thèmes couverts"
    # Each row says in words whether it is covered, not only with the ✓ / ✗ (hidden from screen readers).
    assert aside.count("Couvert :") == data["covered"]
    assert aside.count("Manquant :") == data["total"] - data["covered"]
    assert aside.count('aria-hidden="true">✓') == data["covered"]
    # Every gap with a recommended clause not yet in the tender has its one-click button.
    addable = [
        t
        for t in data["topics"]
        if not t["covered"] and t["recommended_clause"] and not t["recommended_clause_in_tender"]
    ]
    assert addable and aside.count("Ajouter la clause recommandée") == len(addable)
    for topic in addable:
        assert f'name="clause" value="{topic["recommended_clause"]}"' in aside


def test_the_one_click_add_closes_the_gap(client, api, buyer, default_library, draft):
    api(buyer).post(
        f"/api/v1/tenders/{draft.pk}/apply-set/",
        {"library": default_library.pk, "set": "patient-record-recommended"},
        format="json",
    )
    full = api(buyer).get(f"/api/v1/tenders/{draft.pk}/completeness/").data
    topic = next(t for t in full["topics"] if len(t["tender_clauses"]) == 1)
    client.force_login(buyer)
    tender_clause = TenderClause.objects.get(pk=topic["tender_clauses"][0])
    client.post(reverse("tenders:tender_clause_remove", args=[draft.pk, tender_clause.pk]))

    topics, summary, aside = panel(client.get(editor(draft)).content.decode())
    assert topics[topic["key"]] is False and summary == "38 / 39 thèmes couverts"
    assert f'À compléter :\n      <a href="#topic-{topic["key"]}">{escape(topic["title"])}</a></p>' in aside
    assert aside.count("Ajouter la clause recommandée") == 1

    response = client.post(
        reverse("tenders:tender_clause_add", args=[draft.pk]),
        {"clause": topic["recommended_clause"], "next": "completeness"},
    )
    assert response.status_code == 302 and response["Location"] == editor(draft, "completeness")
    topics, summary, aside = panel(client.get(response["Location"]).content.decode())
    assert all(topics.values()) and summary == "39 / 39 thèmes couverts"
    assert "Ajouter la clause recommandée" not in aside


def test_it_adds_a_set_from_the_editor(client, buyer, default_library, draft):
    client.force_login(buyer)
    content = client.get(editor(draft)).content.decode()
    assert "Ajouter un ensemble" in content and 'for="set-apply-set"' in content
    url = reverse("tenders:tender_set_apply", args=[draft.pk])
    response = client.post(url, {"set": f"{default_library.pk}:any-essential"})
    assert response.status_code == 302 and response["Location"] == editor(draft, "completeness")
    assert list(draft.clauses.order_by("position").values_list("clause__key", flat=True)) == set_keys("any-essential")
    # Again: nothing new, and the page says so.
    client.post(url, {"set": f"{default_library.pk}:any-essential"})
    assert "Déjà ajoutée" in client.get(editor(draft)).content.decode()
    # A set outside the choices, or none, is refused without touching the tender.
    count = draft.clauses.count()
    assert 'value="" selected>Choisissez un ensemble' in client.get(editor(draft)).content.decode()
    for value in ("999:nope", ""):
        assert client.post(url, {"set": value}).status_code == 302
        assert draft.clauses.count() == count
    assert "Choisissez un ensemble recommandé parmi ceux proposés." in client.get(editor(draft)).content.decode()


def test_another_organisation_gets_404(client, outsider, default_library, draft):
    client.force_login(outsider)
    assert client.get(editor(draft)).status_code == 404
    clause = default_library.clauses.get(key="fhir-api-rest-r4")
    assert (
        client.post(
            reverse("tenders:tender_clause_add", args=[draft.pk]), {"clause": clause.pk, "next": "completeness"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("tenders:tender_set_apply", args=[draft.pk]), {"set": f"{default_library.pk}:any-essential"}
        ).status_code
        == 404
    )
    assert draft.clauses.count() == 0


def test_an_evaluator_sees_the_panel_without_buttons_and_cannot_add(client, evaluator, default_library, draft):
    client.force_login(evaluator)
    content = client.get(editor(draft)).content.decode()
    topics, summary, aside = panel(content)
    assert len(topics) == 39 and summary == "0 / 39 thèmes couverts"
    assert "Ajouter la clause recommandée" not in aside and "Ajouter un ensemble" not in content
    clause = default_library.clauses.get(key="fhir-api-rest-r4")
    assert (
        client.post(
            reverse("tenders:tender_clause_add", args=[draft.pk]), {"clause": clause.pk, "next": "completeness"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("tenders:tender_set_apply", args=[draft.pk]), {"set": f"{default_library.pk}:any-essential"}
        ).status_code
        == 403
    )
    assert draft.clauses.count() == 0


def test_a_published_tender_shows_no_add_buttons(client, buyer, default_library, draft):
    from tenders.services import tender_clause_add, tender_publish

    tender_clause_add(user=buyer, tender=draft, clause=default_library.clauses.get(key="fhir-api-rest-r4"))
    tender_publish(user=buyer, tender=draft)
    client.force_login(buyer)
    topics, _summary, aside = panel(client.get(editor(draft)).content.decode())
    assert len(topics) == 39 and not all(topics.values())
    assert "Ajouter la clause recommandée" not in aside and "Ajouter un ensemble" not in aside


@pytest.mark.parametrize("set_key", ["any-essential", "patient-record-advanced"])
def test_it_pins_the_editor_query_count_with_the_panel(
    client, buyer, default_library, draft, set_key, django_assert_num_queries
):
    from tenders.guidance import tender_set_apply

    tender_set_apply(user=buyer, tender=draft, library_id=default_library.pk, set_key=set_key)
    client.force_login(buyer)
    client.get(editor(draft))
    # test_pages' sixteen (the library keys the composition guard reads and the lots among them), plus two once a
    # library has topics (the panel then reads them and the recommended clauses): the same for a small and a large set.
    with django_assert_num_queries(18):
        response = client.get(editor(draft) + "?q=FHIR")
    assert response.status_code == 200

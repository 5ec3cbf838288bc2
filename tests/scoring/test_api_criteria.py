from decimal import Decimal

import pytest

from clause_library.models import Clause
from scoring.models import AuditEvent, Criterion
from tenders.models import TenderClause

from ..factories import make_clause
from .conftest import build_tree, publish

pytestmark = pytest.mark.django_db


def url(tender):
    return f"/api/v1/tenders/{tender.pk}/criteria/"


def test_it_creates_a_criteria_tree_as_the_buyer(api, buyer, tender):
    client = api(buyer)
    top = client.post(url(tender), {"name": "Valeur technique", "kind": "scored", "weight": 60}, format="json")
    assert top.status_code == 201, top.json()
    child = client.post(
        url(tender), {"name": "API", "kind": "scored", "weight": 100, "parent": top.json()["id"]}, format="json"
    )
    assert child.status_code == 201
    assert child.json() == {
        "id": child.json()["id"],
        "parent": top.json()["id"],
        "name": "API",
        "kind": "scored",
        "weight": 100.0,
        "scale_max": 5,
        "tender_clause": None,
        "position": 1,
        "lot": None,
    }
    listing = client.get(url(tender)).json()
    assert listing["count"] == 2
    assert [c["name"] for c in listing["results"]] == ["Valeur technique", "API"]


def test_it_lets_members_read_but_not_change_criteria(api, evaluator, tender):
    build_tree(tender)
    client = api(evaluator)
    assert client.get(url(tender)).json()["count"] == 6
    response = client.post(url(tender), {"name": "x", "kind": "scored", "weight": 10}, format="json")
    assert response.status_code == 403


def test_it_hides_another_organisations_criteria(api, outsider, tender):
    criteria = build_tree(tender)
    client = api(outsider)
    assert client.get(url(tender)).status_code == 404
    assert client.post(url(tender), {"name": "x", "kind": "scored", "weight": 10}, format="json").status_code == 404
    assert client.patch(f"/api/v1/criteria/{criteria.api.pk}/", {"weight": 1}, format="json").status_code == 404
    assert client.delete(f"/api/v1/criteria/{criteria.api.pk}/").status_code == 404
    assert Criterion.objects.filter(tender=tender).count() == 6


def test_it_refuses_a_weight_on_an_eliminatory_criterion(api, buyer, tender):
    response = api(buyer).post(url(tender), {"name": "HDS", "kind": "eliminatory", "weight": 10}, format="json")
    assert response.status_code == 400
    assert "weight" in response.json()


def test_it_refuses_a_second_price_criterion_and_a_nested_one(api, buyer, tender):
    criteria = build_tree(tender)
    client = api(buyer)
    second = client.post(url(tender), {"name": "Prix 2", "kind": "price", "weight": 10}, format="json")
    assert second.status_code == 400 and "kind" in second.json()
    nested = client.post(
        url(tender), {"name": "Prix", "kind": "price", "weight": 10, "parent": criteria.technical.pk}, format="json"
    )
    assert nested.status_code == 400


def test_it_refuses_a_parent_from_another_tender(api, buyer, tender, hospital):
    from .conftest import make_tender

    foreign = build_tree(make_tender(hospital, reference="AO-2"))
    response = api(buyer).post(
        url(tender), {"name": "x", "kind": "scored", "weight": 10, "parent": foreign.technical.pk}, format="json"
    )
    assert response.status_code == 400 and "parent" in response.json()


def test_it_updates_a_weight_and_audits_it(api, buyer, tender):
    criteria = build_tree(tender)
    response = api(buyer).patch(f"/api/v1/criteria/{criteria.api.pk}/", {"weight": 45}, format="json")
    assert response.status_code == 200 and response.json()["weight"] == 45.0
    event = AuditEvent.objects.get(action="criterion.update")
    assert (event.user, event.field, event.old, event.new) == (buyer, "weight", 50.0, 45.0)


def test_it_answers_409_when_criteria_change_after_publish(api, buyer, tender):
    criteria = build_tree(tender)
    publish(tender)
    client = api(buyer)
    assert client.patch(f"/api/v1/criteria/{criteria.api.pk}/", {"weight": 45}, format="json").status_code == 409
    assert client.post(url(tender), {"name": "x", "kind": "scored", "weight": 10}, format="json").status_code == 409
    assert client.delete(f"/api/v1/criteria/{criteria.api.pk}/").status_code == 409
    assert Criterion.objects.get(pk=criteria.api.pk).weight == 50


def test_it_deletes_a_criterion_with_its_children(api, buyer, tender):
    criteria = build_tree(tender)
    assert api(buyer).delete(f"/api/v1/criteria/{criteria.technical.pk}/").status_code == 204
    assert sorted(Criterion.objects.filter(tender=tender).values_list("name", flat=True)) == ["Hébergement HDS", "Prix"]


def test_it_lists_criteria_in_a_fixed_number_of_queries(api, buyer, tender, django_assert_num_queries):
    fresh = type(buyer).objects.get  # a fresh user object each time: no roles cached from an earlier request
    build_tree(tender)
    client = api(fresh(pk=buyer.pk))
    with django_assert_num_queries(4):  # roles, tender, count, page
        client.get(url(tender), {"page_size": 5})
    for n in range(20):
        Criterion.objects.create(tender=tender, name=f"c{n}", kind="eliminatory")
    client = api(fresh(pk=buyer.pk))
    with django_assert_num_queries(4):
        assert client.get(url(tender), {"page_size": 5}).json()["count"] == 26


def add_clause(tender, library, key, **content):
    clause = make_clause(library, key=key, **content)
    clause = Clause.objects.select_related("current").get(pk=clause.pk)
    return TenderClause.objects.create(
        tender=tender,
        version=clause.current,
        clause=clause,
        position=TenderClause.objects.filter(tender=tender).count() + 1,
    )


def test_it_builds_the_default_tree_from_the_clauses(api, buyer, tender, library):
    api_clause = add_clause(tender, library, "api", title="API FHIR", requirement="scored", default_weight=10)
    bulk = add_clause(tender, library, "bulk", title="Bulk FHIR", requirement="scored", default_weight=10)
    doc = add_clause(tender, library, "doc", title="Documentation", requirement="scored", default_weight=10)
    hds = add_clause(tender, library, "hds", title="Hébergement HDS", requirement="mandatory", default_weight=None)
    add_clause(tender, library, "info", title="Contexte", requirement="informative", default_weight=None)
    response = api(buyer).post(f"{url(tender)}from-clauses/", {"price_weight": 30}, format="json")
    assert response.status_code == 201, response.json()
    rows = {c["name"]: c for c in response.json()["results"]}
    assert set(rows) == {"Valeur technique", "API FHIR", "Bulk FHIR", "Documentation", "Prix", "Hébergement HDS"}
    assert rows["Valeur technique"]["weight"] == 70.0 and rows["Prix"]["weight"] == 30.0
    technical = rows["Valeur technique"]["id"]
    children = [rows[name] for name in ("API FHIR", "Bulk FHIR", "Documentation")]
    # Rounded to sum exactly 100 and so that each weight in the final mark is whole cents (70 × 33.4 % =
    # 23.38 %): the RC prints the weights scoring applies (issue 22, item 5).
    assert [c["weight"] for c in children] == [33.4, 33.3, 33.3]
    assert [Decimal(str(c["weight"])) * 70 / 100 for c in children] == [
        Decimal("23.38"),
        Decimal("23.31"),
        Decimal("23.31"),
    ]
    assert all(c["parent"] == technical for c in children)
    assert [c["tender_clause"] for c in children] == [api_clause.pk, bulk.pk, doc.pk]
    assert rows["Hébergement HDS"]["kind"] == "eliminatory" and rows["Hébergement HDS"]["weight"] is None
    assert rows["Hébergement HDS"]["tender_clause"] == hds.pk


def test_it_refuses_to_overwrite_criteria_unless_asked(api, buyer, tender, library):
    add_clause(tender, library, "api", requirement="scored", default_weight=10)
    build_tree(tender)
    client = api(buyer)
    assert client.post(f"{url(tender)}from-clauses/", {}, format="json").status_code == 409
    response = client.post(f"{url(tender)}from-clauses/", {"replace": True}, format="json")
    assert response.status_code == 201
    assert Criterion.objects.filter(tender=tender).count() == 3  # technical, one sub-criterion, price


def test_it_forbids_building_criteria_for_an_evaluator(api, evaluator, tender):
    assert api(evaluator).post(f"{url(tender)}from-clauses/", {}, format="json").status_code == 403

import pytest

from tenders.models import Tender

from .conftest import add_clause

pytestmark = pytest.mark.django_db


def test_it_publishes_a_complete_tender(api, buyer, tender, clause):
    add_clause(tender, clause)
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/publish/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "published"
    assert response.json()["published_at"]
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED


def test_it_refuses_to_publish_an_empty_tender(api, buyer, tender):
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/publish/")
    assert response.status_code == 400
    assert "clauses" in response.json()


def test_it_refuses_to_publish_with_a_required_value_missing(api, buyer, tender, visible_library):
    from ..factories import make_clause

    clause = make_clause(
        visible_library,
        key="k",
        body="Pour {{ etablissement }}.",
        parameters=[
            {"name": "etablissement", "label": "Établissement", "type": "text", "required": True},
        ],
    )
    add_clause(tender, clause)  # written directly, as an older row could be
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/publish/")
    assert response.status_code == 400
    assert "etablissement" in response.json()["parameters"]


def test_it_answers_409_to_every_change_after_publish(api, buyer, tender, clause):
    tender_clause = add_clause(tender, clause)
    client = api(buyer)
    assert client.post(f"/api/v1/tenders/{tender.pk}/publish/").status_code == 200
    base = f"/api/v1/tenders/{tender.pk}/"
    responses = {
        "patch tender": client.patch(base, {"title": "Autre"}, format="json"),
        "tender parameters": client.patch(base, {"parameters": {"a": 1}}, format="json"),
        "delete tender": client.delete(base),
        "publish again": client.post(base + "publish/"),
        "add clause": client.post(base + "clauses/", {"clause": clause.pk}, format="json"),
        "change values": client.patch(
            base + f"clauses/{tender_clause.pk}/", {"parameters": {"delai_jours": 10}}, format="json"
        ),
        "move clause": client.patch(base + f"clauses/{tender_clause.pk}/", {"position": 0}, format="json"),
        "remove clause": client.delete(base + f"clauses/{tender_clause.pk}/"),
        "add criterion": client.post(base + "criteria/", {"name": "X", "kind": "scored", "weight": 100}, format="json"),
    }
    assert {name: r.status_code for name, r in responses.items()} == {name: 409 for name in responses}
    assert "publié" in responses["add clause"].json()["detail"]
    tender.refresh_from_db()
    assert tender.title != "Autre" and tender.clauses.count() == 1
    # Documents can still be asked for: they change nothing.
    assert client.get(base + "clauses/").status_code == 200


def test_it_lets_scoring_use_ensure_draft(tender):
    from organizations.errors import ConflictError
    from tenders.services import ensure_draft

    ensure_draft(tender)
    tender.status = Tender.Status.PUBLISHED
    with pytest.raises(ConflictError):
        ensure_draft(tender)


def test_it_refuses_to_publish_criteria_that_do_not_add_up(api, buyer, tender, clause):
    from scoring.models import Criterion

    add_clause(tender, clause)
    Criterion.objects.create(tender=tender, name="Valeur technique", kind="scored", weight=60)
    response = api(buyer).post(f"/api/v1/tenders/{tender.pk}/publish/")
    assert response.status_code == 400
    assert "60" in str(response.json()["criteria"])
    tender.refresh_from_db()
    assert tender.status == "draft"

import pytest

from clause_library.services import clause_update
from tenders.models import TenderClause

from ..factories import make_clause
from .conftest import add_clause, make_clauses

pytestmark = pytest.mark.django_db

CLAUSE_FIELDS = {
    "id",
    "clause",
    "clause_version",
    "position",
    "title",
    "category",
    "requirement",
    "parameters",
    "rendered_body",
    "lots",
}


def url(tender, suffix=""):
    return f"/api/v1/tenders/{tender.pk}/clauses/{suffix}"


def test_it_adds_a_clause_with_every_field(api, buyer, tender, clause):
    response = api(buyer).post(url(tender), {"clause": clause.pk, "parameters": {"delai_jours": 45}}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == CLAUSE_FIELDS
    assert body["clause"] == clause.pk
    assert body["clause_version"] == 1
    assert body["position"] == 0
    assert body["title"] == "Accès à l'API FHIR"
    assert body["parameters"] == {"delai_jours": 45}
    assert '<span class="param">45</span>' in body["rendered_body"]
    assert '<span class="param">4.0.1</span>' in body["rendered_body"]  # the default
    assert "{{" not in body["rendered_body"]


def test_it_lists_clauses_in_order(api, buyer, tender, visible_library):
    first, second = make_clauses(visible_library, 2)
    add_clause(tender, second, position=0)
    add_clause(tender, first, position=1)
    body = api(buyer).get(url(tender)).json()
    assert body["count"] == 2
    assert [row["clause"] for row in body["results"]] == [second.pk, first.pk]


def test_it_inserts_at_a_position_and_reorders(api, buyer, tender, visible_library):
    clauses = make_clauses(visible_library, 3)
    client = api(buyer)
    ids = [client.post(url(tender), {"clause": c.pk}, format="json").json()["id"] for c in clauses[:2]]
    inserted = client.post(url(tender), {"clause": clauses[2].pk, "position": 0}, format="json").json()
    assert inserted["position"] == 0
    order = [row["id"] for row in client.get(url(tender)).json()["results"]]
    assert order == [inserted["id"], *ids]
    moved = client.patch(url(tender, f"{inserted['id']}/"), {"position": 2}, format="json")
    assert moved.status_code == 200 and moved.json()["position"] == 2
    assert [row["id"] for row in client.get(url(tender)).json()["results"]] == [*ids, inserted["id"]]
    assert client.delete(url(tender, f"{ids[0]}/")).status_code == 204
    assert [(row["id"], row["position"]) for row in client.get(url(tender)).json()["results"]] == [
        (ids[1], 0),
        (inserted["id"], 1),
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"delai_jours": 400}, "doit être au plus 365."),
        ({"delai_jours": 0}, "doit être au moins 1."),
        ({"delai_jours": "trente"}, "nombre entier attendu."),
        ({"fhir_version": "3.0"}, "n'est pas un choix possible"),
    ],
)
def test_it_refuses_a_wrong_value_naming_the_parameter(api, buyer, tender, clause, values, message):
    response = api(buyer).post(url(tender), {"clause": clause.pk, "parameters": values}, format="json")
    assert response.status_code == 400
    errors = response.json()["parameters"]
    name = next(iter(values))
    assert list(errors) == [name]
    assert message in errors[name][0]
    assert not TenderClause.objects.exists()


def test_it_refuses_a_missing_required_value(api, buyer, tender, visible_library):
    clause = make_clause(
        visible_library,
        key="sans-defaut",
        parameters=[
            {"name": "etablissement", "label": "Établissement", "type": "text", "required": True},
        ],
        body="Le titulaire livre {{ etablissement }}.",
    )
    response = api(buyer).post(url(tender), {"clause": clause.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"parameters": {"etablissement": ["valeur obligatoire manquante."]}}


def test_it_takes_a_missing_value_from_the_tender(api, buyer, tender, visible_library):
    clause = make_clause(
        visible_library,
        key="sans-defaut",
        parameters=[
            {"name": "etablissement", "label": "Établissement", "type": "text", "required": True},
        ],
        body="Le titulaire livre {{ etablissement }}.",
    )
    tender.parameters = {"etablissement": "CHU Démo"}
    tender.save()
    response = api(buyer).post(url(tender), {"clause": clause.pk}, format="json")
    assert response.status_code == 201
    assert "CHU Démo" in response.json()["rendered_body"]


def test_it_refuses_an_unknown_parameter_and_a_hidden_clause(api, buyer, tender, clause, library, other_hospital):
    client = api(buyer)
    response = client.post(url(tender), {"clause": clause.pk, "parameters": {"nope": 1}}, format="json")
    assert response.status_code == 400 and "nope" in response.json()["parameters"]
    from ..factories import LibraryFactory

    private = make_clause(LibraryFactory(organization=other_hospital), key="privee")
    response = client.post(url(tender), {"clause": private.pk}, format="json")
    assert response.status_code == 400 and "clause" in response.json()


def test_it_refuses_a_wrong_value_on_patch(api, buyer, tender, clause):
    tender_clause = add_clause(tender, clause)
    response = api(buyer).patch(
        url(tender, f"{tender_clause.pk}/"), {"parameters": {"delai_jours": 999}}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"parameters": {"delai_jours": ["doit être au plus 365."]}}


def test_it_keeps_the_version_it_took_when_the_library_clause_changes(api, buyer, curator, tender, clause):
    client = api(buyer)
    created = client.post(url(tender), {"clause": clause.pk}, format="json").json()
    clause_update(user=curator, clause=clause, changes={"title": "Titre modifié", "body": "Tout autre texte."})
    clause.refresh_from_db()
    assert clause.current.number == 2
    row = client.get(url(tender)).json()["results"][0]
    assert row["clause_version"] == 1
    assert row["title"] == "Accès à l'API FHIR"
    assert row["rendered_body"] == created["rendered_body"]
    assert "Tout autre texte" not in row["rendered_body"]


def test_it_hides_clauses_of_other_tenders(api, buyer, outsider, tender, other_tender, clause):
    tender_clause = add_clause(tender, clause)
    client = api(outsider)
    assert client.get(url(tender)).status_code == 404
    assert client.patch(url(tender, f"{tender_clause.pk}/"), {"position": 0}, format="json").status_code == 404
    assert client.delete(url(tender, f"{tender_clause.pk}/")).status_code == 404
    # A clause id of one tender under another tender's URL is unknown too.
    assert api(outsider).delete(url(other_tender, f"{tender_clause.pk}/")).status_code == 404
    assert TenderClause.objects.filter(pk=tender_clause.pk).exists()


def test_it_refuses_clause_changes_by_an_evaluator(api, evaluator, tender, clause):
    tender_clause = add_clause(tender, clause)
    client = api(evaluator)
    assert client.post(url(tender), {"clause": clause.pk}, format="json").status_code == 403
    assert client.patch(url(tender, f"{tender_clause.pk}/"), {"position": 0}, format="json").status_code == 403
    assert client.delete(url(tender, f"{tender_clause.pk}/")).status_code == 403


@pytest.mark.parametrize("count", [5, 100])
def test_it_pins_the_clause_list_query_count(api, buyer, tender, visible_library, count, django_assert_num_queries):
    for clause in make_clauses(visible_library, count):
        add_clause(tender, clause)
    client = api(buyer)
    client.get(url(tender))
    # roles are cached on the user; tender, count, page of clauses with their versions, their lots.
    with django_assert_num_queries(4):
        body = client.get(url(tender) + "?page_size=500").json()
    assert body["count"] == count

import pytest

from scoring.models import Criterion
from scoring.selectors import criteria_for_document

from .conftest import build_tree

pytestmark = pytest.mark.django_db


def test_it_flattens_the_criteria_for_the_tender_document(tender, django_assert_num_queries):
    criteria = build_tree(tender)
    Criterion.objects.filter(pk=criteria.api.pk).update(tender_clause=None)
    with django_assert_num_queries(1):
        rows = criteria_for_document(tender, {})
    assert [(r["number"], r["name"], r["kind"], r["weight"], r["global_weight"], r["depth"]) for r in rows] == [
        ("1", "Valeur technique", "scored", 60.0, 60.0, 0),
        ("1.1", "API FHIR", "scored", 50.0, 30.0, 1),
        ("1.2", "Export", "scored", 30.0, 18.0, 1),
        ("1.3", "Documentation", "scored", 20.0, 12.0, 1),
        ("2", "Prix", "price", 40.0, 40.0, 0),
        ("E1", "Hébergement HDS", "eliminatory", None, None, 0),
    ]
    assert all(r["article"] is None for r in rows)


def test_it_names_the_article_of_each_criterion_clause(tender, library):
    from .test_api_criteria import add_clause

    clause = add_clause(tender, library, "api", requirement="scored")
    criteria = build_tree(tender)
    Criterion.objects.filter(pk=criteria.api.pk).update(tender_clause=clause)
    rows = criteria_for_document(tender, {clause.pk: "1.1"})
    by_name = {r["name"]: r for r in rows}
    assert by_name["API FHIR"]["article"] == "1.1" and by_name["API FHIR"]["tender_clause"] == clause.pk
    assert by_name["Export"]["article"] is None


def test_it_gives_an_empty_grid_without_criteria(tender):
    assert criteria_for_document(tender) == []

"""Issue 17: internal tags (`covers:…`) are for the library's editors, not for buyers reading a clause."""

import pytest
from django.test import Client
from django.urls import reverse

from clause_library.models import Library

from ..factories import make_clause

pytestmark = pytest.mark.django_db


def tags_section(user, clause):
    client = Client()
    client.force_login(user)
    page = client.get(reverse("clause_library:clause_detail", args=[clause.library_id, clause.pk])).content.decode()
    start = page.index('id="tags-title"')
    return page[start : page.index("</section>", start)]


def test_buyers_do_not_see_internal_tags_curators_do(library, hospital, buyer, curator):
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    clause = make_clause(library, tags=["fhir", "covers:seed-1"])
    for_buyer = tags_section(buyer, clause)
    assert "fhir" in for_buyer and "covers:" not in for_buyer
    assert "covers:seed-1" in tags_section(curator, clause)

import pytest

from ..tenders.conftest import add_clause, make_clauses, make_tender


@pytest.fixture
def filled_tender(hospital, buyer, library):
    library.shared_with.add(hospital)
    library.visibility = "shared"
    library.save()
    tender = make_tender(hospital, buyer)
    for clause in make_clauses(library, 3):
        add_clause(tender, clause)
    return tender

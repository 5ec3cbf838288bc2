"""The execution pages: requests (list, form, delivery), availability (table, entry, CSV import), penalties
(lines, totals, observations, decision, statement); who may open and change them; French and English;
the requests page's query count at two sizes."""

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contracts import execution
from contracts.models import AvailabilityMonth, ExecutionRequest, PenaltyObservation
from documents.models import Document

from .execution_setup import set_up_execution

pytestmark = pytest.mark.django_db


@pytest.fixture
def executed(contract, library):
    return set_up_execution(contract, library)


def client_for(user, language="fr"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def pages(target):
    return [f"/contracts/{target.pk}/{name}/" for name in ("requests", "availability", "penalties")]


def test_buyers_see_forms_evaluators_read_other_organisations_get_404(executed, decided, outsider):
    for path in pages(executed):
        buyer_page = client_for(decided.lead).get(path)
        assert buyer_page.status_code == 200
        assert 'name="action"' in buyer_page.content.decode()
        reader_page = client_for(decided.eval1).get(path)
        assert reader_page.status_code == 200
        assert 'name="action"' not in reader_page.content.decode()
        assert client_for(outsider).get(path).status_code == 404
        assert client_for(decided.eval1).post(path, {"action": "create"}).status_code == 403
    assert "execution-nav" in client_for(decided.lead).get(f"/contracts/{executed.pk}/").content.decode()


def test_a_request_is_logged_and_delivered_from_the_page_and_a_refusal_keeps_what_was_typed(executed, decided):
    client = client_for(decided.lead)
    path = f"/contracts/{executed.pk}/requests/"
    typed = {
        "action": "create",
        "request-kind": "connector",
        "request-deadline": "4.1|delai_mise_a_disposition_jours",
        "request-requested_on": "2026-12-01",  # before the notification: refused
        "request-description": "Mise en service de la base de réplication",
    }
    refused = client.post(path, typed)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "précède la notification" in text
    assert "Mise en service de la base de réplication" in text and 'value="2026-12-01"' in text
    assert not ExecutionRequest.objects.exists()
    created = client.post(path, {**typed, "request-requested_on": "2027-05-05"})
    assert created.status_code == 302
    request = ExecutionRequest.objects.get()
    assert request.due_on == datetime.date(2027, 7, 4)  # 60 calendar days
    delivered = client.post(
        path, {"action": "deliver", "request": request.pk, f"deliver-{request.pk}-delivered_on": "2027-07-14"}
    )
    assert delivered.status_code == 302
    request.refresh_from_db()
    assert request.delivered_on == datetime.date(2027, 7, 14)
    page = client.get(f"/contracts/{executed.pk}/penalties/").content.decode()
    # 12 000 × 10 / 1000 = 120 €: exempted (at most 1 000 €).
    assert "<td>10</td><td>A</td>" in page and "<td>120\u00a0€</td>" in page.replace("&nbsp;", "\u00a0")
    assert 'id="penalty-total">0' in page


def test_availability_is_entered_and_imported_from_the_page(executed, decided):
    client = client_for(decided.lead)
    path = f"/contracts/{executed.pk}/availability/"
    assert (
        client.post(path, {"action": "month", "month-month": "2027-03", "month-measured": "99,55"}).status_code == 302
    )
    bad = client.post(path, {"action": "import", "csv-file": io.BytesIO(b"2027-04;abc\n")})
    assert bad.status_code == 200 and "ligne 1, colonne 2" in bad.content.decode()
    good = client.post(path, {"action": "import", "csv-file": io.BytesIO(b"2027-04;99.9\n")})
    assert good.status_code == 302
    assert AvailabilityMonth.objects.count() == 2
    page = client.get(path).content.decode()
    assert "99,8" in page and "<td>3</td><td>150" in page  # 3 steps × 5 % × 1 000 €


def test_observations_and_statement_from_the_penalties_page_in_english(executed, decided):
    client = client_for(decided.lead, "en")
    path = f"/contracts/{executed.pk}/penalties/"
    page = client.get(path).content.decode()
    assert "Penalties" in page and "Amount due" in page
    assert (
        client.post(
            path, {"action": "observation", "observation-received_on": "2027-06-01", "observation-text": "Noted."}
        ).status_code
        == 302
    )
    assert PenaltyObservation.objects.get().text == "Noted."
    assert client.post(path, {"action": "document", "format": "pdf"}).status_code == 302
    assert Document.objects.get().contract_id == executed.pk


def test_the_requests_page_runs_in_a_fixed_number_of_queries(executed, decided):
    client = client_for(decided.lead)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/contracts/{executed.pk}/requests/").status_code == 200
        return len(queries)

    data = {"kind": "connector", "article": "4.1", "requested_on": datetime.date(2027, 5, 5), "description": "x"}
    execution.request_create(user=decided.lead, contract=executed, data=data)
    count()
    few = count()
    for _ in range(8):
        execution.request_create(user=decided.lead, contract=executed, data=data)
    assert count() == few

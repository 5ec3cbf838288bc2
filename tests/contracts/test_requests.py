"""Requests and incidents logged against the article that sets their deadline (API.md, Execution)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import execution
from contracts.models import ExecutionRequest, PenaltyAuditEvent

from .execution_setup import set_up_execution

pytestmark = pytest.mark.django_db


@pytest.fixture
def executed(contract, library):
    return set_up_execution(contract, library)


D = datetime.date


def url(target, rid=None):
    return f"/api/v1/contracts/{target.pk}/requests/" + (f"{rid}/" if rid else "")


def post(api, user, target, **data):
    payload = {"kind": "incident", "requested_on": "2027-05-05", "description": "Flux ADT arrêté."}
    payload.update(data)
    return api(user).post(url(target), payload, format="json")


def row(target, article, label_start):
    """The position of the penalties-table row of `article` whose obligation starts with `label_start`."""
    terms = execution.contract_terms(target)
    return next(position for position, ob in terms.obligations_of(article) if ob.label.startswith(label_start))


def test_it_computes_due_on_in_working_days_from_the_committed_value(api, executed):
    lead = executed.created_by
    majeur = row(executed, "C2", "Rétablir une interface après un incident majeur")
    # Awardee committed 3 working days (5 required). Wed 5 May 2027 + 3 working days, Ascension Thursday 6 May
    # and the weekend skipped → Tuesday 11 May.
    response = post(api, lead, executed, article="C2", delay="delai_correction_majeur_jours", obligation=majeur)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["due_on"] == "2027-05-11"
    assert body["delay_value"] == "3.00" or float(body["delay_value"]) == 3
    assert body["delay_committed"] is True
    assert body["delay_unit"] == "working_days"
    assert body["number"] == 1


def test_it_computes_due_on_in_calendar_days_from_the_required_value(api, executed):
    lead = executed.created_by
    # C1: 10 days (calendar) to grant access; its rows have two régimes: the buyer names the row.
    rows = api(lead).post(
        url(executed),
        {
            "kind": "data_access",
            "article": "C1",
            "delay": "delai_reponse_jours",
            "requested_on": "2027-05-05",
            "description": "Accès de l'entrepôt de données.",
        },
        format="json",
    )
    assert rows.status_code == 400 and "obligation" in rows.json()
    position = int(rows.json()["obligation"][0].split(":", 1)[1].split("(")[0].strip())
    response = post(
        api, lead, executed, kind="data_access", article="C1", delay="delai_reponse_jours", obligation=position
    )
    assert response.status_code == 201, response.json()
    assert response.json()["due_on"] == "2027-05-15"
    assert response.json()["regime"] == "B"
    assert response.json()["delay_committed"] is False


def test_a_delay_in_hours_is_due_the_next_day(api, executed):
    bloquant = row(executed, "C2", "Rétablir une interface après un incident bloquant")
    response = post(
        api, executed.created_by, executed, article="C2", delay="delai_correction_bloquant_heures", obligation=bloquant
    )
    assert response.status_code == 201, response.json()
    assert response.json()["due_on"] == "2027-05-06"
    assert response.json()["regime"] == "C"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"article": "9.9"}, "article"),
        ({"article": "C3"}, "article"),  # the penalties article sets no deadline
        ({"article": "4.1", "requested_on": "2026-12-01"}, "requested_on"),  # before notification (15 Dec 2026)
        ({"article": "4.1", "delivered_on": "2027-05-04"}, "delivered_on"),
        ({"article": "4.1", "delay": "lieu_hebergement"}, "delay"),
        ({"article": "C2"}, "delay"),  # several delays: the buyer must name one
        ({"article": "4.1", "obligation": 99}, "obligation"),
        ({"article": "4.1", "kind": "wish"}, "kind"),
        ({"article": "4.1", "requested_on": "05/05/2027"}, "requested_on"),
        ({"article": "4.1", "value": -5}, "value"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(api, executed, data, field):
    before = (ExecutionRequest.objects.count(), PenaltyAuditEvent.objects.count())
    response = post(api, executed.created_by, executed, **data)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert (ExecutionRequest.objects.count(), PenaltyAuditEvent.objects.count()) == before


def test_the_delivery_is_recorded_and_audited_and_a_delivery_before_the_request_is_refused(api, executed):
    lead = executed.created_by
    rid = post(api, lead, executed, article="4.1").json()["id"]
    refused = api(lead).patch(url(executed, rid), {"delivered_on": "2027-05-01"}, format="json")
    assert refused.status_code == 400 and "delivered_on" in refused.json()
    assert ExecutionRequest.objects.get(pk=rid).delivered_on is None
    done = api(lead).patch(url(executed, rid), {"delivered_on": "2027-07-10"}, format="json")
    assert done.status_code == 200
    assert done.json()["delivered_on"] == "2027-07-10"
    event = PenaltyAuditEvent.objects.filter(action="request.update").get()
    assert event.user == lead
    assert (event.old["delivered_on"], event.new["delivered_on"]) == (None, "2027-07-10")


def test_roles_buyers_write_evaluators_read_other_organisations_get_404(
    api, executed, decided, hospital_admin, outsider
):
    rid = post(api, decided.lead, executed, article="4.1").json()["id"]
    assert post(api, hospital_admin, executed, article="4.1").status_code == 201
    assert api(decided.eval1).get(url(executed)).status_code == 200
    assert post(api, decided.eval1, executed, article="4.1").status_code == 403
    assert (
        api(decided.eval1).patch(url(executed, rid), {"delivered_on": "2027-06-01"}, format="json").status_code == 403
    )
    assert api(outsider).get(url(executed)).status_code == 404
    assert api(outsider).get(url(executed, rid)).status_code == 404
    assert post(api, outsider, executed, article="4.1").status_code == 404
    assert api(outsider).patch(url(executed, rid), {"delivered_on": "2027-06-01"}, format="json").status_code == 404
    assert api(outsider).get(f"/api/v1/contracts/{executed.pk}/penalties/").status_code == 404
    assert ExecutionRequest.objects.count() == 2


def test_the_list_runs_in_a_fixed_number_of_queries(api, executed):
    client = api(executed.created_by)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(executed)).status_code == 200
        return len(queries)

    post(api, executed.created_by, executed, article="4.1")
    few = count()
    for _ in range(6):
        post(api, executed.created_by, executed, article="4.1")
    assert count() == few
    assert few <= 6

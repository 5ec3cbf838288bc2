"""R2144-7: an awardee that does not provide its certificates in time loses the award, which passes to the bid
ranked immediately after it; the decision is made anew for that bid and its certificates are asked for. API
(`POST …/award/certificates-failed/`) and the results page; refusals; audit; lead only."""

import io
import json
import zipfile
from html import unescape

import pytest
from django.test import Client
from docx import Document as WordDocument

from scoring.models import AuditEvent, Award, AwardFailure, Bid

from .reporting import build
from .test_award_sequence import (
    award_url,
    certificates,
    decide,
    letters_made,
    letters_sent,
    request_letters,
    results,
)
from .test_award_sequence import final as final_results

pytestmark = pytest.mark.django_db

TODAY = "2026-12-03"


def failed(api, evaluation, user=None, **body):
    body = {
        "reason": "Attestations fiscales non produites dans le délai de 8 jours.",
        "failed_on": TODAY,
        "decided_on": TODAY,
        "advantages": "Offre suivante : export complet.",
        **body,
    }
    return api(user or evaluation.lead).post(award_url(evaluation, "certificates-failed/"), body, format="json")


def ranked(api, evaluation):
    """The eligible bids' ids in rank order."""
    return [row["bid"] for row in results(api, evaluation)["bids"] if row["eligible"]]


final = final_results


@pytest.fixture
def awarded(api, final):
    assert decide(api, final).status_code == 200
    return final


def test_the_award_passes_to_the_next_ranked_bid_and_the_certificates_step_starts_again(api, awarded):
    ev = awarded
    order = ranked(api, ev)
    assert order[0] == ev.alpha.pk and len(order) == 2
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0  # an id, not a count
    response = failed(api, ev)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["bid"] == order[1]
    assert body["advantages"] == "Offre suivante : export complet."
    assert body["certificates_received_on"] is None and body["certificates_waived_reason"] == ""
    assert body["failures"] == [
        {
            "bid": ev.alpha.pk,
            "vendor": "Alpha",
            "reason": "Attestations fiscales non produites dans le délai de 8 jours.",
            "failed_on": TODAY,
            "recorded_by": ev.lead.username,
        }
    ]
    event = AuditEvent.objects.get(pk__gt=before)
    assert event.action == "award.certificates_failed"
    assert event.old["bid"] == ev.alpha.pk and event.new["bid"] == order[1] and event.new["failed_bid"] == ev.alpha.pk
    # The letters wait for the new awardee's certificates.
    assert request_letters(api, ev).status_code == 409
    # The results' award says so too; the ranking itself does not change.
    assert results(api, ev)["award"]["bid"] == order[1] and ranked(api, ev) == order
    # The new awardee's certificates are recorded as for the first one.
    assert certificates(api, ev).status_code == 200
    # The letters follow the new awardee: the bid that failed is told why (R2144-7), the others are told who won.
    assert request_letters(api, ev).status_code == 202
    archive = zipfile.ZipFile(io.BytesIO(build(ev, "zip", kind="rejection_letters")))
    manifest = json.loads(archive.read("manifest.json"))
    addressed = {row["vendor"] for row in manifest if row["kind"] == "rejet"}
    new_awardee = Bid.objects.get(pk=order[1]).vendor
    assert "Alpha" in addressed and new_awardee not in addressed
    (row,) = [r for r in manifest if r["vendor"] == "Alpha" and r["kind"] == "rejet" and r["format"] == "docx"]
    text = " ".join(p.text for p in WordDocument(io.BytesIO(archive.read(row["file"]))).paragraphs)
    assert "R2144-7" in text and "classée immédiatement après la vôtre" in text
    assert f"Le marché est attribué à {new_awardee}" in text
    # The bid that failed cannot be decided again; the new one can be corrected.
    assert decide(api, ev).status_code == 409
    assert decide(api, ev, bid=order[1], advantages="Corrigé.").status_code == 200


def test_a_second_failure_finds_no_eligible_bid_left_and_records_nothing(api, awarded):
    ev = awarded
    order = ranked(api, ev)
    assert failed(api, ev).json()["bid"] == order[1]
    before = AuditEvent.objects.count()
    response = failed(api, ev)
    assert response.status_code == 409
    assert "Aucune autre offre" in str(response.json())
    assert Award.objects.get().bid_id == order[1]
    assert AwardFailure.objects.count() == 1 and AuditEvent.objects.count() == before


def test_it_is_refused_before_the_decision_once_certificates_are_in_and_after_the_letters(api, final):
    ev = final
    assert failed(api, ev).status_code == 409
    assert decide(api, ev).status_code == 200
    assert certificates(api, ev).status_code == 200
    response = failed(api, ev)
    assert response.status_code == 409 and "certificats" in str(response.json())
    assert request_letters(api, ev).status_code == 202
    letters_made(ev)
    assert letters_sent(api, ev, sent_on=TODAY).status_code == 200
    assert failed(api, ev).status_code == 409
    assert not AwardFailure.objects.exists() and Award.objects.get().bid_id == ev.alpha.pk


@pytest.mark.parametrize(
    ("field", "value"),
    [("reason", ""), ("advantages", " "), ("failed_on", "2999-01-01"), ("decided_on", "demain")],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api, awarded, field, value):
    ev = awarded
    before = AuditEvent.objects.count()
    response = failed(api, ev, **{field: value})
    assert response.status_code == 400 and field in response.json()
    assert Award.objects.get().bid_id == ev.alpha.pk
    assert not AwardFailure.objects.exists() and AuditEvent.objects.count() == before


def test_only_the_lead_records_a_failure(api, awarded, outsider):
    ev = awarded
    assert failed(api, ev, user=ev.eval1).status_code == 403
    assert failed(api, ev, user=outsider).status_code == 404
    assert not AwardFailure.objects.exists()


# The results page ------------------------------------------------------------------------------------


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_results_page_offers_the_failure_and_moves_the_award(api, awarded):
    ev = awarded
    order = ranked(api, ev)
    second = {b.pk: b.vendor for b in (ev.alpha, ev.bravo, ev.charlie)}[order[1]]
    client = page_client(ev.lead)
    base = f"/evaluation/tenders/{ev.tender.pk}/"
    html = unescape(client.get(f"{base}results/").content.decode())
    assert 'id="award-failure-form"' in html and f"l'attribution passe à {second}" in html
    response = client.post(
        f"{base}award/certificates-failed/",
        {"reason": "Rien reçu.", "failed_on": TODAY, "decided_on": TODAY, "advantages": "Export complet."},
        follow=True,
    )
    html = unescape(response.content.decode())
    assert f"l'attribution passe à {second}" in html
    assert 'id="award-failures"' in html and "Rien reçu." in html
    assert f"Offre retenue : {second} (classée immédiatement après l'attributaire défaillant)." in html
    assert Award.objects.get().bid_id == order[1]


def test_the_page_keeps_what_was_typed_when_refused(awarded):
    ev = awarded
    client = page_client(ev.lead)
    response = client.post(
        f"/evaluation/tenders/{ev.tender.pk}/award/certificates-failed/",
        {"reason": "Rien reçu dans le délai.", "failed_on": TODAY, "decided_on": TODAY, "advantages": ""},
    )
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Caractéristiques et avantages relatifs" in html and 'value="Rien reçu dans le délai."' in html
    assert not AwardFailure.objects.exists()


def test_the_page_action_is_the_lead_s_only(awarded, outsider):
    ev = awarded
    url = f"/evaluation/tenders/{ev.tender.pk}/award/certificates-failed/"
    data = {"reason": "x", "failed_on": TODAY, "decided_on": TODAY, "advantages": "y"}
    assert page_client(ev.eval1).post(url, data).status_code == 403
    assert page_client(outsider).post(url, data).status_code == 404
    assert not AwardFailure.objects.exists()

"""Penalties as the CCAP states them, computed by hand: each régime on requests late by 0, 1, 10 and 400
days, the exemption and the cap; availability; the holder's observations and the buyer's decision; the
penalty statement read back (PDF, DOCX)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document as WordDocument
from pypdf import PdfReader

from contracts import execution
from contracts.models import AvailabilityMonth, PenaltyAuditEvent, PenaltyDecision
from documents import registry
from documents.models import Document
from scoring.models import Bid

from ..documents.test_archival import assert_archival_and_tagged
from .execution_setup import set_up_execution

pytestmark = pytest.mark.django_db


@pytest.fixture
def executed(contract, library):
    return set_up_execution(contract, library)


D = datetime.date
TODAY = D(2029, 1, 1)
LATE = (0, 1, 10, 400)


def row(target, article, label_start):
    terms = execution.contract_terms(target)
    return next(position for position, ob in terms.obligations_of(article) if ob.label.startswith(label_start))


def log(target, article, late, *, delay=None, obligation=None, **extra):
    """A request made on 5 May 2027 and delivered `late` days after its due date (None: still open)."""
    data = {
        "kind": "connector",
        "article": article,
        "requested_on": D(2027, 5, 5),
        "description": "Demande",
        "delay": delay,
        "obligation": obligation,
        **extra,
    }
    request = execution.request_create(user=target.created_by, contract=target, data=data)
    if late is not None:
        request = execution.request_update(
            user=target.created_by,
            request=request,
            changes={"delivered_on": request.due_on + datetime.timedelta(days=late)},
        )
    return request


def penalties_of(api, target, on=TODAY):
    response = api(target.created_by).get(f"/api/v1/contracts/{target.pk}/penalties/?on={on.isoformat()}")
    assert response.status_code == 200, response.json()
    return response.json()


def regime_a(target, late, **extra):
    # 4.1 replication database: 60 days, régime A, V = the awardee's "replication-setup" line (12 000 € HT).
    return log(target, "4.1", late, **extra)


def regime_b(target, late):
    # C1: grant an access within 10 days, régime B (the tender's 200 € per day, the library says 300).
    return log(target, "C1", late, delay="delai_reponse_jours", obligation=row(target, "C1", "Accorder"))


def regime_c(target, late):
    # C2: restore after a blocking incident within 8 hours, régime C (the tender's 120 € per overrun).
    return log(
        target,
        "C2",
        late,
        delay="delai_correction_bloquant_heures",
        obligation=row(target, "C2", "Rétablir une interface après un incident bloquant"),
    )


def test_it_computes_each_regime_by_hand_on_0_1_10_and_400_days_late_then_caps(api, executed):
    expected = {}
    for late in LATE:
        expected[regime_a(executed, late).pk] = ("A", late, Decimal("12000") * late / 1000)
        expected[regime_b(executed, late).pk] = ("B", late, Decimal("200") * late)
        expected[regime_c(executed, late).pk] = ("C", late, Decimal("120") if late else Decimal("0"))
    body = penalties_of(api, executed)
    assert len(body["lines"]) == 12
    for line in body["lines"]:
        regime, late, amount = expected[line["request"]]
        assert (line["regime"], line["late_days"]) == (regime, late)
        assert Decimal(str(line["amount"])) == amount, line
        if regime == "A":
            assert Decimal(str(line["value"])) == Decimal("12000")
    # A: 12 000 × (0 + 1 + 10 + 400) / 1000 = 4 932; B: 200 × 411 = 82 200; C: 120 × 3 = 360.
    computed = Decimal("12000") * 411 / 1000 + Decimal("200") * 411 + Decimal("120") * 3
    assert Decimal(str(body["computed"])) == computed == Decimal("87492")
    assert Decimal(str(body["cap"])) == Decimal("100000") * 10 / 100
    assert body["exempted"] is False
    assert Decimal(str(body["total"])) == Decimal("10000")


def test_a_total_of_at_most_1000_euros_is_exempted(api, executed):
    regime_a(executed, 10)  # 12 000 × 10 / 1000 = 120
    regime_c(executed, 1)  # 120
    regime_b(executed, 1)  # 200
    body = penalties_of(api, executed)
    assert Decimal(str(body["computed"])) == Decimal("120") + Decimal("120") + Decimal("200")
    assert body["exempted"] is True
    assert Decimal(str(body["total"])) == 0


def test_a_total_above_1000_and_below_the_cap_is_due_whole(api, executed):
    regime_b(executed, 10)  # 200 × 10 = 2 000
    body = penalties_of(api, executed)
    assert body["exempted"] is False
    assert Decimal(str(body["total"])) == Decimal("200") * 10


def test_an_open_request_counts_its_days_late_so_far(api, executed):
    request = regime_b(executed, None)
    body = penalties_of(api, executed, on=request.due_on + datetime.timedelta(days=7))
    assert body["lines"][0]["late_days"] == 7
    assert Decimal(str(body["lines"][0]["amount"])) == Decimal("200") * 7


def test_regime_a_value_given_whole_contract_or_unknown(api, executed):
    regime_a(executed, 10, value=Decimal("5000"))  # 5 000 × 10 / 1000 = 50
    regime_a(executed, 10, whole_unusable=True)  # the contract: 100 000 × 10 / 1000 = 1 000
    lines = penalties_of(api, executed)["lines"]
    assert [Decimal(str(line["amount"])) for line in lines] == [
        Decimal("5000") * 10 / 1000,
        Decimal("100000") * 10 / 1000,
    ]
    # Without the imported schedule, V of the "replication-setup" line cannot be known: nothing counts.
    Bid.objects.filter(pk=executed.bid_id).update(price_source=Bid.PriceSource.ENTERED)
    executed.bid.refresh_from_db()
    regime_a(executed, 10)
    body = penalties_of(api, executed)
    unknown = body["lines"][2]
    assert unknown["value"] is None and unknown["amount"] is None
    assert "V" in unknown["note"]
    assert Decimal(str(body["computed"])) == Decimal("50") + Decimal("1000")


def test_availability_below_the_committed_level_gives_the_ccaps_penalty(api, executed):
    client = api(executed.created_by)
    base = f"/api/v1/contracts/{executed.pk}/availability/"
    assert client.post(base, {"month": "2027-03", "measured": "99,55"}, format="json").status_code == 201
    assert client.post(base, {"month": "2027-04", "measured": "99.9"}, format="json").status_code == 201
    body = penalties_of(api, executed)
    march, april = body["availability"]
    # Committed 99.8 % (required 99.5): 0.25 point short = 3 started steps of 0.1; 5 % of the monthly fee
    # (maintenance 12 000 € a year / 12 = 1 000 €) per step.
    assert (Decimal(str(march["committed"])), march["steps"]) == (Decimal("99.8"), 3)
    assert Decimal(str(march["amount"])) == Decimal("12000") / 12 * 5 / 100 * 3
    assert (april["steps"], Decimal(str(april["amount"]))) == (0, 0)
    assert Decimal(str(body["computed"])) == Decimal("150")


def test_availability_csv_import_all_or_nothing_with_line_and_column(api, executed):
    client = api(executed.created_by)
    path = f"/api/v1/contracts/{executed.pk}/availability/import/"

    def send(text):
        return client.post(path, {"file": io.BytesIO(text.encode("utf-8"))}, format="multipart")

    bad = send("mois;disponibilite\n2027-03;99,5\n2027-13;99\n2027-05;101\n")
    assert bad.status_code == 400
    errors = " ".join(bad.json()["file"])
    assert "ligne 3, colonne 1" in errors and "ligne 4, colonne 2" in errors
    assert AvailabilityMonth.objects.count() == 0
    assert send("2027-03;99,5\n2027-03;99\n").status_code == 400  # a month twice
    assert send("x" * 70000).status_code == 400  # bounded size
    assert AvailabilityMonth.objects.count() == 0
    good = send("mois;disponibilite\n2027-03;99,5\n2027-04;99.95 %\n")
    assert good.status_code == 200 and good.json() == {"months": 2}
    assert [str(m.measured) for m in AvailabilityMonth.objects.order_by("month")] == ["99.500", "99.950"]


def test_observations_and_the_decision_follow_the_15_day_period(api, executed):
    client = api(executed.created_by)
    base = f"/api/v1/contracts/{executed.pk}/penalties/"
    regime_b(executed, 10)  # 2 000 € due
    refused = client.post(base + "decisions/", {"decided_on": "2029-01-01", "applied": 2000}, format="json")
    assert refused.status_code == 400 and "decided_on" in refused.json()  # no statement sent yet
    queued = client.post(
        f"/api/v1/contracts/{executed.pk}/documents/", {"kind": "penalty_statement", "format": "pdf"}, format="json"
    )
    assert queued.status_code == 202
    sent = Document.objects.get(pk=queued.json()["id"])
    Document.objects.filter(pk=sent.pk).update(created_at=datetime.datetime(2029, 1, 1, 9, tzinfo=datetime.UTC))
    too_early = client.post(base + "decisions/", {"decided_on": "2029-01-16", "applied": 2000}, format="json")
    assert too_early.status_code == 400 and "16 janvier 2029" in too_early.json()["decided_on"][0]
    assert (
        client.post(base + "decisions/", {"decided_on": "2029-01-17", "applied": 2500}, format="json").status_code
        == 400
    )
    moderated = {"decided_on": "2029-01-17", "applied": "1500"}
    assert "reason" in client.post(base + "decisions/", moderated, format="json").json()
    assert PenaltyDecision.objects.count() == 0
    observed = client.post(
        base + "observations/",
        {"received_on": "2029-01-10", "text": "Retard dû au fait de l'établissement."},
        format="json",
    )
    assert observed.status_code == 201
    # Observations received: the buyer may decide before the 15 days have run out.
    decided_early = client.post(
        base + "decisions/", {**moderated, "decided_on": "2029-01-12", "reason": "Retard partagé."}, format="json"
    )
    assert decided_early.status_code == 201, decided_early.json()
    assert decided_early.json()["computed"] == 2000 and decided_early.json()["applied"] == 1500
    actions = list(PenaltyAuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["observation.add", "decision.record"]
    assert api(executed.created_by).get(base + "decisions/").json()[0]["reason"] == "Retard partagé."
    trail = api(executed.created_by).get(base + "audit/").json()["results"]
    assert [row["action"] for row in trail][-2:] == ["observation.add", "decision.record"]
    assert trail[-1]["user"] == executed.created_by.username
    assert trail[-1]["new"] == {"decided_on": "2029-01-12", "computed": "2000.00", "applied": "1500.00"}


def test_evaluators_read_but_do_not_write_penalties(api, executed, decided):
    base = f"/api/v1/contracts/{executed.pk}/"
    reader = api(decided.eval1)
    assert reader.get(base + "penalties/").status_code == 200
    assert reader.get(base + "availability/").status_code == 200
    assert reader.post(base + "availability/", {"month": "2027-03", "measured": "99"}, format="json").status_code == 403
    assert (
        reader.post(
            base + "penalties/observations/", {"received_on": "2027-03-01", "text": "x"}, format="json"
        ).status_code
        == 403
    )
    assert (
        reader.post(base + "documents/", {"kind": "penalty_statement", "format": "pdf"}, format="json").status_code
        == 403
    )
    assert AvailabilityMonth.objects.count() == 0 and not Document.objects.exists()


def test_a_penalty_statement_is_asked_on_the_contract_not_the_tender(api, executed):
    client = api(executed.created_by)
    on_tender = client.post(
        f"/api/v1/tenders/{executed.tender_id}/documents/",
        {"kind": "penalty_statement", "format": "pdf"},
        format="json",
    )
    assert on_tender.status_code == 400 and "kind" in on_tender.json()
    client.post(
        f"/api/v1/contracts/{executed.pk}/documents/", {"kind": "penalty_statement", "format": "docx"}, format="json"
    )
    listed = client.get(f"/api/v1/contracts/{executed.pk}/documents/").json()
    assert [row["kind"] for row in listed["results"]] == ["penalty_statement"]
    assert client.get(f"/api/v1/tenders/{executed.tender_id}/documents/").json()["count"] == 0
    assert (
        client.post(
            f"/api/v1/contracts/{executed.pk}/documents/",
            {"kind": "penalty_statement", "format": "xlsx"},
            format="json",
        ).status_code
        == 400
    )


class Progress:
    def __call__(self, value):
        pass


def statement_bytes(target, format):
    document = Document.objects.create(tender=target.tender, contract=target, kind="penalty_statement", format=format)
    Document.objects.filter(pk=document.pk).update(created_at=datetime.datetime(2029, 1, 1, 9, tzinfo=datetime.UTC))
    document.refresh_from_db()
    content, digest = registry.builder_for("penalty_statement", format)(document, Progress())
    assert digest
    return content


def statement_text(target, format):
    """The text a reader sees in the statement sent on 1 January 2029."""
    content = statement_bytes(target, format)
    if format == "pdf":
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    word = WordDocument(io.BytesIO(content))
    parts = [p.text for p in word.paragraphs]
    parts += [cell.text for table in word.tables for r in table.rows for cell in r.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("format", ["pdf", "docx"])
def test_the_penalty_statement_reads_back_with_lines_total_and_the_15_days(executed, format):
    regime_b(executed, 10)  # 2 000 €
    regime_a(executed, 10)  # 120 €
    AvailabilityMonth.objects.create(contract=executed, month=D(2027, 3, 1), measured=Decimal("99.55"))  # 150 €
    text = " ".join(statement_text(executed, format).split())
    assert "Relevé des pénalités" in text
    assert "Alpha Santé SAS" in text
    assert "C1" in text and "4.1" in text
    assert "2 000,00 € HT" in text and "120,00 € HT" in text and "150,00 € HT" in text
    assert "2 270,00 € HT" in text  # the amount considered: 2 000 + 120 + 150
    assert "10 000,00 € HT" in text  # the cap
    assert "15 jours" in text and "16 janvier 2029" in text


def test_the_penalties_read_runs_in_a_fixed_number_of_queries(api, executed):
    client = api(executed.created_by)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/contracts/{executed.pk}/penalties/?on=2029-01-01").status_code == 200
        return len(queries)

    regime_a(executed, 1)
    AvailabilityMonth.objects.create(contract=executed, month=D(2027, 3, 1), measured=Decimal("99"))
    count()  # the first read fills per-process caches (the holidays calendar, content types)
    few = count()
    for late in LATE:
        regime_a(executed, late)
        regime_b(executed, late)
        regime_c(executed, late)
    AvailabilityMonth.objects.create(contract=executed, month=D(2027, 4, 1), measured=Decimal("98"))
    assert count() == few
    assert few <= 12


def test_the_statement_pdf_is_tagged_pdf_a_3b_with_its_table_headers(executed):
    regime_b(executed, 10)
    types = assert_archival_and_tagged(statement_bytes(executed, "pdf"))
    assert {"/Table", "/TH", "/TD"} <= types, types


def test_a_statement_is_stale_once_the_log_changes(api, executed):
    client = api(executed.created_by)
    regime_b(executed, 10)
    client.post(
        f"/api/v1/contracts/{executed.pk}/documents/", {"kind": "penalty_statement", "format": "pdf"}, format="json"
    )
    assert client.get(f"/api/v1/contracts/{executed.pk}/documents/").json()["results"][0]["stale"] is False
    regime_a(executed, 1)
    assert client.get(f"/api/v1/contracts/{executed.pk}/documents/").json()["results"][0]["stale"] is True

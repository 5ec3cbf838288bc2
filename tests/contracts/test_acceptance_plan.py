"""The plan: one row per requirement of the annex, its method and expected value, results recorded and audited."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import acceptance_services
from contracts.models import AcceptanceEvent, AcceptancePlan, AcceptanceRow
from organizations.errors import ApplicationError

from ..factories import member
from .acceptance_fixtures import plan_url, read_plan

pytestmark = pytest.mark.django_db


def annex_requirements(accepted):
    return [
        item
        for item in accepted.data["clauses"]
        if item.get("destination", "annex") == "annex" and item["requirement"] != "informative"
    ]


def test_it_makes_one_row_per_annex_requirement_numbered_as_the_annex(api, accepted):
    body = read_plan(api, accepted.lead, accepted.contract)
    requirements = annex_requirements(accepted)
    assert len(body["rows"]) == len(requirements) == 58
    assert [row["article"] for row in body["rows"]] == [
        accepted.clauses[item["key"]].article_number for item in requirements
    ]
    assert [row["title"] for row in body["rows"]] == [item["title"] for item in requirements]
    # The CCAP's clauses (penalties, reversibility…) are executed, not accepted: none is a row.
    ccap = {
        accepted.clauses[item["key"]].article_number
        for item in accepted.data["clauses"]
        if item["destination"] == "ccap"
    }
    assert ccap and not ccap & {row["article"] for row in body["rows"]}
    assert body["proposed_decision"] == "ajournement"
    assert body["counts"] == {"pending": 58, "pass": 0, "fail": 0, "reserved": 0}
    assert body["decision"] is None


def test_the_method_follows_the_clause_checks_then_its_category(api, accepted):
    rows = {row["article"]: row for row in read_plan(api, accepted.lead, accepted.contract)["rows"]}
    for item in annex_requirements(accepted):
        method = rows[accepted.clauses[item["key"]].article_number]["method"]
        if item["checks"]:
            assert method == "probe", item["key"]
        elif item["category"] in ("documentation", "roadmap"):
            assert method == "document", item["key"]
        else:
            assert method == "demonstration", item["key"]
    assert {row["method"] for row in rows.values()} == {"probe", "document", "demonstration"}


def test_expected_states_the_holders_better_commitment_else_the_required_value(api, accepted):
    key, parameter, required = accepted.improved
    rows = {row["article"]: row for row in read_plan(api, accepted.lead, accepted.contract)["rows"]}
    improved = rows[accepted.clauses[key].article_number]["expected"]
    assert improved.startswith(f"{parameter['label']} : {required - 1} (engagement du titulaire ; exigé : {required})")
    assert rows[accepted.clauses["fhir-api-rest-r4"].article_number]["expected"] == "Version FHIR : 4.0.1"
    # A clause without a value to compare points at its article; no row prints a library key or a parameter code.
    keys = {item["key"] for item in accepted.data["clauses"]}
    codes = {p["name"] for item in accepted.data["clauses"] for p in item["parameters"] if "_" in p["name"]}
    for row in rows.values():
        assert row["expected"]
        words = set(row["expected"].replace("(", " ").replace(")", " ").split())
        assert not words & (keys | codes), row


def test_a_worse_commitment_never_replaces_the_required_value(api, accepted):
    from scoring.models import Answer

    key, parameter, required = accepted.improved
    Answer.objects.filter(bid=accepted.contract.bid).update(committed_values={parameter["name"]: required + 10})
    rows = {row["article"]: row for row in read_plan(api, accepted.lead, accepted.contract)["rows"]}
    assert rows[accepted.clauses[key].article_number]["expected"].startswith(f"{parameter['label']} : {required}")


def test_it_records_a_result_with_its_evidence_audited(api, accepted):
    contract, lead = accepted.contract, accepted.lead
    article = read_plan(api, lead, contract)["rows"][1]["article"]
    response = api(lead).put(
        plan_url(contract, f"{article}/"),
        {"result": "reserved", "evidence": "Démonstration : export partiel."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["result"] == "reserved" and response.json()["updated_by"] == lead.username
    event = AcceptanceEvent.objects.get(plan__contract=contract, action="result")
    assert (event.article, event.user, event.old["result"], event.new["result"]) == (
        article,
        lead,
        "pending",
        "reserved",
    )
    assert event.new["evidence"] == "Démonstration : export partiel."


def test_making_the_plan_again_keeps_what_was_recorded(api, accepted):
    contract, lead = accepted.contract, accepted.lead
    article = read_plan(api, lead, contract)["rows"][0]["article"]
    api(lead).put(plan_url(contract, f"{article}/"), {"result": "pass", "evidence": "Vu."}, format="json")
    again = api(lead).post(plan_url(contract))
    assert again.status_code == 200
    rows = {row["article"]: row for row in again.json()["rows"]}
    assert len(rows) == 58 and (rows[article]["result"], rows[article]["evidence"]) == ("pass", "Vu.")
    acceptance_services.plan_generate(user=lead, contract=contract)
    assert AcceptancePlan.objects.count() == 1 and AcceptanceRow.objects.count() == 58
    assert AcceptanceEvent.objects.filter(action="generated").count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"result": "ok"}, "result"),
        ({"evidence": "sans résultat"}, "result"),
        ({"result": "pass", "evidence": "x" * 5001}, "evidence"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_changes(api, accepted, body, field):
    contract, lead = accepted.contract, accepted.lead
    article = read_plan(api, lead, contract)["rows"][0]["article"]
    response = api(lead).put(plan_url(contract, f"{article}/"), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not AcceptanceEvent.objects.filter(action="result").exists()
    assert set(AcceptanceRow.objects.values_list("result", flat=True)) == {"pending"}


def test_an_unknown_article_is_missing(api, accepted):
    read_plan(api, accepted.lead, accepted.contract)
    response = api(accepted.lead).put(plan_url(accepted.contract, "99.99/"), {"result": "pass"}, format="json")
    assert response.status_code == 404


def test_an_evidence_file_is_kept_and_served_as_an_attachment_to_members(api, accepted, evaluator):
    contract, lead = accepted.contract, accepted.lead
    article = read_plan(api, lead, contract)["rows"][2]["article"]
    upload = SimpleUploadedFile("pv-demo.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    response = api(lead).put(
        plan_url(contract, f"{article}/"),
        {"result": "pass", "evidence": "PV joint", "evidence_file": upload},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    link = response.json()["evidence_file"]
    assert response.json()["evidence_file_name"] == "pv-demo.pdf"
    download = api(evaluator).get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 demo"
    assert download["Content-Type"] == "application/octet-stream" and "attachment" in download["Content-Disposition"]


@pytest.mark.parametrize(
    "name, content",
    [("script.html", b"<script>alert(1)</script>"), ("faux.pdf", b"<html></html>"), ("vide.exe", b"MZ")],
)
def test_a_refused_evidence_file_is_a_400_and_nothing_is_saved(api, accepted, name, content):
    contract, lead = accepted.contract, accepted.lead
    article = read_plan(api, lead, contract)["rows"][2]["article"]
    upload = SimpleUploadedFile(name, content)
    response = api(lead).put(
        plan_url(contract, f"{article}/"), {"result": "pass", "evidence_file": upload}, format="multipart"
    )
    assert response.status_code == 400 and "evidence_file" in response.json()
    row = AcceptanceRow.objects.get(article=article)
    assert (row.result, row.evidence_file.name) == ("pending", "")


@pytest.mark.parametrize("size", [58, 12])
def test_the_plan_reads_in_a_fixed_number_of_queries(api, accepted, size, django_assert_num_queries):
    contract, lead = accepted.contract, accepted.lead
    read_plan(api, lead, contract)
    AcceptanceRow.objects.filter(plan__contract=contract).exclude(
        pk__in=AcceptanceRow.objects.order_by("position")[:size].values("pk")
    ).delete()
    AcceptanceRow.objects.filter(plan__contract=contract).update(updated_by=member(contract.organization, "buyer"))
    client = api(lead)
    # the contract (its organisation's membership in a subquery), the plan with its decider, the rows with who
    # recorded each, the latest probe
    with django_assert_num_queries(4):
        response = client.get(plan_url(contract))
    assert len(response.json()["rows"]) == size


def test_an_evidence_file_over_the_upload_limit_is_refused_and_nothing_is_saved(api, accepted, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    contract, lead = accepted.contract, accepted.lead
    article = read_plan(api, lead, contract)["rows"][2]["article"]
    upload = SimpleUploadedFile("gros.txt", b"x" * 4096)
    response = api(lead).put(
        plan_url(contract, f"{article}/"), {"result": "pass", "evidence_file": upload}, format="multipart"
    )
    # The request itself is over the site's limit (413, organizations' middleware); the service checks it too.
    assert response.status_code in (400, 413)
    row = AcceptanceRow.objects.get(article=article)
    assert (row.result, row.evidence_file.name) == ("pending", "")
    with pytest.raises(ApplicationError) as refused:
        acceptance_services.row_record(
            user=lead, contract=contract, article=article, result="pass", evidence_file=upload
        )
    assert "evidence_file" in refused.value.errors


def test_the_audit_trail_lists_who_changed_what_newest_first(api, accepted, evaluator):
    contract, lead = accepted.contract, accepted.lead
    article = read_plan(api, lead, contract)["rows"][0]["article"]
    api(lead).put(plan_url(contract, f"{article}/"), {"result": "fail", "evidence": "KO"}, format="json")
    api(lead).put(
        plan_url(contract, f"{article}/"), {"result": "pass", "evidence": "OK après correctif"}, format="json"
    )
    events = api(evaluator).get(plan_url(contract, "audit/")).json()["results"]
    assert [(e["action"], e["article"], e["user"]) for e in events] == [
        ("result", article, lead.username),
        ("result", article, lead.username),
        ("generated", "", lead.username),
    ]
    assert (events[0]["old"]["result"], events[0]["new"]["result"]) == ("fail", "pass")
    assert events[0]["at"] >= events[1]["at"]

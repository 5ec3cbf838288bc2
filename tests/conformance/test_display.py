"""What pages get: results grouped by clause (for the scoring grid) and the report partials."""

import json

import pytest
from django.template.loader import render_to_string

from conformance import selectors, services
from conformance.checks import describe
from scoring.models import Bid

from .conftest import INFERNO, SMART_22, all_checks, fixture_json, fixture_text, make_probe_tender, with_plain_pkce

pytestmark = pytest.mark.django_db


def probe(bid, user, statement, smart):
    report = services.probe_request(
        user=user,
        bid=bid,
        files={
            "capability_statement": (statement if isinstance(statement, str) else json.dumps(statement)).encode(),
            "smart_configuration": (smart if isinstance(smart, str) else json.dumps(smart)).encode(),
        },
    )
    return services.probe_run(report_id=report.pk)


def test_it_labels_every_check_type_in_french():
    labels = [describe(check) for check in all_checks()]
    assert labels == [
        "Version FHIR 4.0.1",
        "Format json",
        "Ressource Patient — interactions read, search-type — recherche par identifier",
        "Opération $export (niveau system)",
        "Opération $export (niveau patient)",
        "Opération $export (niveau group)",
        "Capacité SMART permission-v2",
        "Autorisation OAuth client_credentials",
        "PKCE S256 (sans « plain »)",
        "Point d'accès SMART token_endpoint",
    ]


def test_it_shows_a_failed_check_with_its_evidence_beside_its_clause(probed, buyer):
    probe(probed.bid, buyer, fixture_text(INFERNO), with_plain_pkce(fixture_json(SMART_22)))
    outcomes = selectors.latest_results_for_tender(probed.bid.tender).get(probed.bid.pk, {})[probed.clauses["smart"].pk]
    html = render_to_string("conformance/_check_outcomes.html", {"outcomes": outcomes})
    assert html.count("Non conforme") == 1 and html.count(">Conforme<") == 3
    assert "PKCE S256 (sans « plain »)" in html
    assert "La méthode PKCE « plain » est acceptée ; SMART 2 l&#x27;interdit." in html
    assert "$.code_challenge_methods_supported" in html and "&quot;plain&quot;" in html
    assert render_to_string("conformance/_check_outcomes.html", {"outcomes": []}).strip() == ""


def test_it_renders_the_report_with_documents_sections_and_counts(probed, buyer):
    report = probe(probed.bid, buyer, {"resourceType": "Patient"}, fixture_text(SMART_22))
    html = render_to_string(
        "conformance/_probe_report.html", {"probe": selectors.report_sections(report, probed.tender)}
    )
    assert "resourceType « Patient » au lieu de « CapabilityStatement »." in html
    assert "4 conformes, 0 non conformes, 6 non vérifiables" in html
    for clause in probed.clauses.values():
        assert clause.version.title in html
    assert "Aucun sondage" in render_to_string("conformance/_probe_report.html", {"probe": None})


@pytest.mark.parametrize("bids", [1, 4])
def test_it_reads_every_bids_latest_results_in_three_queries(hospital, library, buyer, bids, django_assert_num_queries):
    tender, clauses = make_probe_tender(hospital, library)
    created = [Bid.objects.create(tender=tender, vendor=f"V{index}", price=1) for index in range(bids)]
    for bid in created:
        probe(bid, buyer, fixture_text(INFERNO), fixture_text(SMART_22))
    last = probe(created[-1], buyer, fixture_text(INFERNO), with_plain_pkce(fixture_json(SMART_22)))
    Bid.objects.create(tender=tender, vendor="Never probed", price=1)
    with django_assert_num_queries(3):
        by_bid = selectors.latest_results_for_tender(tender)
    assert set(by_bid) == {bid.pk for bid in created}
    smart = by_bid[last.bid_id][clauses["smart"].pk]
    assert [r["outcome"] for r in smart] == ["pass", "pass", "fail", "pass"]  # the latest report of that bid
    if bids > 1:
        assert [r["outcome"] for r in by_bid[created[0].pk][clauses["smart"].pk]] == ["pass"] * 4


def test_it_shows_the_basis_of_each_outcome_in_words(probed, buyer):
    smart_10 = fixture_text("smart-config-ig-1.0-example.json")  # SMART 1: no grant list, no PKCE
    probe(probed.bid, buyer, fixture_text(INFERNO), smart_10)
    outcomes = selectors.latest_results_for_tender(probed.bid.tender).get(probed.bid.pk, {})[probed.clauses["smart"].pk]
    # permission-v2 not in the list (declared), grant list and PKCE list missing (absent), token endpoint given.
    assert [item["basis"] for item in outcomes] == ["declared", "absent", "absent", "declared"]
    assert [item["outcome"] for item in outcomes] == ["fail", "unknown", "fail", "pass"]
    html = render_to_string("conformance/_check_outcomes.html", {"outcomes": outcomes})
    assert html.count("élément ou document absent") == 2
    assert html.count("déclaré par le serveur") == 2


def test_it_labels_the_new_check_types():
    assert describe({"type": "tls_min_version", "value": "1.3"}) == "TLS 1.3 ou plus"
    assert describe({"type": "fhir_profiles_any", "resource": "Patient", "profiles": ["a", "b"]}) == (
        "Patient : l'un des profils a, b"
    )
    assert describe({"type": "smart_endpoints_match"}).startswith("Sécurité SMART")

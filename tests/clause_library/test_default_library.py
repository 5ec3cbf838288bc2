"""The default library: loaded through the real import path, and checked as a curator would."""

import json
import re

import pytest

from clause_library.defaults import DEFAULT_LIBRARY_EN, DEFAULT_LIBRARY_FR
from clause_library.markdown import fill_text, render_html
from clause_library.models import Category
from clause_library.parameters import resolve_values
from clause_library.services import library_export, library_import

FILES = {"fr": DEFAULT_LIBRARY_FR, "en": DEFAULT_LIBRARY_EN}

# Each item of the seed report's §3.3 list and each topic the library must cover, with the
# coverage tag the clauses carry. A topic is covered when a clause carries its tag.
TOPICS = {
    "seed-1": "open, secure, documented FHIR / SMART on FHIR APIs",
    "seed-2": "HL7 / FHIR and OMOP compatibility",
    "seed-3": "secure replication database outside production",
    "seed-4": "contractual commitment against information blocking",
    "seed-5": "native interoperability or roadmap, traceability of technical changes",
    "seed-6": "complete, accessible technical documentation",
    "seed-7": "conformity with the national shared technical base",
    "exhaustive-api": "APIs over all data held",
    "no-fees": "no per-connector or per-access fees",
    "access-delay": "bounded delay to open access",
    "delay-sanctions": "sanctions for unjustified delays",
    "bulk-fhir": "Bulk FHIR population export",
    "replication-db": "replication database",
    "smart-discovery": "SMART App Launch discovery",
    "smart-capabilities": "SMART capabilities",
    "backend-services": "SMART Backend Services",
    "capability-statement": "FHIR CapabilityStatement",
    "bulk-kickoff-status-manifest": "Bulk Data kick-off, status and manifest",
    "fr-core-ins": "FR Core and INS",
    "dmp-feeding": "DMP feeding",
    "pro-sante-connect": "Pro Santé Connect",
    "mssante": "MSSanté",
    "segur-referencing": "Ségur referencing",
    "ehds-annex-ii": "EHDS Annex II",
    "omop-cdm": "OMOP CDM",
    "terminologies": "terminologies",
    "audit-logging": "audit logging",
    "reversibility": "reversibility at contract end",
    "roadmap-notice": "roadmap with notice before breaking changes",
    "public-api-documentation": "public API documentation",
    "test-environment": "test environment for third parties",
    "hl7v2-pam-hprim": "HL7 v2 / IHE PAM flows and HPRIM",
    "ci-sis-volets": "CI-SIS parts a patient record must implement",
    "interface-sla": "interface service levels with penalties",
    "acceptance-testing": "acceptance testing of interfaces (VABF/VSR)",
    "data-reuse-ban": "ban on the vendor reusing the hospital's data",
    "gdpr-processor": "GDPR article 28 processor terms",
    "data-act-switching": "Data Act switching rules",
    "patient-app-identity": "patient identity for patient-facing apps",
}


def load(language):
    return json.loads(FILES[language].read_text(encoding="utf-8"))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_imports_through_the_real_path_and_round_trips(language, group, curator):
    data = load(language)
    library = library_import(user=curator, organization=group, data=data)
    assert library.clauses.count() == len(data["clauses"]) >= 40
    exported = library_export(library)
    by_key = {clause["key"]: clause for clause in data["clauses"]}
    for clause in exported["clauses"]:
        original = by_key[clause["key"]]
        for field in ("title", "category", "body", "requirement", "question", "rubric", "references", "tags", "checks"):
            assert clause[field] == original.get(field, clause[field]), (clause["key"], field)


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_is_covered_by_a_named_clause(topic):
    covering = [c["key"] for c in load("fr")["clauses"] if f"covers:{topic}" in c["tags"]]
    assert covering, f"no clause covers {topic}: {TOPICS[topic]}"


def test_every_category_has_at_least_three_clauses():
    clauses = load("fr")["clauses"]
    for category in Category.values:
        assert sum(c["category"] == category for c in clauses) >= 3, category


def test_french_and_english_files_have_the_same_clauses():
    fr, en = load("fr"), load("en")
    assert [c["key"] for c in fr["clauses"]] == [c["key"] for c in en["clauses"]]
    assert fr["language"] == "fr" and en["language"] == "en"
    for a, b in zip(fr["clauses"], en["clauses"], strict=True):
        assert (a["category"], a["requirement"], a.get("default_weight"), a.get("checks")) == (
            b["category"],
            b["requirement"],
            b.get("default_weight"),
            b.get("checks"),
        ), a["key"]
        assert [(p["name"], p["type"], p.get("min"), p.get("max")) for p in a["parameters"]] == [
            (p["name"], p["type"], p.get("min"), p.get("max")) for p in b["parameters"]
        ], a["key"]
        assert b["language"] == "en" and a["language"] == "fr"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_clause_is_complete_and_renders_with_its_defaults(language):
    for clause in load(language)["clauses"]:
        key = clause["key"]
        values, errors = resolve_values(clause["parameters"])
        assert errors == {}, (key, errors)
        # Cross-references (`{{ ref:key }}`, `{{ price:code }}`) resolve only in a tender's pieces.
        body = re.sub(r"\{\{\s*(ref|price):[a-z0-9-]+\s*\}\}", "article 1", clause["body"])
        assert "{{" not in fill_text(body, values, language), key
        html = render_html(body, values, language)
        assert "{{" not in html and "param-missing" not in html, key
        assert clause["references"] and all(r["url"].startswith("https://") for r in clause["references"]), key
        if clause["requirement"] != "informative":  # an informative clause (e.g. RC text) yields no criterion
            assert sorted(level["score"] for level in clause["rubric"]) == list(range(6)), key
        assert all(level["description"].strip() for level in clause["rubric"]), key
        assert clause["question"].strip(), key
        if clause["requirement"] == "scored":
            assert clause["default_weight"] and clause["default_weight"] > 0, key
        assert not re.search(r"\{%|\{#", clause["body"]), key
        assert any(t.startswith("software:") for t in clause["tags"]), key
        assert any(t.startswith("level:") for t in clause["tags"]), key


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_library_declares_every_topic_and_a_set_per_software_and_level(language):
    data = load(language)
    assert [topic["key"] for topic in data["topics"]] == list(TOPICS)
    clause_tags = {c["key"]: c["tags"] for c in data["clauses"]}
    for topic in data["topics"]:
        assert f"covers:{topic['key']}" in clause_tags[topic["recommended_clause"]], topic
    combos = {(s["software"], s["level"]) for s in data["sets"]}
    softwares = {"patient_record", "lab", "imaging", "pharmacy", "telemonitoring", "any"}
    assert combos == {(s, lv) for s in softwares for lv in ("essential", "recommended", "advanced")}
    essentials = {c["key"] for c in data["clauses"] if "level:essential" in c["tags"] and "software:any" in c["tags"]}
    for clause_set in data["sets"]:
        # Every set, whatever its software, holds every universal essential clause.
        assert essentials <= set(clause_set["clauses"]), clause_set["key"]

"""The probe judged on real published documents: every hand-written verdict of fixtures/corpus/expectations.yaml.

17 documents from 8 publishers (SOURCES.md), FHIR R4, STU3 and DSTU2, JSON and XML. Each check's outcome must
equal the verdict written by hand from the document; a disagreement names the document, the check and the reason.
"""

import json
from pathlib import Path

import pytest
import yaml

from conformance.checks import evaluate
from conformance.validate import validate_capability_statement, validate_smart_configuration

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
EXPECTATIONS = yaml.safe_load((CORPUS / "expectations.yaml").read_text(encoding="utf-8"))
CHECKS = EXPECTATIONS["checks"]


def load(name):
    """(kind, data) of a corpus document, read as the probe reads an upload."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    if name.endswith(".xml") or '"resourceType"' in text[:2000]:
        validation = validate_capability_statement(text)
        assert validation.usable, (name, validation.messages)
        return "capability_statement", validation.data
    validation = validate_smart_configuration(text)
    assert validation.usable, (name, validation.messages)
    return "smart_configuration", validation.data


def cases():
    for name, table in EXPECTATIONS["documents"].items():
        for key, expected in table.items():
            yield pytest.param(name, key, expected, id=f"{name}:{key}")


@pytest.mark.parametrize(("name", "key", "expected"), list(cases()))
def test_the_probe_agrees_with_the_hand_written_verdict(name, key, expected):
    kind, data = load(name)
    statement, smart = (data, None) if kind == "capability_statement" else (None, data)
    result = evaluate(CHECKS[key], statement, smart)
    assert result["outcome"] == expected["expect"], (
        f"{name} / {key}: probe says {result['outcome']} ({result['evidence']['message']}), "
        f"by hand {expected['expect']}: {expected['reason']}"
    )
    assert result["basis"] in ("declared", "implied", "absent", "unreadable")


@pytest.mark.parametrize("pair", EXPECTATIONS["pairs"], ids=lambda pair: pair["capability_statement"])
def test_the_security_declaration_is_compared_with_the_well_known_document(pair):
    _kind, statement = load(pair["capability_statement"])
    _kind, smart = load(pair["smart_configuration"])
    result = evaluate({"type": "smart_endpoints_match"}, statement, smart)
    assert result["outcome"] == pair["expect"], (pair["reason"], result["evidence"])


def test_the_corpus_is_as_wide_as_promised():
    documents = EXPECTATIONS["documents"]
    assert len(documents) >= 15
    assert all(len(table) >= 20 for table in documents.values())
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(name in sources for name in documents)
    versions = set()
    for name in documents:
        kind, data = load(name)
        if kind == "capability_statement":
            versions.add(data["fhirVersion"].rsplit(".", 1)[0])
    assert {"4.0", "3.0", "1.0"} <= versions
    assert any(name.endswith(".xml") for name in documents)
    # Every document as kept is the published text: JSON files parse, the XML one is FHIR XML.
    for name in documents:
        if name.endswith(".json"):
            json.loads((CORPUS / name).read_text(encoding="utf-8"))

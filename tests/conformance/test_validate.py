"""Validation of the discovery documents: FHIR model errors are warnings, structure errors make it invalid."""

import json

from conformance.validate import validate_capability_statement, validate_smart_configuration

from .conftest import ANS, BULK_SERVER, INFERNO, SMART_10, SMART_22, SMART_ISIK, fixture_json, fixture_text


def test_it_finds_the_inferno_and_ans_statements_valid_without_warnings():
    for name in (INFERNO, ANS):
        validation = validate_capability_statement(fixture_text(name))
        assert (validation.valid, validation.messages, validation.usable) == (True, [], True), name


def test_it_keeps_the_bulk_servers_statement_valid_with_its_warnings():
    validation = validate_capability_statement(fixture_text(BULK_SERVER))
    assert validation.valid and validation.usable
    assert validation.data["fhirVersion"] == "4.0.1"
    assert len(validation.messages) == 2
    assert any("$.acceptUnknown" in message for message in validation.messages)
    assert any("$.rest[0].resource[2].profile" in message for message in validation.messages)


def test_it_finds_a_patient_invalid_with_the_validators_message():
    validation = validate_capability_statement(json.dumps({"resourceType": "Patient", "id": "x"}))
    assert (validation.valid, validation.usable) == (False, False)
    assert validation.messages == ["resourceType « Patient » au lieu de « CapabilityStatement »."]


def test_it_finds_unparseable_json_invalid():
    validation = validate_capability_statement("<html>not json</html>")
    assert not validation.valid and not validation.usable
    assert validation.messages[0].startswith("JSON illisible")
    assert validate_capability_statement(b"\xff\xfe").messages == ["Le document n'est pas encodé en UTF-8."]
    assert validate_capability_statement("[1, 2]").messages == ["Le document doit être un objet JSON."]


def test_it_accepts_the_smart_2_2_and_isik_examples():
    for name in (SMART_22, SMART_ISIK):
        validation = validate_smart_configuration(fixture_text(name))
        assert (validation.valid, validation.messages) == (True, []), name


def test_it_lists_what_a_smart_1_0_document_lacks_but_keeps_it_usable():
    validation = validate_smart_configuration(fixture_text(SMART_10))
    assert not validation.valid and validation.usable
    joined = " ".join(validation.messages)
    for field in ("grant_types_supported", "code_challenge_methods_supported", "issuer", "jwks_uri"):
        assert field in joined
    assert "token_endpoint" not in joined and "authorization_endpoint" not in joined


def test_it_requires_the_authorization_endpoint_when_a_launch_capability_is_listed():
    smart = fixture_json(SMART_22)
    del smart["authorization_endpoint"]
    validation = validate_smart_configuration(json.dumps(smart))
    assert not validation.valid
    assert validation.messages == [
        "Champ requis par SMART App Launch 2 absent : authorization_endpoint (capacité launch-ehr annoncée)."
    ]


def test_it_requires_list_fields_to_be_lists():
    smart = fixture_json(SMART_ISIK) | {"capabilities": "permission-v2"}
    validation = validate_smart_configuration(json.dumps(smart))
    assert validation.messages == ["Le champ capabilities doit être une liste."]


def test_it_reads_an_xml_capability_statement_into_the_json_shape():
    from .conftest import fixture_text

    validation = validate_capability_statement(fixture_text("corpus/nhs-gpconnect-stu3-capability-statement.xml"))
    assert validation.usable and validation.valid
    data = validation.data
    assert data["resourceType"] == "CapabilityStatement" and data["fhirVersion"] == "3.0.1"
    assert data["format"] == ["application/fhir+xml", "application/fhir+json"]
    rest = data["rest"][0]
    assert rest["mode"] == "server" and rest["security"] == {"cors": True}
    patient = rest["resource"][0]
    assert patient["type"] == "Patient"
    assert patient["interaction"] == [{"code": "read"}, {"code": "search-type"}]
    assert patient["searchParam"][0]["name"] == "identifier"
    assert rest["operation"][0]["definition"] == {
        "reference": "https://fhir.nhs.uk/STU3/OperationDefinition/GPConnect-RegisterPatient-Operation-1"
    }


def test_it_refuses_xml_with_entities_and_html_as_unreadable():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        '<CapabilityStatement xmlns="http://hl7.org/fhir"><fhirVersion value="&lol2;"/></CapabilityStatement>'
    )
    validation = validate_capability_statement(bomb)
    assert not validation.usable and "XML illisible" in validation.messages[0]
    html = validate_capability_statement("<html><body>Connexion</body></html>")
    assert not html.usable and "JSON illisible" in html.messages[0]

"""The pure evaluation of clause checks against the real discovery documents and variants derived from them."""

import copy
import json

import pytest

from conformance.checks import evaluate

from .conftest import (
    ANS,
    BULK_SERVER,
    INFERNO,
    SMART_10,
    SMART_22,
    SMART_ISIK,
    all_checks,
    fixture_json,
    fixture_text,
    with_fhir_version,
    with_plain_pkce,
    without_capability,
    without_export,
    without_search_type,
)


def outcomes(statement, smart, checks=None):
    return [evaluate(check, statement, smart)["outcome"] for check in (checks or all_checks())]


def failing(statement, smart):
    return [check for check in all_checks() if evaluate(check, statement, smart)["outcome"] == "fail"]


@pytest.fixture
def inferno():
    return fixture_json(INFERNO)


@pytest.fixture
def smart22():
    return fixture_json(SMART_22)


def test_it_passes_every_check_on_the_inferno_server_and_the_smart_2_2_example(inferno, smart22):
    assert outcomes(inferno, smart22) == ["pass"] * len(all_checks())


def test_it_reads_the_decisive_values_of_the_inferno_statement(inferno):
    version = evaluate({"type": "fhir_version", "value": "4.0.1"}, inferno, None)
    assert version["evidence"]["path"] == "$.fhirVersion" and version["evidence"]["excerpt"] == "4.0.1"
    # Inferno lists MIME types, not the short code: application/fhir+json counts as json.
    fmt = evaluate({"type": "fhir_format", "value": "json"}, inferno, None)
    assert fmt["outcome"] == "pass" and fmt["evidence"]["excerpt"] == "application/fhir+json"
    patient = evaluate(
        {
            "type": "fhir_resource",
            "resource": "Patient",
            "interactions": ["read", "search-type"],
            "profiles": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"],
        },
        inferno,
        None,
    )
    assert patient["outcome"] == "pass"
    assert patient["evidence"]["path"].startswith("$.rest[0].resource[")
    assert {"read", "search-type"} <= set(patient["evidence"]["excerpt"]["interaction"])
    system = evaluate({"type": "fhir_operation", "name": "export", "level": "system"}, inferno, None)
    assert system["outcome"] == "pass"
    assert system["evidence"] == {
        "path": "$.rest[0].operation[1]",
        "excerpt": {"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"},
        "message": system["evidence"]["message"],
    }


def test_it_matches_the_inferno_group_export_named_export_by_its_definition_or_name(inferno):
    group = evaluate({"type": "fhir_operation", "name": "group-export", "level": "group"}, inferno, None)
    assert group["outcome"] == "pass"
    assert group["evidence"]["excerpt"]["definition"].endswith("/group-export")


def test_it_matches_the_bulk_servers_patient_export_and_group_export():
    statement = fixture_json(BULK_SERVER)
    for level, name in (("patient", "patient-export"), ("group", "group-export"), ("system", "export")):
        result = evaluate({"type": "fhir_operation", "name": "export", "level": level}, statement, None)
        assert result["outcome"] == "pass", level
        assert result["evidence"]["excerpt"]["name"] == name


def test_it_matches_an_operation_by_its_canonical_definition_whatever_its_name():
    statement = {
        "resourceType": "CapabilityStatement",
        "rest": [
            {
                "mode": "server",
                "resource": [
                    {
                        "type": "Patient",
                        "operation": [
                            {
                                "name": "everything-export",
                                "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export|2.0.0",
                            },
                        ],
                    },
                ],
            }
        ],
    }
    assert (
        evaluate({"type": "fhir_operation", "name": "export", "level": "patient"}, statement, None)["outcome"] == "pass"
    )
    assert (
        evaluate({"type": "fhir_operation", "name": "export", "level": "group"}, statement, None)["outcome"] == "fail"
    )


def test_it_passes_the_smart_checks_of_the_isik_example_but_not_a_launch_capability():
    smart = fixture_json(SMART_ISIK)
    assert evaluate({"type": "smart_pkce", "value": "S256"}, None, smart)["outcome"] == "pass"
    assert evaluate({"type": "smart_grant_type", "value": "client_credentials"}, None, smart)["outcome"] == "pass"
    launch = evaluate({"type": "smart_capability", "value": "launch-ehr"}, None, smart)
    assert launch["outcome"] == "fail"
    assert launch["evidence"] == {
        "path": "$.capabilities",
        "excerpt": ["permission-v2"],
        "message": "Capacité SMART « launch-ehr » non annoncée.",
    }


def test_it_fails_pkce_and_grant_types_on_a_smart_1_0_document_but_reads_its_capabilities():
    smart = fixture_json(SMART_10)
    assert evaluate({"type": "smart_capability", "value": "launch-ehr"}, None, smart)["outcome"] == "pass"
    pkce = evaluate({"type": "smart_pkce", "value": "S256"}, None, smart)
    assert pkce["outcome"] == "fail" and pkce["evidence"]["excerpt"] is None
    assert "code_challenge_methods_supported" in pkce["evidence"]["message"]
    # No grant_types_supported (SMART 1): never a fail. client_credentials cannot be told; the authorization
    # code flow is RFC 8414's default and implied by the authorization endpoint with launch-ehr.
    credentials = evaluate({"type": "smart_grant_type", "value": "client_credentials"}, None, smart)
    assert (credentials["outcome"], credentials["basis"]) == ("unknown", "absent")
    code = evaluate({"type": "smart_grant_type", "value": "authorization_code"}, None, smart)
    assert (code["outcome"], code["basis"]) == ("pass", "implied")


def test_it_checks_the_french_directory_statement_read_only_resources():
    statement = fixture_json(ANS)
    read = {"type": "fhir_resource", "resource": "Practitioner", "interactions": ["read", "search-type"]}
    assert evaluate(read, statement, None)["outcome"] == "pass"
    write = {"type": "fhir_resource", "resource": "Practitioner", "interactions": ["create"]}
    result = evaluate(write, statement, None)
    assert result["outcome"] == "fail" and "create" in result["evidence"]["message"]
    assert evaluate({"type": "fhir_resource", "resource": "Patient"}, statement, None)["outcome"] == "fail"


# Variants: exactly the matching checks fail, with evidence ---------------------------------------


def test_it_fails_only_the_capability_check_when_a_capability_is_removed(inferno, smart22):
    smart = without_capability(smart22)
    assert failing(inferno, smart) == [{"type": "smart_capability", "value": "permission-v2"}]
    evidence = evaluate({"type": "smart_capability", "value": "permission-v2"}, inferno, smart)["evidence"]
    assert evidence["path"] == "$.capabilities"
    assert "permission-v2" not in evidence["excerpt"] and "launch-ehr" in evidence["excerpt"]


def test_it_fails_only_pkce_when_plain_is_added(inferno, smart22):
    smart = with_plain_pkce(smart22)
    assert failing(inferno, smart) == [{"type": "smart_pkce", "value": "S256"}]
    evidence = evaluate({"type": "smart_pkce", "value": "S256"}, inferno, smart)["evidence"]
    assert evidence["path"] == "$.code_challenge_methods_supported"
    assert evidence["excerpt"] == ["S256", "plain"]
    assert "plain" in evidence["message"]


def test_it_fails_only_the_version_check_on_fhir_3_0_2(inferno, smart22):
    statement = with_fhir_version(inferno)
    assert failing(statement, smart22) == [{"type": "fhir_version", "value": "4.0.1"}]
    evidence = evaluate({"type": "fhir_version", "value": "4.0.1"}, statement, smart22)["evidence"]
    assert evidence["path"] == "$.fhirVersion" and evidence["excerpt"] == "3.0.2"
    assert "3.0.2" in evidence["message"] and "4.0.1" in evidence["message"]


def test_it_fails_only_the_patient_check_when_search_type_is_removed(inferno, smart22):
    statement = without_search_type(inferno)
    patient_check = all_checks()[2]
    assert failing(statement, smart22) == [patient_check]
    evidence = evaluate(patient_check, statement, smart22)["evidence"]
    assert evidence["path"].endswith(".interaction")
    assert "search-type" not in evidence["excerpt"] and "read" in evidence["excerpt"]
    assert "search-type" in evidence["message"]


def test_it_fails_only_the_three_export_checks_without_export(inferno, smart22):
    statement = without_export(inferno)
    assert failing(statement, smart22) == [check for check in all_checks() if check["type"] == "fhir_operation"]
    evidence = evaluate({"type": "fhir_operation", "name": "export", "level": "system"}, statement, None)["evidence"]
    assert evidence["path"] == "$.rest[0].operation"
    assert evidence["excerpt"] == [
        {"name": "get-resource-counts", "definition": "$HOST/OperationDefinition/-s-get-resource-counts"}
    ]


# Missing and untidy documents ------------------------------------------------------------------


def test_it_is_unknown_when_the_needed_document_is_missing(inferno, smart22):
    assert outcomes(None, smart22) == ["unknown"] * 6 + ["pass"] * 4
    assert outcomes(inferno, None) == ["pass"] * 6 + ["unknown"] * 4
    result = evaluate({"type": "smart_pkce", "value": "S256"}, inferno, None)
    assert "configuration SMART" in result["evidence"]["message"]


def test_it_treats_wrongly_typed_elements_as_absent():
    statement = {
        "resourceType": "CapabilityStatement",
        "fhirVersion": 4,
        "format": "json",
        "rest": [{"mode": "server", "resource": {"type": "Patient"}, "operation": "export"}, "junk"],
    }
    assert (
        outcomes(
            statement, {"capabilities": "launch-ehr", "code_challenge_methods_supported": None, "token_endpoint": ""}
        )
        == ["fail"] * 7 + ["unknown"] + ["fail"] * 2  # grant types absent: unknown, never fail
    )


def test_it_fails_an_endpoint_absent_and_passes_one_present(smart22):
    assert evaluate({"type": "smart_endpoint", "value": "introspection_endpoint"}, None, smart22)["outcome"] == "pass"
    absent = evaluate(
        {"type": "smart_endpoint", "value": "introspection_endpoint"},
        None,
        fixture_json(SMART_ISIK) | {"introspection_endpoint": ""},
    )
    assert absent["outcome"] == "fail"


def test_it_accepts_profiles_with_or_without_version_and_as_a_reference():
    statement = fixture_json(BULK_SERVER)
    check = {
        "type": "fhir_resource",
        "resource": "OperationDefinition",
        "interactions": ["read"],
        "profiles": ["http://hl7.org/fhir/Profile/OperationDefinition"],
    }
    assert evaluate(check, statement, None)["outcome"] == "pass"
    ans = fixture_json(ANS)
    practitioner = next(r for r in ans["rest"][0]["resource"] if r["type"] == "Practitioner")
    profile = (practitioner.get("supportedProfile") or [practitioner.get("profile")])[0]
    unversioned = profile.split("|")[0]
    check = {"type": "fhir_resource", "resource": "Practitioner", "profiles": [unversioned]}
    assert evaluate(check, ans, None)["outcome"] == "pass"
    assert evaluate({**check, "profiles": [unversioned + "|0.0.1"]}, ans, None)["outcome"] == "fail"


def test_it_cuts_long_excerpts():
    statement = {
        "resourceType": "CapabilityStatement",
        "rest": [{"mode": "server", "resource": [{"type": f"R{index}"} for index in range(100)]}],
    }
    result = evaluate({"type": "fhir_resource", "resource": "Patient"}, statement, None)
    assert len(result["evidence"]["excerpt"]) == 41 and result["evidence"]["excerpt"][-1] == "… (+60)"


# Real shapes (issue 15): each wrong-verdict class on a document built from the corpus ----------------

CORPUS = "corpus/"


def corpus(name):
    from conformance.validate import validate_capability_statement

    text = fixture_text(CORPUS + name)
    if name.endswith(".xml") or '"resourceType"' in text[:2000]:
        return validate_capability_statement(text).data
    return json.loads(text)


def test_format_aliases_work_both_ways():
    ans = corpus("capability-ans-annuaire-sante-fr-requirements.json")  # lists "json"
    assert ans["format"] == ["json"]
    for value in ("application/fhir+json", "application/json+fhir", "json"):
        assert evaluate({"type": "fhir_format", "value": value}, ans, None)["outcome"] == "pass", value
    assert evaluate({"type": "fhir_format", "value": "application/fhir+xml"}, ans, None)["outcome"] == "fail"
    dstu2 = corpus("cerner-millennium-dstu2-conformance.json")  # a DSTU2 server: "json"
    assert evaluate({"type": "fhir_format", "value": "application/json+fhir"}, dstu2, None)["outcome"] == "pass"
    gpc = corpus("nhs-gpconnect-stu3-capability-statement.xml")  # MIME types only
    assert evaluate({"type": "fhir_format", "value": "xml"}, gpc, None)["outcome"] == "pass"


def with_rest_operation(statement, operation):
    statement = copy.deepcopy(statement)
    statement["rest"][0].setdefault("operation", []).append(operation)
    return statement


def test_stu3_type_level_operations_are_read_from_rest_operation():
    # CMS's STU3 server with the operation HAPI declares for Patient/$everything on STU3.
    everything = {"name": "everything", "definition": {"reference": "OperationDefinition/Patient-i-everything"}}
    stu3 = with_rest_operation(corpus("cms-bfd-v1-stu3-metadata.json"), everything)
    patient = evaluate({"type": "fhir_operation", "name": "everything", "level": "patient"}, stu3, None)
    assert patient["outcome"] == "pass" and patient["evidence"]["path"] == "$.rest[0].operation[0]"
    # It is a Patient operation, not a system one.
    assert (
        evaluate({"type": "fhir_operation", "name": "everything", "level": "system"}, stu3, None)["outcome"] == "fail"
    )
    # DSTU2 References too ($-prefixed names as HAPI DSTU2 writes them).
    dstu2 = with_rest_operation(
        corpus("cerner-millennium-dstu2-conformance.json"),
        {"name": "$everything", "definition": {"reference": "OperationDefinition/Patient-i-everything"}},
    )
    assert (
        evaluate({"type": "fhir_operation", "name": "everything", "level": "patient"}, dstu2, None)["outcome"] == "pass"
    )
    # R4 keeps type-level operations on the resource: the same rest.operation does not count there.
    r4 = with_rest_operation(corpus("cms-bfd-v2-r4-metadata.json"), everything)
    assert evaluate({"type": "fhir_operation", "name": "everything", "level": "patient"}, r4, None)["outcome"] == "fail"
    # STU3 patient export declared HAPI's way.
    export = with_rest_operation(
        corpus("cms-bfd-v1-stu3-metadata.json"),
        {"name": "export", "definition": {"reference": "OperationDefinition/Patient-t-export"}},
    )
    assert evaluate({"type": "fhir_operation", "name": "export", "level": "patient"}, export, None)["outcome"] == "pass"
    assert evaluate({"type": "fhir_operation", "name": "export", "level": "system"}, export, None)["outcome"] == "fail"


def test_a_missing_grant_list_is_never_a_fail():
    soarian = corpus("cerner-soarian-r4-smart-configuration-provider.json")
    assert "grant_types_supported" not in soarian
    code = evaluate({"type": "smart_grant_type", "value": "authorization_code"}, None, soarian)
    assert (code["outcome"], code["basis"]) == ("pass", "implied")
    credentials = evaluate({"type": "smart_grant_type", "value": "client_credentials"}, None, soarian)
    assert (credentials["outcome"], credentials["basis"]) == ("unknown", "absent")
    # Without a launch capability nothing implies the authorization code flow: unknown, still not a fail.
    bare = {key: value for key, value in soarian.items() if key != "capabilities"}
    assert evaluate({"type": "smart_grant_type", "value": "authorization_code"}, None, bare)["outcome"] == "unknown"


def test_a_dstu2_conformance_is_read_and_its_version_decides():
    from conformance.validate import validate_capability_statement

    validation = validate_capability_statement(fixture_text(CORPUS + "cerner-millennium-dstu2-conformance.json"))
    assert validation.usable and validation.valid
    assert evaluate({"type": "fhir_version", "value": "1.0.2"}, validation.data, None)["outcome"] == "pass"
    assert evaluate({"type": "fhir_version", "value": "4.0.1"}, validation.data, None)["outcome"] == "fail"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("introspection_endpoint", "/user/introspect"),
        ("introspection_endpoint", "http://ehr.example.com/user/introspect"),
        ("token_endpoint", "auth/token"),
        ("issuer", "https://ehr.example.com/.well-known/openid-configuration"),
    ],
)
def test_endpoints_must_be_absolute_https_urls_and_issuer_not_a_discovery_document(smart22, key, value):
    result = evaluate({"type": "smart_endpoint", "value": key}, None, smart22 | {key: value})
    assert (result["outcome"], result["basis"]) == ("fail", "unreadable")
    assert value in result["evidence"]["message"]
    assert evaluate({"type": "smart_endpoint", "value": key}, None, smart22)["outcome"] == "pass"


def test_export_is_matched_strictly_by_level():
    # The bulk server with its patient and group exports declared at rest level (the shape that passed before).
    statement = copy.deepcopy(corpus("capability-smart-bulk-data-server-r4.json"))
    rest = statement["rest"][0]
    rest["operation"] = [op for op in rest["operation"] if op["name"] != "export"]
    for resource in rest["resource"]:
        rest["operation"] += resource.pop("operation", [])
    for level in ("system", "patient", "group"):
        assert evaluate({"type": "fhir_operation", "name": "export", "level": level}, statement, None)["outcome"] == (
            "fail"
        ), level
    # A system export under another name is recognised by its canonical, version suffix allowed.
    rest["operation"].append(
        {"name": "bulk", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export|2.0.0"}
    )
    assert (
        evaluate({"type": "fhir_operation", "name": "export", "level": "system"}, statement, None)["outcome"] == "pass"
    )
    # A Patient operation pointing at the system canonical is not a patient export.
    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    patient["operation"] = [
        {"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}
    ]
    patient_export = {"type": "fhir_operation", "name": "export", "level": "patient"}
    assert evaluate(patient_export, statement, None)["outcome"] == "fail"


def test_messages_follow_the_readers_language():
    from django.utils import translation

    from conformance.checks import localize

    with translation.override("fr"):
        stored = evaluate({"type": "smart_capability", "value": "launch-ehr"}, None, fixture_json(SMART_ISIK))
    assert stored["evidence"]["message"] == "Capacité SMART « launch-ehr » non annoncée."
    with translation.override("en"):
        shown = localize(json.loads(json.dumps(stored)))  # as read back from the JSON column
    assert shown["evidence"]["message"] == "SMART capability “launch-ehr” not advertised."
    assert "message_code" not in shown and shown["basis"] == "declared"


# New check types (Inferno's static items) -------------------------------------------------------


def test_smart_endpoints_match_compares_the_statement_with_the_well_known_document():
    statement = corpus("cerner-millennium-r4-capability.json")
    smart = corpus("cerner-millennium-r4-smart-configuration.json")
    assert evaluate({"type": "smart_endpoints_match"}, statement, smart)["outcome"] == "pass"
    moved = smart | {"token_endpoint": "https://elsewhere.example/token"}
    result = evaluate({"type": "smart_endpoints_match"}, statement, moved)
    assert result["outcome"] == "fail" and "token" in result["evidence"]["message"]
    assert evaluate({"type": "smart_endpoints_match"}, statement, None)["outcome"] == "unknown"


def test_backend_services_and_oidc_and_capabilities_array(smart22):
    cerner = corpus("cerner-millennium-r4-smart-configuration.json")
    assert evaluate({"type": "smart_backend_services"}, None, cerner)["outcome"] == "pass"
    no_jwt = cerner | {"token_endpoint_auth_methods_supported": ["client_secret_basic"]}
    assert evaluate({"type": "smart_backend_services"}, None, no_jwt)["outcome"] == "fail"
    rs256 = cerner | {"token_endpoint_auth_signing_alg_values_supported": ["RS256"]}
    assert evaluate({"type": "smart_backend_services"}, None, rs256)["outcome"] == "fail"
    assert evaluate({"type": "smart_oidc_endpoints"}, None, smart22)["outcome"] == "pass"
    no_issuer = {key: value for key, value in smart22.items() if key != "issuer"}
    assert evaluate({"type": "smart_oidc_endpoints"}, None, no_issuer)["outcome"] == "fail"
    assert evaluate({"type": "smart_capabilities_array"}, None, smart22)["outcome"] == "pass"
    mixed = smart22 | {"capabilities": ["launch-ehr", 3]}
    assert evaluate({"type": "smart_capabilities_array"}, None, mixed)["basis"] == "unreadable"
    assert evaluate({"type": "smart_capabilities_array"}, None, smart22 | {"capabilities": "launch-ehr"})[
        "outcome"
    ] == ("fail")


def test_instantiates_and_profiles_any(inferno):
    check = {
        "type": "fhir_instantiates",
        "value": "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|6.1.0",
    }
    assert evaluate(check, inferno, None)["outcome"] == "fail"  # a version is asked, none declared
    assert evaluate({**check, "value": check["value"].split("|")[0]}, inferno, None)["outcome"] == "pass"
    versioned = copy.deepcopy(inferno)
    versioned["instantiates"] = [check["value"]]
    assert evaluate({**check, "value": check["value"].split("|")[0]}, versioned, None)["outcome"] == "pass"
    any_of = {
        "type": "fhir_profiles_any",
        "resource": "Patient",
        "profiles": ["http://example.org/other", "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"],
    }
    assert evaluate(any_of, inferno, None)["outcome"] == "pass"
    assert evaluate({**any_of, "profiles": ["http://example.org/other"]}, inferno, None)["outcome"] == "fail"


def test_transport_checks_read_the_fetch_and_are_unknown_on_uploads():
    transport = {
        "smart_configuration": {
            "tls_version": "TLSv1.3",
            "headers": {"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*"},
        }
    }
    for check in ({"type": "tls_min_version", "value": "1.2"}, {"type": "cors"}, {"type": "well_known_content_type"}):
        assert evaluate(check, None, None, transport)["outcome"] == "pass", check
        upload = evaluate(check, None, None, None)
        assert (upload["outcome"], upload["basis"]) == ("unknown", "absent"), check
    old = {"smart_configuration": {"tls_version": "TLSv1.1", "headers": {"Content-Type": "application/fhir+json"}}}
    assert evaluate({"type": "tls_min_version"}, None, None, old)["outcome"] == "fail"
    assert evaluate({"type": "cors"}, None, None, old)["outcome"] == "fail"
    assert evaluate({"type": "well_known_content_type"}, None, None, old)["outcome"] == "fail"


OLDER_EXPORT = "capability-bulk-server-r4-older-export-definition.json"


@pytest.mark.parametrize(
    "definition",
    [
        "http://hl7.org/fhir/OperationDefinition/System-export",
        "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/bulk-data-export",
        {"reference": "OperationDefinition/export"},
        "https://sandbox.example.org/fhir/OperationDefinition/Bulk-export",
    ],
)
def test_a_system_export_with_an_older_definition_is_judged_by_name_and_level_and_cites_it(definition):
    statement = fixture_json(OLDER_EXPORT)
    operation = next(op for op in statement["rest"][0]["operation"] if op["name"] == "export")
    operation["definition"] = definition
    result = evaluate({"type": "fhir_operation", "name": "export", "level": "system"}, statement, None)
    assert (result["outcome"], result["basis"]) == ("pass", "declared")
    cited = definition["reference"] if isinstance(definition, dict) else definition
    assert result["evidence"]["excerpt"]["definition"] == definition
    assert result["message_code"]["params"]["definition"] == cited
    assert cited in result["evidence"]["message"]
    # The patient and group exports of the same file are still read from their own resources.
    for level in ("patient", "group"):
        check = {"type": "fhir_operation", "name": "export", "level": level}
        assert evaluate(check, statement, None)["outcome"] == "pass", level


def test_the_older_export_fixture_as_shipped_passes_and_a_type_named_definition_stays_type_level():
    statement = fixture_json(OLDER_EXPORT)
    system = {"type": "fhir_operation", "name": "export", "level": "system"}
    assert evaluate(system, statement, None)["outcome"] == "pass"
    # A definition naming a resource type is not a system export (pre-R4 type-level operations).
    operation = next(op for op in statement["rest"][0]["operation"] if op["name"] == "export")
    operation["definition"] = "OperationDefinition/Patient-t-export"
    assert evaluate(system, statement, None)["outcome"] == "fail"
    # The current canonical keeps the plain message (no "cited definition" note).
    operation["definition"] = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
    result = evaluate(system, statement, None)
    assert result["outcome"] == "pass" and "definition" not in result["message_code"]["params"]

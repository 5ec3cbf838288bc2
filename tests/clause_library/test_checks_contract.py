"""Issue 15: the check types of the probe in the API contract, the clause editor and the library file schema."""

import json

import pytest

from clause_library.checks import CHECK_FIELDS, validate_checks
from clause_library.library_file import SCHEMA_PATH
from clause_library.models import Clause

from ..factories import clause_content

NEW_CHECKS = [
    {"type": "smart_endpoints_match"},
    {"type": "fhir_instantiates", "value": "http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server|6.1.0"},
    {"type": "smart_backend_services"},
    {"type": "tls_min_version", "value": "1.2"},
    {"type": "tls_min_version"},
    {"type": "cors"},
    {"type": "well_known_content_type"},
    {"type": "smart_capabilities_array"},
    {"type": "smart_oidc_endpoints"},
    {
        "type": "fhir_profiles_any",
        "resource": "Patient",
        "profiles": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient", "http://example.org/p"],
    },
]
MALFORMED = [
    ({"type": "fhir_instantiates"}, "value"),
    ({"type": "fhir_profiles_any", "resource": "Patient"}, "profiles"),
    ({"type": "fhir_profiles_any", "resource": "Patient", "profiles": []}, "profiles"),
    ({"type": "tls_min_version", "value": "1.0"}, "tls_min_version"),
    ({"type": "cors", "value": "x"}, "value"),
    ({"type": "smart_backend_services", "algs": ["RS384"]}, "algs"),
    ({"type": "tls_check"}, "tls_check"),
]


def test_every_new_type_is_accepted_well_formed():
    assert validate_checks(NEW_CHECKS) == []


@pytest.mark.parametrize(("check", "named"), MALFORMED)
def test_a_malformed_or_unknown_check_is_refused_naming_it(check, named):
    errors = validate_checks([check])
    assert errors and named in " ".join(errors)


def url():
    return "/api/v1/clauses/"


@pytest.mark.django_db
def test_the_api_stores_the_new_types_and_refuses_a_malformed_one_with_400(api, library, curator):
    payload = {"library": library.pk, "key": "inferno", **clause_content(), "checks": NEW_CHECKS}
    response = api(curator).post(url(), payload, format="json")
    assert response.status_code == 201, response.data
    assert Clause.objects.get(key="inferno").current.checks == NEW_CHECKS
    bad = {**payload, "key": "bad", "checks": [{"type": "tls_min_version", "value": "1.0"}]}
    response = api(curator).post(url(), bad, format="json")
    assert response.status_code == 400 and "tls_min_version" in str(response.data["checks"])
    assert not Clause.objects.filter(key="bad").exists()


def test_the_library_file_schema_knows_every_type_and_refuses_a_malformed_check():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    check_schema = {**schema["$defs"]["check"], "$defs": schema["$defs"]}
    validator = Draft202012Validator(check_schema)
    for check in NEW_CHECKS:
        assert list(validator.iter_errors(check)) == [], check
    consts = {variant["properties"]["type"]["const"] for variant in schema["$defs"]["check"]["oneOf"]}
    assert consts == set(CHECK_FIELDS)
    for check, _named in MALFORMED:
        assert list(validator.iter_errors(check)), check


@pytest.mark.django_db
def test_the_clause_editor_lists_the_check_types(client, library, curator):
    from django.urls import reverse

    client.force_login(curator)
    page = client.get(reverse("clause_library:clause_create", args=[library.pk])).content.decode()
    for kind in ("smart_endpoints_match", "fhir_profiles_any", "tls_min_version", "well_known_content_type"):
        assert kind in page

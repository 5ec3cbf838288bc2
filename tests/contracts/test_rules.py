"""The pure parts: dates, amounts, the schema files kept and the way schema errors are worded."""

import datetime
import json
from types import SimpleNamespace

from contracts import decp, ocds, schemas


def test_months_are_added_at_the_end_of_short_months():
    assert ocds.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert ocds.add_months(datetime.date(2026, 12, 15), 48) == datetime.date(2030, 12, 15)
    assert ocds.add_months(datetime.date(2027, 11, 30), 3) == datetime.date(2028, 2, 29)


def test_the_kept_schemas_are_the_versions_the_readme_names():
    readme = (schemas.HERE / "README.md").read_text(encoding="utf-8")
    assert "version 2.0.3" in readme and "1.1.5" in readme
    decp_schema = json.loads(schemas.DECP_FILE.read_text(encoding="utf-8"))
    assert "ccag" in decp_schema["definitions"]["marche"]["required"]
    package = json.loads(schemas.OCDS_PACKAGE_FILE.read_text(encoding="utf-8"))
    assert package["id"].endswith("/1__1__5/release-package-schema.json")


def _contract(**overrides):
    values = {
        "uid": "202600000100",
        "cpv": "48000000",
        "techniques": ["none"],
        "execution_modes": ["orders"],
        "framework_uid": "",
        "innovative": False,
        "ccag": "tic",
        "advance": True,
        "advance_rate": 0,
        "grouping": "none",
        "subcontracting_declared": False,
        "procedure": "open",
        "place_code": "75056",
        "place_type": "commune",
        "duration_months": 48,
        "notified_on": datetime.date(2026, 12, 15),
        "data_published_on": None,
        "amount": 100000.5,
        "price_types": ["revisable"],
        "price_form": "unitaire",
        "holder_siret": "73282932000074",
        "social_considerations": ["none"],
        "environmental_considerations": ["none"],
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def _marche(contract, modifications=()):
    return decp.marche(
        contract,
        organization_siret="26750045200011",
        title="DPI",
        offers=3,
        modifications=list(modifications),
        acts=[],
        today=datetime.date(2026, 12, 20),
    )


def test_a_complete_record_is_valid_and_keeps_false_values_and_cents():
    record = _marche(_contract())
    assert decp.problems(decp.document([record])) == []
    assert record["marcheInnovant"] is False and record["attributionAvance"] is True
    assert record["tauxAvance"] == 0  # an advance whose rate is unknown, as the format says
    assert record["montant"] == 100000.5
    assert record["datePublicationDonnees"] == "2026-12-20"


def test_an_unknown_value_is_left_out_so_the_schema_names_it():
    record = _marche(_contract(place_code="", place_type="", procedure=""))
    problems = decp.problems(decp.document([record]))
    assert [p["field"] for p in problems] == ["lieuExecution", "procedure"]
    assert problems[1]["message"].startswith("procédure manquant (procedure)")


def test_a_modification_error_points_to_the_modification_form():
    modification = SimpleNamespace(
        number=1, notified_on=datetime.date(2027, 1, 5), data_published_on=None, duration_months=0, amount=None
    )
    record = _marche(_contract(), [modification])
    record["modifications"][0]["modification"]["dureeMois"] = 0
    (problem,) = decp.problems(decp.document([record]))
    assert problem["path"] == "marches.marche[0].modifications[0].modification.dureeMois"
    assert "Modifications (avenants)" in problem["message"]

"""The official schemas this app validates against, kept in the repository (README.md says where from).

Validation never touches the network: the OCDS release package's `$ref` to the release schema is
resolved from the local copy.
"""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator, Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

HERE = Path(__file__).parent
DECP_VERSION = "2.0.3"
DECP_FILE = HERE / "decp-2.0.3-marches.json"
DECP_XSD_VERSION = "2.0.2"
DECP_XSD_FILE = HERE / "decp-2.0.2-marches.xsd"
OCDS_VERSION = "1.1.5"
OCDS_PACKAGE_FILE = HERE / "ocds-1.1.5-release-package-schema.json"
OCDS_RELEASE_FILE = HERE / "ocds-1.1.5-release-schema.json"


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def decp_validator() -> Draft7Validator:
    schema = _load(DECP_FILE)
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


@cache
def ocds_validator() -> Draft4Validator:
    package, release = _load(OCDS_PACKAGE_FILE), _load(OCDS_RELEASE_FILE)
    registry = Registry().with_resources(
        [(package["id"], DRAFT4.create_resource(package)), (release["id"], DRAFT4.create_resource(release))]
    )
    return Draft4Validator(package, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def errors_of(validator, document) -> list:
    """The schema's errors, in a stable order (by path): [jsonschema.ValidationError]."""
    return sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])

"""Validation of the two discovery documents a probe reads.

- CapabilityStatement: parsed as JSON (or FHIR XML, conformance/fhir_xml.py; DSTU2's `Conformance` is read
  too), then validated with fhir.resources. fhir.resources 8.x has no R4
  (4.0.1) package; R4B is the closest for CapabilityStatement (PITFALLS.md). Real servers send elements
  R4 does not know (`acceptUnknown`) or a Reference where a canonical is expected: those model errors
  are warnings and the document is still checked. Only unparseable JSON, a non-object or a wrong
  `resourceType` make it invalid.
- SMART configuration (`.well-known/smart-configuration`): the fields SMART App Launch 2.x requires.
  Missing fields are errors (the document is invalid) but it is still checked, since SMART 1.0 servers
  are common and their capabilities remain worth reading.

Each validator returns a `Validation(data, valid, messages, usable)`: `usable` says whether the checks
may read `data`.
"""

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

CAPABILITY_STATEMENT = "capability_statement"
SMART_CONFIGURATION = "smart_configuration"
MAX_MESSAGES = 50


class Message(str):
    """A validation message: the text in the active language, which also keeps (message id, parameters) so
    that the report can store `as_code()` beside the text and render it again in the reader's language when
    it is read (`localize_documents`)."""

    def __new__(cls, message_id, params=None):
        params = params or {}
        text = _(message_id) % params if params else _(message_id)
        message = super().__new__(cls, text)
        message.message_id, message.params = message_id, params
        return message

    def as_code(self):
        return {"id": self.message_id, "params": {key: str(value) for key, value in self.params.items()}}


def localize_documents(documents):
    """The stored documents with their `errors` rendered in the active language (where codes were kept)."""
    localized = []
    for document in documents or []:
        document = dict(document)
        codes = document.pop("error_codes", None)
        if isinstance(codes, list) and len(codes) == len(document.get("errors") or []):
            document["errors"] = [
                str(Message(code["id"], code.get("params"))) if isinstance(code, dict) and code.get("id") else text
                for code, text in zip(codes, document["errors"], strict=True)
            ]
        localized.append(document)
    return localized


@dataclass
class Validation:
    data: dict | None
    valid: bool
    messages: list = field(default_factory=list)

    @property
    def usable(self):
        return isinstance(self.data, dict)


def _parse(text, *, xml=False):
    """(data, error message). With `xml`, a document starting with `<` is read as FHIR XML."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None, Message(N_("Le document n'est pas encodé en UTF-8."))
    if xml and text.lstrip("\ufeff \t\r\n").startswith("<") and "http://hl7.org/fhir" in text[:4096]:
        from .fhir_xml import FhirXmlError, parse_fhir_xml

        try:
            return parse_fhir_xml(text), None
        except FhirXmlError as exc:
            return None, Message(N_("XML illisible : %(error)s"), {"error": exc})
    try:
        return json.loads(text), None
    except (ValueError, RecursionError) as exc:
        return None, Message(N_("JSON illisible : %(error)s"), {"error": exc})


def _location(loc):
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validate_capability_statement(text) -> Validation:
    # fhir.resources builds hundreds of pydantic models on import: loaded by the worker that runs
    # the probe, not by every web process.
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement
    from pydantic import ValidationError

    data, error = _parse(text, xml=True)
    if error:
        return Validation(None, False, [error])
    if not isinstance(data, dict):
        return Validation(None, False, [Message(N_("Le document doit être un objet JSON."))])
    resource_type = data.get("resourceType")
    if resource_type == "Conformance":
        # DSTU2's name of the resource: read with the same checks (its fhirVersion decides version checks); the
        # R4B model does not apply to it.
        return Validation(
            data, True, [Message(N_("Ressource DSTU2 « Conformance » lue comme un CapabilityStatement."))]
        )
    if resource_type != "CapabilityStatement":
        return Validation(
            None,
            False,
            [Message(N_("resourceType « %(type)s » au lieu de « CapabilityStatement »."), {"type": resource_type})],
        )
    if isinstance(data.get("fhirVersion"), str) and not data["fhirVersion"].startswith("4."):
        # STU3 / R5 statements: the R4B model would only report version differences.
        return Validation(data, True, [])
    try:
        CapabilityStatement.model_validate(data)
    except ValidationError as exc:
        warnings = [
            Message(
                N_("Avertissement (modèle FHIR R4B) %(path)s : %(message)s"),
                {"path": _location(err["loc"]), "message": err["msg"]},
            )
            for err in exc.errors()[:MAX_MESSAGES]
        ]
        return Validation(data, True, warnings)
    except Exception as exc:  # the model library may raise its own errors on odd input; still a warning
        return Validation(data, True, [Message(N_("Avertissement (modèle FHIR R4B) : %(error)s"), {"error": exc})])
    return Validation(data, True, [])


SMART_REQUIRED = ("token_endpoint", "grant_types_supported", "capabilities", "code_challenge_methods_supported")
SMART_LIST_FIELDS = ("grant_types_supported", "capabilities", "code_challenge_methods_supported")


def validate_smart_configuration(text) -> Validation:
    data, error = _parse(text)
    if error:
        return Validation(None, False, [error])
    if not isinstance(data, dict):
        return Validation(None, False, [Message(N_("Le document doit être un objet JSON."))])
    errors = []
    for key in SMART_REQUIRED:
        if data.get(key) in (None, "", []):
            errors.append(Message(N_("Champ requis par SMART App Launch 2 absent : %(field)s."), {"field": key}))
    for key in SMART_LIST_FIELDS:
        if key in data and not isinstance(data[key], list):
            errors.append(Message(N_("Le champ %(field)s doit être une liste."), {"field": key}))
    capabilities = data.get("capabilities") if isinstance(data.get("capabilities"), list) else []
    launches = [c for c in capabilities if isinstance(c, str) and c.startswith("launch-")]
    if launches and not data.get("authorization_endpoint"):
        errors.append(
            Message(
                N_(
                    "Champ requis par SMART App Launch 2 absent : authorization_endpoint (capacité %(capability)s annoncée)."
                ),
                {"capability": launches[0]},
            )
        )
    if "sso-openid-connect" in capabilities:
        for key in ("issuer", "jwks_uri"):
            if not data.get(key):
                errors.append(
                    Message(
                        N_(
                            "Champ requis par SMART App Launch 2 absent : %(field)s (capacité sso-openid-connect annoncée)."
                        ),
                        {"field": key},
                    )
                )
    return Validation(data, not errors, errors)


VALIDATORS = {CAPABILITY_STATEMENT: validate_capability_statement, SMART_CONFIGURATION: validate_smart_configuration}

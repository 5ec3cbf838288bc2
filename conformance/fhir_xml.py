"""Read a FHIR XML CapabilityStatement (or DSTU2 Conformance) into the JSON shape the checks use.

Parsed with defusedxml (no entities, no external references). FHIR XML puts primitive values in a `value`
attribute, the extension URL in `url`, and repeats an element for each item of a list; FHIR JSON uses an
array for every element whose cardinality allows more than one, even with one item. The elements of
CapabilityStatement/Conformance (DSTU2 to R5) that repeat are listed below; the rest are single.
The narrative (`text`) and contained resources are dropped: the checks do not read them.
"""

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

FHIR_NS = "{http://hl7.org/fhir}"
MAX_DEPTH = 40

# Repeating elements of CapabilityStatement / Conformance and of the data types they use (all versions).
REPEATING = {
    "extension",
    "modifierExtension",
    "contact",
    "telecom",
    "useContext",
    "jurisdiction",
    "instantiates",
    "imports",
    "format",
    "patchFormat",
    "acceptLanguage",
    "implementationGuide",
    "rest",
    "resource",
    "interaction",
    "searchParam",
    "operation",
    "compartment",
    "service",
    "coding",
    "certificate",
    "supportedProfile",
    "referencePolicy",
    "searchInclude",
    "searchRevInclude",
    "messaging",
    "endpoint",
    "supportedMessage",
    "event",
    "document",
    "chain",
    "target",
    "given",
    "prefix",
    "suffix",
    "line",
}
# `profile` repeats at the root of a DSTU2 Conformance and is single in rest.resource.
REPEATING_AT_ROOT = {"profile"}
BOOLEANS = {"true": True, "false": False}
SKIPPED = {"text", "contained"}


class FhirXmlError(ValueError):
    pass


def _local(tag):
    if not isinstance(tag, str):
        return None
    if tag.startswith(FHIR_NS):
        return tag[len(FHIR_NS) :]
    return None  # an element outside the FHIR namespace (e.g. xhtml) is not data


def _convert(element, depth):
    if depth > MAX_DEPTH:
        raise FhirXmlError("nesting too deep")
    children = [child for child in element if _local(child.tag) is not None]
    value = element.get("value")
    if value is not None and not any(_local(child.tag) != "extension" for child in children):
        return BOOLEANS.get(value, value)
    data = {}
    if element.get("url") is not None:
        data["url"] = element.get("url")
    if element.get("id") is not None:
        data["id"] = element.get("id")
    if value is not None:
        data["value"] = value
    for child in children:
        name = _local(child.tag)
        if name in SKIPPED:
            continue
        converted = _convert(child, depth + 1)
        if name in REPEATING or (depth == 0 and name in REPEATING_AT_ROOT):
            data.setdefault(name, []).append(converted)
        else:
            data[name] = converted
    return data


def parse_fhir_xml(text):
    """The resource as a JSON-shaped dict (`resourceType` from the root element)."""
    try:
        root = ElementTree.fromstring(text, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise FhirXmlError(str(exc) or exc.__class__.__name__) from exc
    name = _local(root.tag)
    if name is None:
        raise FhirXmlError("root element outside the FHIR namespace")
    data = _convert(root, 0)
    return {"resourceType": name, **data}

"""The DECP file in XML (the official XSD 2.0.2, kept in contracts/schemas/), from the JSON document.

The two official forms carry the same tree: a JSON object is an element, a list of one-key objects
({"titulaire": {...}}) is a wrapper element holding those children, a list of plain values repeats the
element (<technique>…</technique> twice), booleans are `true` / `false`.
"""

from functools import cache

from lxml import etree

from . import schemas


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _emit(parent, key, value):
    if isinstance(value, dict):
        element = etree.SubElement(parent, key)
        for child_key, child in value.items():
            _emit(element, child_key, child)
    elif isinstance(value, list):
        if value and all(isinstance(item, dict) and len(item) == 1 for item in value):
            wrapper = etree.SubElement(parent, key)
            for item in value:
                ((child_key, child),) = item.items()
                _emit(wrapper, child_key, child)
        else:
            for item in value:
                _emit(parent, key, item)
    elif value is not None:
        etree.SubElement(parent, key).text = _text(value)


def to_xml(document) -> bytes:
    root = etree.Element("marches")
    for record in document["marches"]["marche"]:
        _emit(root, "marche", record)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@cache
def _xsd():
    # Our own file from the repository, not user input: parsed without network access.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(schemas.DECP_XSD_FILE), parser))


def xml_problems(content: bytes) -> list[dict]:
    """[{"path", "message"}] for every XSD error of the XML file; [] when it is valid."""
    xsd = _xsd()
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    valid = xsd.validate(etree.fromstring(content, parser))
    return [] if valid else [{"path": e.path, "message": e.message} for e in xsd.error_log]

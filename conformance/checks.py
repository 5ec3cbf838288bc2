"""Evaluate one clause check against a vendor's discovery documents. Pure: no ORM, no network.

`evaluate(check, capability_statement, smart_configuration, transport=None)` returns
`{"outcome": "pass"|"fail"|"unknown", "basis", "evidence": {"path", "excerpt", "message"}, "message_code"}`:
- `path` is the JSON path of the value that decided and `excerpt` that value (kept small);
- `basis` says why: `declared` (the document states it), `implied` (a default or another element
  implies it, e.g. RFC 8414's default grant type), `absent` (the element or the document is missing),
  `unreadable` (present but malformed);
- `message_code` (`{"id", "params"}`) keeps the message untranslated so a report is rendered in the
  reader's language (`localize`); `evidence.message` is the message in the active language.

`transport` ({kind: {"tls_version", "headers"}}, from the fetch) feeds the checks on the connection
itself (TLS, CORS, Content-Type); uploaded documents have none, and those checks are then unknown.

Real servers are untidy, so every lookup tolerates missing or wrongly typed elements. DSTU2 (`Conformance`)
and STU3 documents are read with their own rules: References instead of canonicals, type-level operations
in `rest.operation`.
"""

import importlib.util
import json
import os
import pkgutil
import re
from functools import lru_cache
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
DECLARED, IMPLIED, ABSENT, UNREADABLE = "declared", "implied", "absent", "unreadable"
BASES = (DECLARED, IMPLIED, ABSENT, UNREADABLE)

# Formats a CapabilityStatement may list for the same wire format: the R4 codes, the STU3+ MIME types and
# the DSTU2 ones (`application/json+fhir`). A check written either way matches a server listing any of them.
FORMAT_FAMILIES = {
    "json": {"json", "application/fhir+json", "application/json", "application/json+fhir"},
    "xml": {"xml", "application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml"},
    "ttl": {"ttl", "text/turtle", "application/fhir+turtle", "application/x-turtle"},
}

BULK_DATA = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"
EXPORT_IDS = {"system": "export", "patient": "patient-export", "group": "group-export"}
LEVEL_RESOURCE = {"patient": "Patient", "group": "Group"}
SMART_SERVICE = "SMART-on-FHIR"
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
# HAPI's OperationDefinition ids: `Patient-i-everything`, `-s-get-resource-counts` (type, levels, name).
OPERATION_ID = re.compile(r"^(?P<type>[A-Z][A-Za-z]*)?-(?:(?P<levels>[sti]{1,3})-)?(?P<name>[A-Za-z0-9][\w.-]*)$")
TLS_ORDER = {"SSLv3": 0, "TLSv1": 1, "TLSv1.0": 1, "TLSv1.1": 2, "TLSv1.2": 3, "TLSv1.3": 4}

MAX_EXCERPT_ITEMS = 40
MAX_EXCERPT_CHARS = 300


def evaluate(check, capability_statement, smart_configuration, transport=None):
    kind = check.get("type") if isinstance(check, dict) else None
    spec = EVALUATORS.get(kind)
    if spec is None:
        return _result(UNKNOWN, "$", None, N_("Type de vérification inconnu : %(type)s."), {"type": str(kind)}, ABSENT)
    needs, evaluator = spec
    if needs == "transport":
        return evaluator(check, transport, capability_statement, smart_configuration)
    documents = {"cs": capability_statement, "smart": smart_configuration}
    for name in needs:
        if not isinstance(documents[name], dict):
            label = N_("configuration SMART") if name == "smart" else N_("CapabilityStatement")
            return _result(
                UNKNOWN,
                "$",
                None,
                N_("Impossible de vérifier : document %(document)s absent ou invalide."),
                {"document": {"msgid": label}},
                ABSENT,
            )
    return evaluator(check, *[documents[name] for name in needs])


# Messages: stored untranslated, rendered in the reader's language ---------------------------------


def render(message_id, params):
    """The message in the active language; a param `{"msgid": …}` is translated too."""
    values = {
        key: _(value["msgid"]) if isinstance(value, dict) and isinstance(value.get("msgid"), str) else value
        for key, value in (params or {}).items()
    }
    try:
        return _(message_id) % values if values else _(message_id)
    except (KeyError, TypeError, ValueError):
        return message_id


def localize(result):
    """A stored result with its message rendered now (the reader's language) and without `message_code`."""
    result = dict(result)
    code = result.pop("message_code", None)
    if isinstance(code, dict) and isinstance(result.get("evidence"), dict):
        parts = code.get("parts") if isinstance(code.get("parts"), list) else [code]
        if all(isinstance(part, dict) and isinstance(part.get("id"), str) for part in parts):
            message = " ".join(render(part["id"], part.get("params")) for part in parts)
            result["evidence"] = {**result["evidence"], "message": message}
    if result.get("basis") not in BASES:
        result["basis"] = DECLARED if result.get("outcome") in (PASS, FAIL) else ABSENT
    return result


def stored_error(parts) -> str:
    """A probe report's `error` as the row keeps it: message codes (`{"id", "params"}`, shown joined by a
    space) as JSON, whatever the writer's language; `error_text` shows it in the reader's."""
    return json.dumps({"parts": list(parts)}, ensure_ascii=False)


def error_text(stored) -> str:
    """A probe report's `error` in the active language.

    Plain text goes through gettext: the broker-down note (documents/jobs.py), whose French source is its
    message id, and the French notes of reports written before codes were kept (shown as they are)."""
    if not stored:
        return ""
    try:
        code = json.loads(stored) if stored.startswith("{") else None
    except ValueError:
        code = None
    parts = code.get("parts") if isinstance(code, dict) else None
    if not isinstance(parts, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in parts):
        return _(stored)
    return " ".join(render(part["id"], part.get("params")) for part in parts)


# Helpers -----------------------------------------------------------------------------------------


def _result(outcome, path, excerpt, message_id, params=None, basis=DECLARED):
    params = params or {}
    return {
        "outcome": outcome,
        "basis": basis,
        "evidence": {"path": path, "excerpt": _small(excerpt), "message": render(message_id, params)},
        "message_code": {"id": message_id, "params": params},
    }


def _small(value):
    """Keep excerpts readable in a report: long lists and strings are cut."""
    if isinstance(value, list):
        items = [_small(item) for item in value[:MAX_EXCERPT_ITEMS]]
        if len(value) > MAX_EXCERPT_ITEMS:
            items.append(f"… (+{len(value) - MAX_EXCERPT_ITEMS})")
        return items
    if isinstance(value, dict):
        return {key: _small(item) for key, item in list(value.items())[:MAX_EXCERPT_ITEMS]}
    if isinstance(value, str) and len(value) > MAX_EXCERPT_CHARS:
        return value[:MAX_EXCERPT_CHARS] + "…"
    return value


def _list(value):
    return value if isinstance(value, list) else []


def _strings(values):
    return [value for value in _list(values) if isinstance(value, str)]


def _codes(items, key):
    """[item[key]] for the dicts in a list whose `key` is a string (e.g. interaction codes)."""
    return [item[key] for item in _list(items) if isinstance(item, dict) and isinstance(item.get(key), str)]


def _joined(values):
    return ", ".join(values)


def _server_rests(statement):
    """(index, rest) for the server-mode rest entries."""
    return [
        (index, rest)
        for index, rest in enumerate(_list(statement.get("rest")))
        if isinstance(rest, dict) and rest.get("mode") == "server"
    ]


def _find_resource(statement, resource_type):
    """(path, resource, rest) of the first server-mode declaration of `resource_type`, or (None, None, None)."""
    for rest_index, rest in _server_rests(statement):
        for index, resource in enumerate(_list(rest.get("resource"))):
            if isinstance(resource, dict) and resource.get("type") == resource_type:
                return f"$.rest[{rest_index}].resource[{index}]", resource, rest
    return None, None, None


def _unversioned(canonical):
    return canonical.split("|", 1)[0]


def _reference(value):
    """A canonical (R4+) or a Reference (`{"reference": …}`, DSTU2/STU3) as a string, else ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return value["reference"]
    return ""


def _pre_r4(statement):
    """DSTU2 (1.0.x), the STU3 ballots (1.4–1.8) and STU3 (3.0.x): type-level operations in rest.operation."""
    version = statement.get("fhirVersion")
    return isinstance(version, str) and version.startswith(("0.", "1.", "3."))


def _profiles(resource):
    """supportedProfile plus `profile`, which DSTU2/STU3 (and some R4 servers) send as a Reference."""
    profiles = _strings(resource.get("supportedProfile"))
    profile = _reference(resource.get("profile"))
    if profile:
        profiles.append(profile)
    return profiles


def _canonical_declared(expected, declared):
    expected = expected.strip()
    if "|" in expected:
        return expected in declared
    return expected in {_unversioned(value) for value in declared}


def _https_url(value):
    """Whether `value` is an absolute https URL with a host."""
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() == "https" and bool(parts.hostname)


# FHIR CapabilityStatement checks -----------------------------------------------------------------


def _fhir_version(check, statement):
    expected = check["value"].strip()
    actual = statement.get("fhirVersion")
    if actual is None:
        return _result(
            FAIL, "$.fhirVersion", None, N_("Le CapabilityStatement ne déclare pas de version FHIR."), {}, ABSENT
        )
    if not isinstance(actual, str) or not actual:
        return _result(
            FAIL, "$.fhirVersion", actual, N_("Le CapabilityStatement ne déclare pas de version FHIR."), {}, UNREADABLE
        )
    if actual == expected or actual.startswith(expected + "."):
        return _result(PASS, "$.fhirVersion", actual, N_("Version FHIR %(actual)s déclarée."), {"actual": actual})
    return _result(
        FAIL,
        "$.fhirVersion",
        actual,
        N_("Version FHIR %(actual)s déclarée, %(expected)s attendue."),
        {"actual": actual, "expected": expected},
    )


def _format_family(value):
    value = value.split(";", 1)[0].strip().lower()
    for family, members in FORMAT_FAMILIES.items():
        if value in members:
            return family
    return value


def _fhir_format(check, statement):
    expected = check["value"].strip()
    wanted = _format_family(expected)
    raw = statement.get("format")
    formats = _strings(raw)
    for index, value in enumerate(formats):
        if _format_family(value) == wanted:
            return _result(PASS, f"$.format[{index}]", value, N_("Format %(value)s déclaré."), {"value": value})
    return _result(
        FAIL,
        "$.format",
        raw,
        N_("Le format %(expected)s n'est pas déclaré (formats : %(formats)s)."),
        {"expected": expected, "formats": _joined(formats) or "—"},
        DECLARED if formats else (ABSENT if raw is None else UNREADABLE),
    )


def _declared_types(statement):
    return [
        item.get("type")
        for _index, rest in _server_rests(statement)
        for item in _list(rest.get("resource"))
        if isinstance(item, dict) and isinstance(item.get("type"), str)
    ]


def _resource_missing(statement, resource_type):
    return _result(
        FAIL,
        "$.rest[?(@.mode=='server')].resource[*].type",
        _declared_types(statement),
        N_("La ressource %(resource)s n'est pas déclarée par le serveur."),
        {"resource": resource_type},
        DECLARED if _server_rests(statement) else ABSENT,
    )


def _fhir_resource(check, statement):
    resource_type = check["resource"]
    path, resource, rest = _find_resource(statement, resource_type)
    if resource is None:
        return _resource_missing(statement, resource_type)
    problems = []
    interactions = _codes(resource.get("interaction"), "code")
    missing = [code for code in _strings(check.get("interactions")) if code not in interactions]
    if missing:
        problems.append(
            (
                f"{path}.interaction",
                interactions,
                N_("Interactions manquantes sur %(resource)s : %(missing)s."),
                {"resource": resource_type, "missing": _joined(missing)},
            )
        )
    # Search parameters common to all resources (e.g. _id) may be declared once at the rest level.
    params = _codes(resource.get("searchParam"), "name") + _codes(rest.get("searchParam"), "name")
    missing = [name for name in _strings(check.get("search_params")) if name not in params]
    if missing:
        problems.append(
            (
                f"{path}.searchParam",
                _codes(resource.get("searchParam"), "name"),
                N_("Paramètres de recherche manquants sur %(resource)s : %(missing)s."),
                {"resource": resource_type, "missing": _joined(missing)},
            )
        )
    profiles = _profiles(resource)
    missing = [url for url in _strings(check.get("profiles")) if not _canonical_declared(url, profiles)]
    if missing:
        problems.append(
            (
                f"{path}.supportedProfile",
                profiles,
                N_("Profils non déclarés sur %(resource)s : %(missing)s."),
                {"resource": resource_type, "missing": _joined(missing)},
            )
        )
    if problems:
        first = problems[0]
        if len(problems) == 1:
            return _result(FAIL, first[0], first[1], first[2], first[3])
        # Several problems: each message rendered on its own, joined (kept as one code per part).
        result = _result(FAIL, first[0], first[1], first[2], first[3])
        result["evidence"]["message"] = " ".join(render(p[2], p[3]) for p in problems)
        result["message_code"] = {"parts": [{"id": p[2], "params": p[3]} for p in problems]}
        return result
    summary = {"type": resource_type, "interaction": interactions}
    if check.get("search_params"):
        summary["searchParam"] = _codes(resource.get("searchParam"), "name")
    if check.get("profiles"):
        summary["supportedProfile"] = profiles
    return _result(
        PASS,
        path,
        summary,
        N_("La ressource %(resource)s est déclarée avec ce qui est demandé."),
        {"resource": resource_type},
    )


def _fhir_profiles_any(check, statement):
    resource_type = check["resource"]
    path, resource, _rest = _find_resource(statement, resource_type)
    if resource is None:
        return _resource_missing(statement, resource_type)
    profiles = _profiles(resource)
    wanted = _strings(check.get("profiles"))
    for url in wanted:
        if _canonical_declared(url, profiles):
            return _result(
                PASS,
                f"{path}.supportedProfile",
                profiles,
                N_("Profil %(profile)s déclaré sur %(resource)s."),
                {"profile": url, "resource": resource_type},
            )
    return _result(
        FAIL,
        f"{path}.supportedProfile",
        profiles,
        N_("Aucun des profils attendus n'est déclaré sur %(resource)s (attendus : %(expected)s)."),
        {"resource": resource_type, "expected": _joined(wanted)},
        DECLARED if profiles else ABSENT,
    )


def _fhir_instantiates(check, statement):
    expected = check["value"].strip()
    raw = statement.get("instantiates")
    declared = _strings(raw)
    if _canonical_declared(expected, declared):
        return _result(
            PASS, "$.instantiates", declared, N_("Le serveur déclare instancier %(value)s."), {"value": expected}
        )
    return _result(
        FAIL,
        "$.instantiates",
        raw,
        N_("Le serveur ne déclare pas instancier %(value)s."),
        {"value": expected},
        DECLARED if declared else (ABSENT if raw is None else UNREADABLE),
    )


def _definition_parts(definition):
    """(id, type, name) of an OperationDefinition canonical or reference: `…/Patient-i-everything` →
    ("Patient-i-everything", "Patient", "everything"); `…/-s-get-resource-counts` → (…, "", "get-resource-counts");
    a plain id (`patient-export`) → (id, None, id)."""
    last = _unversioned(definition).rstrip("/").rsplit("/", 1)[-1]
    match = OPERATION_ID.match(last)
    if match is None:
        return last, None, last
    return last, match.group("type") or "", match.group("name")


@lru_cache(maxsize=1)
def _resource_types():
    """Lower-case FHIR resource type names (the R4B models' module names; no model is imported)."""
    spec = importlib.util.find_spec("fhir.resources")
    if spec is None or not spec.origin:
        return frozenset({"patient", "group"})
    return frozenset(
        module.name for module in pkgutil.iter_modules([os.path.join(os.path.dirname(spec.origin), "R4B")])
    )


def _is_resource_type(name):
    return bool(name) and name.lower() in _resource_types()


def _bulk_id(definition):
    """The Bulk Data OperationDefinition id (`export`, `patient-export`, `group-export`) or None."""
    unversioned = _unversioned(definition)
    if unversioned.startswith(BULK_DATA):
        return unversioned[len(BULK_DATA) :]
    return None


def _op_fields(operation):
    name = operation.get("name")
    name = name.strip().lstrip("$") if isinstance(name, str) else ""
    return name, _reference(operation.get("definition"))


def _matches_export(operation, level, place):
    """Whether `operation` (found at `place`: "system" = rest.operation, "resource" = Patient/Group's)
    is the Bulk export of `level`. The Bulk canonical decides when there is one (version suffix allowed)."""
    name, definition = _op_fields(operation)
    bulk = _bulk_id(definition)
    if bulk in EXPORT_IDS.values():  # a Bulk canonical decides the level (an older id like bulk-data-export does not)
        return bulk == EXPORT_IDS[level]
    if level == "system":
        # Judged by name and level (an older or local definition, e.g. `…/bulk-data-export`, `…/System-export`,
        # does not make it something else); only a definition naming a real resource type makes it type-level.
        _id, op_type, _name = _definition_parts(definition) if definition else ("", None, "")
        return name == "export" and not _is_resource_type(op_type)
    if place == "resource":
        return name in ("export", EXPORT_IDS[level])
    # Pre-R4 type-level operation in rest.operation: `patient-export`, or a `Patient-…-export` definition.
    _id, op_type, op_name = _definition_parts(definition) if definition else ("", None, "")
    return name == EXPORT_IDS[level] or (op_type == LEVEL_RESOURCE[level] and op_name == "export")


def _matches_named(operation, name, level, place):
    op_name, definition = _op_fields(operation)
    def_id, op_type, def_name = _definition_parts(definition) if definition else ("", None, "")
    if level == "system":
        return (op_name == name or def_id == name or (op_type == "" and def_name == name)) and not op_type
    if place == "resource":
        return op_name == name or def_id == name or def_name == name
    # Pre-R4: rest.operation whose definition names the resource type (`OperationDefinition/Patient-i-everything`).
    return op_type == LEVEL_RESOURCE[level] and name in (op_name, def_name)


def _fhir_operation(check, statement):
    name = check["name"].strip().lstrip("$")
    level = check["level"]
    export = name in ("export", "patient-export", "group-export", "bulk-data-export")
    places = []  # (path, operations, place)
    if level == "system":
        for rest_index, rest in _server_rests(statement):
            places.append((f"$.rest[{rest_index}].operation", _list(rest.get("operation")), "system"))
    else:
        resource_type = LEVEL_RESOURCE.get(level)
        path, resource, _rest = _find_resource(statement, resource_type) if resource_type else (None, None, None)
        if resource is not None:
            places.append((f"{path}.operation", _list(resource.get("operation")), "resource"))
        if _pre_r4(statement):
            for rest_index, rest in _server_rests(statement):
                places.append((f"$.rest[{rest_index}].operation", _list(rest.get("operation")), "rest"))
    for path, operations, place in places:
        for index, operation in enumerate(operations):
            if not isinstance(operation, dict):
                continue
            found = (
                _matches_export(operation, level, place) if export else _matches_named(operation, name, level, place)
            )
            if found:
                excerpt = {key: operation.get(key) for key in ("name", "definition") if key in operation}
                cited = _op_fields(operation)[1]
                if export and _bulk_id(cited) not in EXPORT_IDS.values():
                    # Accepted by its name and level: the definition it cites is kept as evidence.
                    return _result(
                        PASS,
                        f"{path}[{index}]",
                        excerpt,
                        N_(
                            "Opération $%(name)s déclarée au niveau %(level)s ; définition citée : %(definition)s "
                            "(pas la définition Bulk Data actuelle %(canonical)s)."
                        ),
                        {
                            "name": excerpt.get("name", name),
                            "level": level,
                            "definition": cited or "—",
                            "canonical": BULK_DATA + EXPORT_IDS[level],
                        },
                    )
                return _result(
                    PASS,
                    f"{path}[{index}]",
                    excerpt,
                    N_("Opération $%(name)s déclarée au niveau %(level)s."),
                    {"name": excerpt.get("name", name), "level": level},
                )
    if places:
        path, operations, _place = places[0]
    else:
        path = "$.rest[?(@.mode=='server')]" + (
            "" if level == "system" else f".resource[?(@.type=='{LEVEL_RESOURCE.get(level)}')]"
        )
        operations = []
    declared = [
        {key: op.get(key) for key in ("name", "definition") if key in op} for op in operations if isinstance(op, dict)
    ]
    return _result(
        FAIL,
        path,
        declared,
        N_("Opération $%(name)s non déclarée au niveau %(level)s."),
        {"name": name, "level": level},
        DECLARED if declared else ABSENT,
    )


# SMART configuration checks ----------------------------------------------------------------------


def _listed(check, config, key, found_message, missing_message, absent_message):
    value = check["value"].strip()
    listed = config.get(key)
    if listed is None:
        return _result(FAIL, f"$.{key}", None, absent_message, {}, ABSENT)
    if not isinstance(listed, list):
        return _result(FAIL, f"$.{key}", listed, absent_message, {}, UNREADABLE)
    if value in listed:
        return _result(PASS, f"$.{key}", listed, found_message, {"value": value})
    return _result(FAIL, f"$.{key}", listed, missing_message, {"value": value})


def _smart_capability(check, config):
    return _listed(
        check,
        config,
        "capabilities",
        N_("Capacité SMART « %(value)s » annoncée."),
        N_("Capacité SMART « %(value)s » non annoncée."),
        N_("La configuration SMART n'a pas de liste « capabilities »."),
    )


def _launch_capabilities(config):
    return [c for c in _strings(config.get("capabilities")) if c.startswith("launch-")]


def _smart_grant_type(check, config):
    listed = config.get("grant_types_supported")
    if listed is None:
        # SMART 1 servers omit the list; RFC 8414 §2: the default is ["authorization_code", "implicit"], and an
        # authorization endpoint with a launch capability is the authorization-code flow. Never a fail.
        value = check["value"].strip()
        launches = _launch_capabilities(config)
        if value == "authorization_code" and _https_url(config.get("authorization_endpoint")) and launches:
            return _result(
                PASS,
                "$.authorization_endpoint",
                {"authorization_endpoint": config.get("authorization_endpoint"), "capabilities": launches},
                N_(
                    "« grant_types_supported » absent : « authorization_code » est la valeur par défaut (RFC 8414) "
                    "et le point d'autorisation avec lancement SMART l'implique."
                ),
                {},
                IMPLIED,
            )
        return _result(
            UNKNOWN,
            "$.grant_types_supported",
            None,
            N_("« grant_types_supported » absent : le type d'autorisation « %(value)s » ne peut être vérifié."),
            {"value": value},
            ABSENT,
        )
    return _listed(
        check,
        config,
        "grant_types_supported",
        N_("Type d'autorisation « %(value)s » pris en charge."),
        N_("Type d'autorisation « %(value)s » non pris en charge."),
        N_("La configuration SMART n'a pas de liste « grant_types_supported »."),
    )


def _smart_pkce(check, config):
    value = check["value"].strip()
    methods = config.get("code_challenge_methods_supported")
    path = "$.code_challenge_methods_supported"
    if not isinstance(methods, list):
        return _result(
            FAIL,
            path,
            methods,
            N_("La configuration SMART n'annonce pas PKCE (« code_challenge_methods_supported » absent)."),
            {},
            ABSENT if methods is None else UNREADABLE,
        )
    if value not in methods:
        return _result(FAIL, path, methods, N_("Méthode PKCE %(value)s non annoncée."), {"value": value})
    if "plain" in methods:
        return _result(FAIL, path, methods, N_("La méthode PKCE « plain » est acceptée ; SMART 2 l'interdit."))
    return _result(PASS, path, methods, N_("PKCE %(value)s annoncé, « plain » refusé."), {"value": value})


def _endpoint_problem(key, value):
    """None when `value` is a usable endpoint for `key`, else (message_id, params)."""
    if not _https_url(value):
        return N_("Point d'accès « %(key)s » : %(value)s n'est pas une URL https absolue."), {
            "key": key,
            "value": str(value),
        }
    if key == "issuer" and ".well-known/" in value:
        return (
            N_("« issuer » doit être l'identifiant de l'émetteur, pas l'URL d'un document .well-known (%(value)s)."),
            {"value": value},
        )
    return None


def _smart_endpoint(check, config):
    key = check["value"].strip()
    value = config.get(key)
    path = f"$.{key}"
    if value is None:
        return _result(FAIL, path, None, N_("Point d'accès « %(key)s » absent."), {"key": key}, ABSENT)
    if not isinstance(value, str) or not value.strip():
        return _result(FAIL, path, value, N_("Point d'accès « %(key)s » vide ou mal formé."), {"key": key}, UNREADABLE)
    problem = _endpoint_problem(key, value)
    if problem:
        return _result(FAIL, path, value, problem[0], problem[1], UNREADABLE)
    return _result(PASS, path, value, N_("Point d'accès « %(key)s » annoncé."), {"key": key})


def _smart_capabilities_array(check, config):
    capabilities = config.get("capabilities")
    if capabilities is None:
        return _result(
            FAIL, "$.capabilities", None, N_("La configuration SMART n'a pas de liste « capabilities »."), {}, ABSENT
        )
    if not isinstance(capabilities, list) or not all(isinstance(item, str) and item for item in capabilities):
        return _result(
            FAIL,
            "$.capabilities",
            capabilities,
            N_("« capabilities » doit être une liste de textes."),
            {},
            UNREADABLE,
        )
    return _result(
        PASS,
        "$.capabilities",
        capabilities,
        N_("« capabilities » est une liste de %(count)s textes."),
        {"count": len(capabilities)},
    )


def _smart_oidc_endpoints(check, config):
    if "sso-openid-connect" not in _strings(config.get("capabilities")):
        return _result(
            PASS,
            "$.capabilities",
            config.get("capabilities"),
            N_("« sso-openid-connect » n'est pas annoncée : « issuer » et « jwks_uri » ne sont pas requis."),
            {},
            IMPLIED,
        )
    for key in ("issuer", "jwks_uri"):
        value = config.get(key)
        if value is None:
            return _result(
                FAIL,
                f"$.{key}",
                None,
                N_("« sso-openid-connect » annoncée mais « %(key)s » absent."),
                {"key": key},
                ABSENT,
            )
        problem = _endpoint_problem(key, value)
        if problem:
            return _result(FAIL, f"$.{key}", value, problem[0], problem[1], UNREADABLE)
    excerpt = {"issuer": config["issuer"], "jwks_uri": config["jwks_uri"]}
    return _result(PASS, "$", excerpt, N_("« sso-openid-connect » annoncée avec « issuer » et « jwks_uri »."))


def _smart_backend_services(check, config):
    missing, bases = [], []
    methods = config.get("token_endpoint_auth_methods_supported")
    if "private_key_jwt" not in _strings(methods):
        missing.append("token_endpoint_auth_methods_supported ∋ private_key_jwt")
        bases.append(ABSENT if methods is None else DECLARED)
    algs = config.get("token_endpoint_auth_signing_alg_values_supported")
    if not {"RS384", "ES384"} & set(_strings(algs)):
        missing.append("token_endpoint_auth_signing_alg_values_supported ∋ RS384 | ES384")
        bases.append(ABSENT if algs is None else DECLARED)
    grants = config.get("grant_types_supported")
    # SMART 1 style documents omit grant_types_supported: client_credentials is then implied by the
    # asymmetric client authentication (never a fail for the missing list alone).
    implied = grants is None
    if grants is not None and "client_credentials" not in _strings(grants):
        missing.append("grant_types_supported ∋ client_credentials")
        bases.append(DECLARED)
    if not _https_url(config.get("token_endpoint")):
        missing.append("token_endpoint (https)")
        bases.append(ABSENT if config.get("token_endpoint") is None else UNREADABLE)
    excerpt = {
        key: config.get(key)
        for key in (
            "token_endpoint",
            "token_endpoint_auth_methods_supported",
            "token_endpoint_auth_signing_alg_values_supported",
            "grant_types_supported",
        )
        if key in config
    }
    if missing:
        return _result(
            FAIL,
            "$",
            excerpt,
            N_("Découverte SMART Backend Services incomplète : %(missing)s."),
            {"missing": _joined(missing)},
            DECLARED if DECLARED in bases else bases[0],
        )
    if implied:
        return _result(
            PASS,
            "$",
            excerpt,
            N_(
                "SMART Backend Services annoncé (private_key_jwt, RS384/ES384) ; « grant_types_supported » absent, "
                "client_credentials en découle."
            ),
            {},
            IMPLIED,
        )
    return _result(
        PASS, "$", excerpt, N_("SMART Backend Services annoncé (private_key_jwt, RS384/ES384, client_credentials).")
    )


def _smart_endpoints_match(check, statement, config):
    """rest.security declares the SMART-on-FHIR service and the oauth-uris extension, whose URLs equal the
    well-known ones (authorize ↔ authorization_endpoint, token ↔ token_endpoint)."""
    for rest_index, rest in _server_rests(statement):
        security = rest.get("security")
        if not isinstance(security, dict):
            continue
        path = f"$.rest[{rest_index}].security"
        services = [
            coding.get("code")
            for service in _list(security.get("service"))
            if isinstance(service, dict)
            for coding in _list(service.get("coding"))
            if isinstance(coding, dict)
        ]
        if SMART_SERVICE not in services:
            continue
        uris = next(
            (ext for ext in _list(security.get("extension")) if isinstance(ext, dict) and ext.get("url") == OAUTH_URIS),
            None,
        )
        if uris is None:
            return _result(
                FAIL,
                path,
                {"service": services},
                N_("La sécurité SMART-on-FHIR est déclarée sans l'extension oauth-uris."),
                {},
                ABSENT,
            )
        declared = {
            ext.get("url"): ext.get("valueUri", ext.get("valueUrl"))
            for ext in _list(uris.get("extension"))
            if isinstance(ext, dict) and isinstance(ext.get("url"), str)
        }
        excerpt = {"oauth-uris": declared}
        mismatches = []
        for uri_key, smart_key in (("authorize", "authorization_endpoint"), ("token", "token_endpoint")):
            left, right = declared.get(uri_key), config.get(smart_key)
            excerpt[smart_key] = right
            if left is None and right is None:
                continue
            if not (isinstance(left, str) and isinstance(right, str) and left.rstrip("/") == right.rstrip("/")):
                mismatches.append(f"{uri_key} ≠ {smart_key}")
        if "token" not in declared:
            mismatches.append("token")
        if mismatches:
            return _result(
                FAIL,
                f"{path}.extension",
                excerpt,
                N_("Les URL oauth-uris du CapabilityStatement diffèrent de la configuration SMART : %(diff)s."),
                {"diff": _joined(mismatches)},
            )
        return _result(
            PASS,
            f"{path}.extension",
            excerpt,
            N_("SMART-on-FHIR déclaré ; les URL oauth-uris égalent celles de la configuration SMART."),
        )
    return _result(
        FAIL,
        "$.rest[?(@.mode=='server')].security",
        None,
        N_("Le CapabilityStatement ne déclare pas la sécurité SMART-on-FHIR."),
        {},
        ABSENT,
    )


# Checks on the connection (url probes only) ------------------------------------------------------


def _no_transport(check):
    return _result(
        UNKNOWN,
        "$",
        None,
        N_("Vérifiable seulement en lisant le serveur (documents téléversés)."),
        {},
        ABSENT,
    )


def _transport_of(transport, kind):
    value = (transport or {}).get(kind)
    return value if isinstance(value, dict) else None


def _tls_min_version(check, transport, _statement, _config):
    minimum = (check.get("value") or "1.2").strip()
    minimum = minimum if minimum.startswith("TLS") else f"TLSv{minimum}"
    seen = _transport_of(transport, "smart_configuration") or _transport_of(transport, "capability_statement")
    if seen is None:
        return _no_transport(check)
    version = seen.get("tls_version")
    if not version:
        return _result(FAIL, "$", None, N_("Connexion sans TLS."), {}, DECLARED)
    if TLS_ORDER.get(version, -1) >= TLS_ORDER.get(minimum, 3):
        return _result(PASS, "$", version, N_("Connexion en %(version)s."), {"version": version})
    return _result(
        FAIL,
        "$",
        version,
        N_("Connexion en %(version)s, %(minimum)s au moins attendu."),
        {"version": version, "minimum": minimum},
    )


def _header(seen, name):
    headers = seen.get("headers") if isinstance(seen.get("headers"), dict) else {}
    return {key.lower(): value for key, value in headers.items()}.get(name)


def _cors(check, transport, _statement, _config):
    seen = _transport_of(transport, "smart_configuration")
    if seen is None:
        return _no_transport(check)
    value = _header(seen, "access-control-allow-origin")
    if value:
        return _result(
            PASS,
            "Access-Control-Allow-Origin",
            value,
            N_("La configuration SMART répond avec Access-Control-Allow-Origin : %(value)s."),
            {"value": value},
        )
    return _result(
        FAIL,
        "Access-Control-Allow-Origin",
        None,
        N_("La configuration SMART répond sans en-tête Access-Control-Allow-Origin (CORS)."),
        {},
        ABSENT,
    )


def _well_known_content_type(check, transport, _statement, _config):
    seen = _transport_of(transport, "smart_configuration")
    if seen is None:
        return _no_transport(check)
    value = _header(seen, "content-type") or ""
    media = value.split(";", 1)[0].strip().lower()
    if media == "application/json":
        return _result(PASS, "Content-Type", value, N_("Content-Type %(value)s."), {"value": value})
    return _result(
        FAIL,
        "Content-Type",
        value or None,
        N_("Content-Type « %(value)s » au lieu de application/json."),
        {"value": value or "—"},
        DECLARED if value else ABSENT,
    )


EVALUATORS = {
    "fhir_version": (("cs",), _fhir_version),
    "fhir_format": (("cs",), _fhir_format),
    "fhir_resource": (("cs",), _fhir_resource),
    "fhir_operation": (("cs",), _fhir_operation),
    "fhir_instantiates": (("cs",), _fhir_instantiates),
    "fhir_profiles_any": (("cs",), _fhir_profiles_any),
    "smart_capability": (("smart",), _smart_capability),
    "smart_grant_type": (("smart",), _smart_grant_type),
    "smart_pkce": (("smart",), _smart_pkce),
    "smart_endpoint": (("smart",), _smart_endpoint),
    "smart_capabilities_array": (("smart",), _smart_capabilities_array),
    "smart_oidc_endpoints": (("smart",), _smart_oidc_endpoints),
    "smart_backend_services": (("smart",), _smart_backend_services),
    "smart_endpoints_match": (("cs", "smart"), _smart_endpoints_match),
    "tls_min_version": ("transport", _tls_min_version),
    "cors": ("transport", _cors),
    "well_known_content_type": ("transport", _well_known_content_type),
}


def describe(check):
    """A short label of a check, for pages and reports (in the active language)."""
    if not isinstance(check, dict):
        return str(check)
    kind = check.get("type")
    if kind == "fhir_version":
        return _("Version FHIR %(value)s") % {"value": check.get("value")}
    if kind == "fhir_format":
        return _("Format %(value)s") % {"value": check.get("value")}
    if kind == "fhir_resource":
        parts = [str(check.get("resource"))]
        if check.get("interactions"):
            parts.append(_("interactions %(list)s") % {"list": _joined(_strings(check["interactions"]))})
        if check.get("search_params"):
            parts.append(_("recherche par %(list)s") % {"list": _joined(_strings(check["search_params"]))})
        if check.get("profiles"):
            parts.append(_("profils %(list)s") % {"list": _joined(_strings(check["profiles"]))})
        return _("Ressource %(detail)s") % {"detail": " — ".join(parts)}
    if kind == "fhir_operation":
        return _("Opération $%(name)s (niveau %(level)s)") % {"name": check.get("name"), "level": check.get("level")}
    if kind == "fhir_instantiates":
        return _("Le serveur instancie %(value)s") % {"value": check.get("value")}
    if kind == "fhir_profiles_any":
        return _("%(resource)s : l'un des profils %(list)s") % {
            "resource": check.get("resource"),
            "list": _joined(_strings(check.get("profiles"))),
        }
    if kind == "smart_capability":
        return _("Capacité SMART %(value)s") % {"value": check.get("value")}
    if kind == "smart_grant_type":
        return _("Autorisation OAuth %(value)s") % {"value": check.get("value")}
    if kind == "smart_pkce":
        return _("PKCE %(value)s (sans « plain »)") % {"value": check.get("value")}
    if kind == "smart_endpoint":
        return _("Point d'accès SMART %(value)s") % {"value": check.get("value")}
    if kind == "smart_capabilities_array":
        return _("« capabilities » SMART en liste de textes")
    if kind == "smart_oidc_endpoints":
        return _("OpenID Connect : issuer et jwks_uri")
    if kind == "smart_backend_services":
        return _("SMART Backend Services (private_key_jwt, RS384/ES384)")
    if kind == "smart_endpoints_match":
        return _("Sécurité SMART du CapabilityStatement conforme à la configuration SMART")
    if kind == "tls_min_version":
        return _("TLS %(value)s ou plus") % {"value": check.get("value") or "1.2"}
    if kind == "cors":
        return _("CORS sur la configuration SMART")
    if kind == "well_known_content_type":
        return _("Configuration SMART servie en application/json")
    if kind == "live_token":
        return _("En direct : jeton SMART Backend Services (private_key_jwt)")
    if kind == "live_search":
        return _("En direct : recherche %(resource)s") % {"resource": check.get("resource")}
    if kind == "live_read":
        return _("En direct : lecture %(resource)s") % {"resource": check.get("resource")}
    if kind == "live_export":
        return _("En direct : export Bulk Data (niveau %(level)s)") % {"level": check.get("level")}
    if kind == "live_ndjson":
        return _("En direct : fichiers NDJSON de l'export (niveau %(level)s) validés") % {"level": check.get("level")}
    return str(kind)

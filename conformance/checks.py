"""Evaluate one clause check against a vendor's discovery documents. Pure: no ORM, no network.

`evaluate(check, capability_statement, smart_configuration)` returns
`{"outcome": "pass"|"fail"|"unknown", "evidence": {"path", "excerpt", "message"}}` where `path` is the
JSON path of the value that decided and `excerpt` that value (kept small). Real servers are untidy, so
every lookup tolerates missing or wrongly typed elements: what is not there counts as absent.
"""

from django.utils.translation import gettext as _

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"

# Formats a CapabilityStatement may list for the same wire format (R4 3.2.0 format codes and MIME types).
FORMAT_ALIASES = {
    "json": {"json", "application/fhir+json", "application/json", "application/json+fhir"},
    "xml": {"xml", "application/fhir+xml", "application/xml", "application/xml+fhir"},
    "ttl": {"ttl", "text/turtle", "application/fhir+turtle"},
}

BULK_DATA = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/"
# The Bulk export is `export`, `patient-export` or `group-export` depending on the server; each level
# has its canonical definition (Bulk Data IG), which is matched as well as the names.
EXPORT_NAMES = {"export", "patient-export", "group-export", "bulk-data-export"}
EXPORT_DEFINITIONS = {
    "system": {BULK_DATA + "export", BULK_DATA + "bulk-data-export"},
    "patient": {BULK_DATA + "patient-export", BULK_DATA + "bulk-data-export"},
    "group": {BULK_DATA + "group-export", BULK_DATA + "bulk-data-export"},
}
LEVEL_RESOURCE = {"patient": "Patient", "group": "Group"}

MAX_EXCERPT_ITEMS = 40
MAX_EXCERPT_CHARS = 300


def evaluate(check, capability_statement, smart_configuration):
    kind = check.get("type") if isinstance(check, dict) else None
    evaluator = EVALUATORS.get(kind)
    if evaluator is None:
        return _result(UNKNOWN, "$", None, _("Type de vérification inconnu : %(type)s.") % {"type": kind})
    document = smart_configuration if kind.startswith("smart_") else capability_statement
    if not isinstance(document, dict):
        name = _("configuration SMART") if kind.startswith("smart_") else _("CapabilityStatement")
        return _result(
            UNKNOWN,
            "$",
            None,
            _("Impossible de vérifier : document %(document)s absent ou invalide.") % {"document": name},
        )
    return evaluator(check, document)


# Helpers -----------------------------------------------------------------------------------------


def _result(outcome, path, excerpt, message):
    return {"outcome": outcome, "evidence": {"path": path, "excerpt": _small(excerpt), "message": message}}


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


def _profiles(resource):
    """supportedProfile plus `profile`, which some servers send as a Reference instead of a canonical."""
    profiles = _strings(resource.get("supportedProfile"))
    profile = resource.get("profile")
    if isinstance(profile, str):
        profiles.append(profile)
    elif isinstance(profile, dict) and isinstance(profile.get("reference"), str):
        profiles.append(profile["reference"])
    return profiles


def _profile_declared(expected, profiles):
    if "|" in expected:
        return expected in profiles
    return expected in {_unversioned(profile) for profile in profiles}


# FHIR CapabilityStatement checks -----------------------------------------------------------------


def _fhir_version(check, statement):
    expected = check["value"].strip()
    actual = statement.get("fhirVersion")
    if not isinstance(actual, str) or not actual:
        return _result(FAIL, "$.fhirVersion", actual, _("Le CapabilityStatement ne déclare pas de version FHIR."))
    if actual == expected or actual.startswith(expected + "."):
        return _result(PASS, "$.fhirVersion", actual, _("Version FHIR %(actual)s déclarée.") % {"actual": actual})
    return _result(
        FAIL,
        "$.fhirVersion",
        actual,
        _("Version FHIR %(actual)s déclarée, %(expected)s attendue.") % {"actual": actual, "expected": expected},
    )


def _fhir_format(check, statement):
    expected = check["value"].strip().lower()
    accepted = FORMAT_ALIASES.get(expected, {expected})
    formats = _strings(statement.get("format"))
    for index, value in enumerate(formats):
        if value.split(";", 1)[0].strip().lower() in accepted:
            return _result(PASS, f"$.format[{index}]", value, _("Format %(value)s déclaré.") % {"value": value})
    return _result(
        FAIL,
        "$.format",
        statement.get("format"),
        _("Le format %(expected)s n'est pas déclaré (formats : %(formats)s).")
        % {"expected": expected, "formats": _joined(formats) or _("aucun")},
    )


def _fhir_resource(check, statement):
    resource_type = check["resource"]
    path, resource, rest = _find_resource(statement, resource_type)
    if resource is None:
        declared = [
            item.get("type")
            for _index, rest in _server_rests(statement)
            for item in _list(rest.get("resource"))
            if isinstance(item, dict)
        ]
        return _result(
            FAIL,
            "$.rest[?(@.mode=='server')].resource[*].type",
            [t for t in declared if isinstance(t, str)],
            _("La ressource %(resource)s n'est pas déclarée par le serveur.") % {"resource": resource_type},
        )
    problems = []
    interactions = _codes(resource.get("interaction"), "code")
    missing = [code for code in _strings(check.get("interactions")) if code not in interactions]
    if missing:
        problems.append(
            (
                f"{path}.interaction",
                interactions,
                _("Interactions manquantes sur %(resource)s : %(missing)s.")
                % {"resource": resource_type, "missing": _joined(missing)},
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
                _("Paramètres de recherche manquants sur %(resource)s : %(missing)s.")
                % {"resource": resource_type, "missing": _joined(missing)},
            )
        )
    profiles = _profiles(resource)
    missing = [url for url in _strings(check.get("profiles")) if not _profile_declared(url, profiles)]
    if missing:
        problems.append(
            (
                f"{path}.supportedProfile",
                profiles,
                _("Profils non déclarés sur %(resource)s : %(missing)s.")
                % {"resource": resource_type, "missing": _joined(missing)},
            )
        )
    if problems:
        return _result(FAIL, problems[0][0], problems[0][1], " ".join(message for _p, _e, message in problems))
    summary = {"type": resource_type, "interaction": interactions}
    if check.get("search_params"):
        summary["searchParam"] = _codes(resource.get("searchParam"), "name")
    if check.get("profiles"):
        summary["supportedProfile"] = profiles
    return _result(
        PASS,
        path,
        summary,
        _("La ressource %(resource)s est déclarée avec ce qui est demandé.") % {"resource": resource_type},
    )


def _operation_matches(operation, name, level):
    """By name (with or without `$`) or by canonical definition; the Bulk export family by either."""
    op_name = operation.get("name")
    op_name = op_name.lstrip("$") if isinstance(op_name, str) else ""
    definition = operation.get("definition")
    definition = _unversioned(definition) if isinstance(definition, str) else ""
    if name in EXPORT_NAMES:
        return op_name in EXPORT_NAMES or definition in EXPORT_DEFINITIONS[level]
    return op_name == name or definition.rsplit("/", 1)[-1] == name


def _fhir_operation(check, statement):
    name = check["name"].strip().lstrip("$")
    level = check["level"]
    places = []  # (path, operations)
    if level == "system":
        for rest_index, rest in _server_rests(statement):
            places.append((f"$.rest[{rest_index}].operation", _list(rest.get("operation"))))
    else:
        resource_type = LEVEL_RESOURCE.get(level)
        path, resource, _rest = _find_resource(statement, resource_type) if resource_type else (None, None, None)
        if resource is not None:
            places.append((f"{path}.operation", _list(resource.get("operation"))))
    for path, operations in places:
        for index, operation in enumerate(operations):
            if isinstance(operation, dict) and _operation_matches(operation, name, level):
                excerpt = {key: operation.get(key) for key in ("name", "definition") if key in operation}
                return _result(
                    PASS,
                    f"{path}[{index}]",
                    excerpt,
                    _("Opération $%(name)s déclarée au niveau %(level)s.")
                    % {"name": excerpt.get("name", name), "level": level},
                )
    path, operations = (
        places[0]
        if places
        else (
            "$.rest[?(@.mode=='server')]"
            + ("" if level == "system" else f".resource[?(@.type=='{LEVEL_RESOURCE.get(level)}')]"),
            [],
        )
    )
    declared = [
        {key: op.get(key) for key in ("name", "definition") if key in op} for op in operations if isinstance(op, dict)
    ]
    return _result(
        FAIL,
        path,
        declared,
        _("Opération $%(name)s non déclarée au niveau %(level)s.") % {"name": name, "level": level},
    )


# SMART configuration checks ----------------------------------------------------------------------


def _listed(check, config, key, found_message, missing_message, absent_message):
    value = check["value"].strip()
    listed = config.get(key)
    if not isinstance(listed, list):
        return _result(FAIL, f"$.{key}", listed, absent_message)
    if value in listed:
        return _result(PASS, f"$.{key}", listed, found_message % {"value": value})
    return _result(FAIL, f"$.{key}", listed, missing_message % {"value": value})


def _smart_capability(check, config):
    return _listed(
        check,
        config,
        "capabilities",
        _("Capacité SMART « %(value)s » annoncée."),
        _("Capacité SMART « %(value)s » non annoncée."),
        _("La configuration SMART n'a pas de liste « capabilities »."),
    )


def _smart_grant_type(check, config):
    return _listed(
        check,
        config,
        "grant_types_supported",
        _("Type d'autorisation « %(value)s » pris en charge."),
        _("Type d'autorisation « %(value)s » non pris en charge."),
        _("La configuration SMART n'a pas de liste « grant_types_supported »."),
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
            _("La configuration SMART n'annonce pas PKCE (« code_challenge_methods_supported » absent)."),
        )
    if value not in methods:
        return _result(FAIL, path, methods, _("Méthode PKCE %(value)s non annoncée.") % {"value": value})
    if "plain" in methods:
        return _result(FAIL, path, methods, _("La méthode PKCE « plain » est acceptée ; SMART 2 l'interdit."))
    return _result(PASS, path, methods, _("PKCE %(value)s annoncé, « plain » refusé.") % {"value": value})


def _smart_endpoint(check, config):
    key = check["value"].strip()
    value = config.get(key)
    path = f"$.{key}"
    if value is None:
        return _result(FAIL, path, None, _("Point d'accès « %(key)s » absent.") % {"key": key})
    if isinstance(value, str) and value.strip():
        return _result(PASS, path, value, _("Point d'accès « %(key)s » annoncé.") % {"key": key})
    return _result(FAIL, path, value, _("Point d'accès « %(key)s » vide ou mal formé.") % {"key": key})


EVALUATORS = {
    "fhir_version": _fhir_version,
    "fhir_format": _fhir_format,
    "fhir_resource": _fhir_resource,
    "fhir_operation": _fhir_operation,
    "smart_capability": _smart_capability,
    "smart_grant_type": _smart_grant_type,
    "smart_pkce": _smart_pkce,
    "smart_endpoint": _smart_endpoint,
}


def describe(check):
    """A short French label of a check, for pages and reports."""
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
    if kind == "smart_capability":
        return _("Capacité SMART %(value)s") % {"value": check.get("value")}
    if kind == "smart_grant_type":
        return _("Autorisation OAuth %(value)s") % {"value": check.get("value")}
    if kind == "smart_pkce":
        return _("PKCE %(value)s (sans « plain »)") % {"value": check.get("value")}
    if kind == "smart_endpoint":
        return _("Point d'accès SMART %(value)s") % {"value": check.get("value")}
    return str(kind)

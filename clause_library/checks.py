"""Machine-checkable conformance checks carried by clauses (see API.md, Conformance probe)."""

from django.utils.translation import gettext as _

CHECK_FIELDS = {
    "fhir_version": {"value": str},
    "fhir_format": {"value": str},
    "fhir_resource": {"resource": str, "interactions": list, "search_params": list, "profiles": list},
    "fhir_operation": {"name": str, "level": str},
    "smart_capability": {"value": str},
    "smart_grant_type": {"value": str},
    "smart_pkce": {"value": str},
    "smart_endpoint": {"value": str},
    "fhir_instantiates": {"value": str},
    "fhir_profiles_any": {"resource": str, "profiles": list},
    "smart_endpoints_match": {},
    "smart_backend_services": {},
    "smart_capabilities_array": {},
    "smart_oidc_endpoints": {},
    "tls_min_version": {"value": str},
    "cors": {},
    "well_known_content_type": {},
}
REQUIRED = {
    "fhir_resource": {"resource"},
    "fhir_operation": {"name", "level"},
    "fhir_profiles_any": {"resource", "profiles"},
    "smart_endpoints_match": set(),
    "smart_backend_services": set(),
    "smart_capabilities_array": set(),
    "smart_oidc_endpoints": set(),
    "tls_min_version": set(),
    "cors": set(),
    "well_known_content_type": set(),
}
OPERATION_LEVELS = ("system", "patient", "group")
TLS_VERSIONS = ("1.2", "1.3")


def validate_checks(checks):
    """Error messages for a clause's `checks` list (empty when all are well formed)."""
    if not isinstance(checks, list):
        return [_("Doit être une liste.")]
    errors = []
    for index, check in enumerate(checks):
        where = _("Vérification %(n)s") % {"n": index + 1}
        if not isinstance(check, dict):
            errors.append(_("%(where)s : doit être un objet.") % {"where": where})
            continue
        kind = check.get("type")
        if kind not in CHECK_FIELDS:
            errors.append(
                _("%(where)s : type « %(type)s » inconnu (attendu : %(types)s).")
                % {"where": where, "type": kind, "types": ", ".join(CHECK_FIELDS)}
            )
            continue
        fields = CHECK_FIELDS[kind]
        for key in sorted(set(check) - set(fields) - {"type"}):
            errors.append(
                _("%(where)s (%(type)s) : champ inconnu « %(field)s ».") % {"where": where, "type": kind, "field": key}
            )
        required = REQUIRED.get(kind, {"value"})
        for key, expected in fields.items():
            value = check.get(key)
            if value is None:
                if key in required:
                    errors.append(
                        _("%(where)s (%(type)s) : « %(field)s » manquant.")
                        % {"where": where, "type": kind, "field": key}
                    )
                continue
            if not isinstance(value, expected) or (expected is str and not value.strip()):
                errors.append(
                    _("%(where)s (%(type)s) : « %(field)s » mal formé.") % {"where": where, "type": kind, "field": key}
                )
            elif expected is list and not all(isinstance(item, str) and item for item in value):
                errors.append(
                    _("%(where)s (%(type)s) : « %(field)s » doit être une liste de textes.")
                    % {"where": where, "type": kind, "field": key}
                )
        if kind == "fhir_profiles_any" and check.get("profiles") == []:
            errors.append(_("%(where)s (fhir_profiles_any) : « profiles » ne peut être vide.") % {"where": where})
        if kind == "tls_min_version" and check.get("value") is not None and check.get("value") not in TLS_VERSIONS:
            errors.append(_("%(where)s (tls_min_version) : version attendue parmi 1.2, 1.3.") % {"where": where})
        if kind == "fhir_operation" and check.get("level") not in OPERATION_LEVELS:
            errors.append(
                _("%(where)s (fhir_operation) : niveau attendu parmi system, patient, group.") % {"where": where}
            )
    return errors

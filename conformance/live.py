"""The live probe: exercise a vendor's sandbox as a SMART Backend Services client, read-only, with evidence.

`run_live(sandbox, organization, clause_checks, cancelled=None)` returns the live results (API.md "Live probe"):
`{"tender_clause", "check": {"type": "live_…", …}, "outcome", "basis": "observed", "evidence": {"requests":
[{"method", "path", "status", "ms"}], "counts": {…}, "note"}, "message_code"}`.

What it does, from the tender's clause checks:
- `live_token`: one client_credentials request authenticated by `private_key_jwt` (conformance.identity), asking
  the sandbox's `scope` or, without one, `system/<Resource>.rs` for the resources the clauses name; passes when a
  bearer token comes back with a positive `expires_in` and every scope asked is granted.
- `live_search` / `live_read` per `fhir_resource` check: `GET [base]/<Type>?_count=5` (searchset Bundle of that
  type), then each asked search parameter with a value taken from the first entry (`_id`, `identifier`, or a
  top-level string element) and a check that the answer honours it; `GET [base]/<Type>/<id>` for `read`.
- `live_export` / `live_ndjson` per `fhir_operation` export check: kick-off (a GET with `Prefer: respond-async`,
  as the IG allows), status polling honouring `Retry-After` (and 429s) up to PROBE_EXPORT_CEILING, the manifest,
  the files (PROBE_NDJSON_MAX_BYTES each), every NDJSON line parsed and validated with fhir.resources (R4B),
  counted per type, invalid lines reported by file and line number with the validator's field paths only.

Never a write: GET everywhere, POST only to the token URL (live_http.Budget refuses anything else). Evidence keeps
paths without query strings, statuses, times, counts and header names — never a resource's content. The access
token lives in memory only and is sent only to the FHIR base URL's origin. A 401 renews the token once.
"""

import json
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop as N_

from . import identity
from .checks import FAIL, PASS, UNKNOWN, render
from .fetch import FetchRefused
from .live_http import Budget, BudgetExhausted, request, same_origin

OBSERVED = "observed"
LIVE_TYPES = ("live_token", "live_read", "live_search", "live_export", "live_ndjson")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SEARCH_COUNT = 5
MAX_FILES = 20
MAX_INVALID_REPORTED = 50
JSON_CAP = 2 * 1024 * 1024
LEVEL_PATH = {"system": "$export", "patient": "Patient/$export"}
STOP_NOTES = {
    "cancelled": N_("Sondage annulé avant cette vérification."),
    "requests": N_("Nombre maximal de requêtes du sondage atteint avant cette vérification."),
    "deadline": N_("Durée maximale du sondage atteinte avant cette vérification."),
    "write": N_("Requête d'écriture refusée par le sondage."),
}


def plan(clause_checks):
    """(resources, exports): [(tender_clause, check)] of fhir_resource checks and of export fhir_operation checks."""
    resources, exports = [], []
    for tender_clause, check in clause_checks:
        if check.get("type") == "fhir_resource" and isinstance(check.get("resource"), str):
            resources.append((tender_clause, check))
        elif check.get("type") == "fhir_operation" and str(check.get("name", "")).lstrip("$") in (
            "export",
            "patient-export",
            "group-export",
        ):
            exports.append((tender_clause, check))
    return resources, exports


def scopes_for(sandbox, resources, exports):
    if (sandbox.get("scope") or "").strip():
        return sandbox["scope"].split()
    wanted = {check["resource"] for _clause, check in resources}
    levels = {check.get("level") for _clause, check in exports}
    if "patient" in levels:
        wanted.add("Patient")
    if "group" in levels:
        wanted.add("Group")
    return [f"system/{name}.rs" for name in sorted(wanted)] or ["system/*.rs"]


def _result(tender_clause, check, outcome, requests, counts, note_id, params=None, **extra):
    evidence = {"requests": requests, "counts": counts, "note": render(note_id, params or {}), **extra}
    return {
        "tender_clause": tender_clause,
        "check": check,
        "outcome": outcome,
        "basis": OBSERVED,
        "evidence": evidence,
        "message_code": {"id": note_id, "params": params or {}},
    }


def _refusal(exc):
    """A FetchRefused's (message id, params) with the params as text (they are stored as JSON)."""
    code = exc.reason.as_code()
    return code["id"], code["params"]


def _json(answer):
    try:
        return json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _retry_after(answer, default):
    value = (answer.headers.get("retry-after") or "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    return default


class Session:
    """One live run: the budget, the token, and the authorised GETs."""

    def __init__(self, sandbox, organization, scopes, cancelled=None):
        self.base = sandbox["fhir_base_url"].rstrip("/") + "/"
        self.token_url = sandbox["token_url"]
        self.client_id = sandbox["client_id"]
        self.group_id = (sandbox.get("group_id") or "").strip()
        self.organization = organization
        self.scopes = scopes
        self.budget = Budget(
            max_requests=settings.PROBE_LIVE_MAX_REQUESTS,
            deadline=time.monotonic() + settings.PROBE_LIVE_DEADLINE,
            token_url=self.token_url,
            cancelled=cancelled,
        )
        self.token = None
        self.renewals = 0

    def obtain_token(self, requests):
        """POST to the token URL; returns (answer, data) and keeps the token when one came back."""
        key = identity.active_key(self.organization)
        body = urlencode(
            {
                "grant_type": "client_credentials",
                "scope": " ".join(self.scopes),
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": identity.client_assertion(key, self.client_id, self.token_url),
            }
        ).encode("ascii")
        answer = request(
            self.budget,
            "POST",
            self.token_url,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            body=body,
            max_bytes=64 * 1024,
            entry=requests,
        )
        data = _json(answer)
        token = data.get("access_token") if isinstance(data, dict) and answer.status == 200 else None
        self.token = token if isinstance(token, str) and token else None
        return answer, data

    def get(
        self, url, requests, *, accept="application/fhir+json", max_bytes=JSON_CAP, extra=None, auth=True, shown=None
    ):
        """A GET with the bearer token (same origin only); a 401 renews the token once and retries."""
        headers = {"Accept": accept, **(extra or {})}
        send_token = auth and self.token and same_origin(url, self.base)
        if send_token:
            headers["Authorization"] = f"Bearer {self.token}"
        answer = request(self.budget, "GET", url, headers=headers, max_bytes=max_bytes, entry=requests, shown=shown)
        if answer.status == 401 and send_token and self.renewals < 2:
            self.renewals += 1
            self.obtain_token(requests)
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
                answer = request(
                    self.budget, "GET", url, headers=headers, max_bytes=max_bytes, entry=requests, shown=shown
                )
        if answer.status == 429:
            self.budget.sleep(min(_retry_after(answer, 2.0), 30.0))
            answer = request(self.budget, "GET", url, headers=headers, max_bytes=max_bytes, entry=requests, shown=shown)
        return answer


def run_live(sandbox, organization, clause_checks, cancelled=None):
    resources, exports = plan(clause_checks)
    scopes = scopes_for(sandbox, resources, exports)
    session = Session(sandbox, organization, scopes, cancelled)
    first_clause = (resources or exports or [(None, None)])[0][0]
    if first_clause is None and clause_checks:
        first_clause = clause_checks[0][0]
    pending = [("token", first_clause, None)]
    pending += [("resource", clause, check) for clause, check in resources]
    pending += [("export", clause, check) for clause, check in exports]
    results = []
    stopped = None
    for kind, clause, check in pending:
        if stopped is None:
            try:
                results += _run_one(session, kind, clause, check)
                continue
            except BudgetExhausted as exc:
                stopped = exc.reason
            except FetchRefused as exc:  # a refusal the step did not handle itself: its checks fail with it
                results += [
                    _result(clause, live, FAIL, [], {}, *_refusal(exc)) for live in _stopped_checks(kind, check)
                ]
                continue
            except (ValueError, TypeError, KeyError, AttributeError):  # an answer too odd to read: not a pass
                note = N_("Réponse inattendue du bac à sable : vérification non conclue.")
                results += [_result(clause, live, UNKNOWN, [], {}, note) for live in _stopped_checks(kind, check)]
                continue
        results += _stopped(kind, clause, check, stopped)
    return results, session.budget


def _stopped(kind, clause, check, reason):
    note = STOP_NOTES.get(reason, STOP_NOTES["deadline"])
    if kind == "token":
        checks_ = [{"type": "live_token"}]
    elif kind == "resource":
        checks_ = [_search_check(check)] + ([_read_check(check)] if "read" in (check.get("interactions") or []) else [])
    else:
        checks_ = [_export_check(check), _ndjson_check(check)]
    return [_result(clause, live, UNKNOWN, [], {}, note) for live in checks_]


def _run_one(session, kind, clause, check):
    if kind == "token":
        return [_token(session, clause)]
    if session.token is None:
        note = N_("Pas de jeton d'accès : vérification non faite.")
        return [_result(clause, live, UNKNOWN, [], {}, note) for live in _stopped_checks(kind, check)]
    if kind == "resource":
        return _resource(session, clause, check)
    return _export(session, clause, check)


def _stopped_checks(kind, check):
    if kind == "token":
        return [{"type": "live_token"}]
    if kind == "resource":
        return [_search_check(check)] + ([_read_check(check)] if "read" in (check.get("interactions") or []) else [])
    return [_export_check(check), _ndjson_check(check)]


# Token ------------------------------------------------------------------------------------------


def _token(session, clause):
    check = {"type": "live_token", "scopes": session.scopes}
    requests = []
    try:
        answer, data = session.obtain_token(requests)
    except FetchRefused as exc:
        return _result(clause, check, FAIL, requests, {}, *_refusal(exc))
    if session.token is None:
        error = data.get("error") if isinstance(data, dict) and isinstance(data.get("error"), str) else None
        return _result(
            clause,
            check,
            FAIL,
            requests,
            {"status": answer.status},
            N_("Aucun jeton obtenu (HTTP %(status)s, erreur %(error)s)."),
            {"status": answer.status, "error": error or "—"},
        )
    granted = data.get("scope") if isinstance(data.get("scope"), str) else None
    granted_list = granted.split() if granted is not None else list(session.scopes)  # RFC 6749: omitted = as asked
    missing = [scope for scope in session.scopes if scope not in granted_list]
    expires_in = data.get("expires_in")
    token_type = str(data.get("token_type", "")).lower()
    counts = {
        "scopes_asked": len(session.scopes),
        "scopes_granted": len([s for s in session.scopes if s in granted_list]),
        "expires_in": expires_in if isinstance(expires_in, int) else None,
    }
    if token_type != "bearer":
        return _result(
            clause, check, FAIL, requests, counts, N_("Jeton de type %(type)s au lieu de bearer."), {"type": token_type}
        )
    if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
        return _result(clause, check, FAIL, requests, counts, N_("Jeton obtenu sans expires_in valable."))
    if missing:
        return _result(
            clause,
            check,
            FAIL,
            requests,
            counts,
            N_("Jeton obtenu, mais portées non accordées : %(scopes)s."),
            {"scopes": " ".join(missing)},
        )
    return _result(
        clause,
        check,
        PASS,
        requests,
        counts,
        N_("Jeton obtenu (private_key_jwt) ; toutes les portées demandées accordées ; expire dans %(seconds)s s."),
        {"seconds": expires_in},
    )


# Reads and searches ------------------------------------------------------------------------------


def _search_check(check):
    return {
        "type": "live_search",
        "resource": check["resource"],
        "search_params": list(check.get("search_params") or []),
    }


def _read_check(check):
    return {"type": "live_read", "resource": check["resource"]}


def _entries(bundle, resource_type):
    """The match resources of a searchset (OperationOutcome entries in `outcome` mode are left aside)."""
    found = []
    for entry in bundle.get("entry") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            continue
        if (entry.get("search") or {}).get("mode") == "outcome":
            continue
        found.append(entry["resource"])
    return found


def _search_value(param, resource):
    """A value for `param` taken from `resource`, and a predicate telling whether another resource matches it."""
    if param == "_id" and isinstance(resource.get("id"), str):
        value = resource["id"]
        return value, lambda other: other.get("id") == value
    if param == "identifier":
        for identifier in resource.get("identifier") or []:
            if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
                system, value = identifier.get("system"), identifier["value"]
                token = f"{system}|{value}" if isinstance(system, str) else value

                def matches(other, system=system, value=value):
                    return any(
                        isinstance(i, dict)
                        and i.get("value") == value
                        and (system is None or i.get("system") == system)
                        for i in other.get("identifier") or []
                    )

                return token, matches
        return None, None
    element = resource.get(param)
    if isinstance(element, str) and element:
        return element, lambda other: other.get(param) == element
    return None, None


def _resource(session, clause, check):
    resource_type = check["resource"]
    search_check, read_check = _search_check(check), _read_check(check)
    wants_read = "read" in (check.get("interactions") or [])
    requests = []
    url = urljoin(session.base, f"{resource_type}?{urlencode({'_count': SEARCH_COUNT})}")
    try:
        answer = session.get(url, requests)
    except FetchRefused as exc:
        failed = _result(clause, search_check, FAIL, requests, {}, *_refusal(exc))
        return [failed] + (
            [_result(clause, read_check, UNKNOWN, [], {}, N_("Recherche impossible : lecture non essayée."))]
            if wants_read
            else []
        )
    results = []
    bundle = _json(answer) if 200 <= answer.status < 300 else None
    problem = _bundle_problem(answer, bundle, resource_type)
    entries = _entries(bundle, resource_type) if isinstance(bundle, dict) else []
    counts = {"entries": len(entries), "total": bundle.get("total") if isinstance(bundle, dict) else None}
    if problem:
        results.append(_result(clause, search_check, FAIL, requests, counts, *problem))
    else:
        honoured, untested, refused = [], [], []
        for param in search_check["search_params"]:
            value, matches = _search_value(param, entries[0]) if entries else (None, None)
            if value is None:
                untested.append(param)
                continue
            url = urljoin(session.base, f"{resource_type}?{urlencode({param: value, '_count': SEARCH_COUNT})}")
            try:
                answer = session.get(url, requests)
            except FetchRefused:  # no answer (connection dropped, too big…): not honoured; the read still runs
                refused.append(param)
                continue
            found = _json(answer) if 200 <= answer.status < 300 else None
            matched = _entries(found, resource_type) if isinstance(found, dict) else []
            ok = (
                not _bundle_problem(answer, found, resource_type)
                and matched
                and all(matches(item) for item in matched)
                and any(item.get("id") == entries[0].get("id") for item in matched)
            )
            (honoured if ok else refused).append(param)
        counts |= {
            "params_honoured": len(honoured),
            "params_not_honoured": len(refused),
            "params_untested": len(untested),
        }
        if refused:
            results.append(
                _result(
                    clause,
                    search_check,
                    FAIL,
                    requests,
                    counts,
                    N_("Paramètres de recherche non respectés : %(params)s."),
                    {"params": ", ".join(refused)},
                )
            )
        elif untested:
            results.append(
                _result(
                    clause,
                    search_check,
                    UNKNOWN,
                    requests,
                    counts,
                    N_("Recherche %(type)s correcte ; paramètres non essayés faute de valeur : %(params)s."),
                    {"type": resource_type, "params": ", ".join(untested)},
                )
            )
        else:
            results.append(
                _result(
                    clause,
                    search_check,
                    PASS,
                    requests,
                    counts,
                    N_("Recherche %(type)s : Bundle searchset de %(count)s ressource(s), paramètres respectés."),
                    {"type": resource_type, "count": len(entries)},
                )
            )
    if wants_read:
        results.append(_read(session, clause, read_check, entries))
    return results


def _bundle_problem(answer, bundle, resource_type):
    """(note id, params) when a search answer is not a searchset Bundle of `resource_type`, else None."""
    if 300 <= answer.status < 400:
        return N_("Redirection refusée (HTTP %(status)s)."), {"status": answer.status}
    if not 200 <= answer.status < 300:
        return N_("Réponse HTTP %(status)s à la recherche."), {"status": answer.status}
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return N_("La recherche ne renvoie pas de Bundle."), {}
    if bundle.get("type") != "searchset":
        return N_("Bundle de type %(type)s au lieu de searchset."), {"type": str(bundle.get("type"))}
    others = sorted({str(r.get("resourceType")) for r in _entries(bundle, resource_type)} - {resource_type})
    if others:
        return N_("Le Bundle contient d'autres types que %(type)s : %(others)s."), {
            "type": resource_type,
            "others": ", ".join(others),
        }
    return None


def _read(session, clause, check, entries):
    resource_type = check["resource"]
    ident = entries[0].get("id") if entries else None
    if not isinstance(ident, str) or not ident:
        return _result(clause, check, UNKNOWN, [], {}, N_("Aucune ressource trouvée à lire."))
    requests = []
    try:
        # The evidence shows the path with the id masked: a logical id can point at a patient.
        shown = urlsplit(session.base).path + f"{resource_type}/[id]"
        answer = session.get(urljoin(session.base, f"{resource_type}/{ident}"), requests, shown=shown)
    except FetchRefused as exc:
        return _result(clause, check, FAIL, requests, {}, *_refusal(exc))
    data = _json(answer) if 200 <= answer.status < 300 else None
    if not isinstance(data, dict):
        return _result(
            clause, check, FAIL, requests, {}, N_("Lecture : réponse HTTP %(status)s."), {"status": answer.status}
        )
    if data.get("resourceType") != resource_type or data.get("id") != ident:
        return _result(clause, check, FAIL, requests, {}, N_("Lecture : la ressource rendue n'est pas celle demandée."))
    return _result(
        clause, check, PASS, requests, {}, N_("Lecture %(type)s/[id] : ressource rendue."), {"type": resource_type}
    )


# Bulk Data export --------------------------------------------------------------------------------


def _export_check(check):
    return {"type": "live_export", "level": check.get("level")}


def _ndjson_check(check):
    return {"type": "live_ndjson", "level": check.get("level")}


def _export(session, clause, check):
    export_check, ndjson_check = _export_check(check), _ndjson_check(check)
    level = check.get("level")
    requests = []
    if level == "group":
        if not session.group_id:
            note = N_("Pas d'identifiant de groupe dans le bac à sable : export de groupe non essayé.")
            return [_result(clause, live, UNKNOWN, [], {}, note) for live in (export_check, ndjson_check)]
        path = f"Group/{session.group_id}/$export"
    else:
        path = LEVEL_PATH.get(level, "$export")
    not_run = _result(clause, ndjson_check, UNKNOWN, [], {}, N_("Export non abouti : aucun fichier lu."))
    started = time.monotonic()
    try:
        kickoff = session.get(urljoin(session.base, path), requests, extra={"Prefer": "respond-async"})
        if kickoff.status != 202 or not kickoff.headers.get("content-location"):
            note = (
                N_("Redirection refusée (HTTP %(status)s).")
                if 300 <= kickoff.status < 400
                else N_("Lancement de l'export : HTTP %(status)s au lieu de 202 avec Content-Location.")
            )
            return [_result(clause, export_check, FAIL, requests, {}, note, {"status": kickoff.status}), not_run]
        status_url = urljoin(session.base, kickoff.headers["content-location"])
        ceiling = float(settings.PROBE_EXPORT_CEILING)
        polls = throttled = 0
        while True:
            answer = session.get(status_url, requests, accept="application/json")
            polls += 1
            if answer.status == 200:
                break
            throttled = sum(entry["status"] == 429 for entry in requests)
            if answer.status in (202, 429):
                waited = time.monotonic() - started
                wait = min(max(_retry_after(answer, 2.0), 0.5), max(0.0, ceiling - waited))
                if waited + wait >= ceiling:
                    counts = {"polls": polls, "throttled": throttled, "seconds": int(waited)}
                    note = N_("Export non terminé dans le délai de %(ceiling)s s.")
                    return [
                        _result(clause, export_check, FAIL, requests, counts, note, {"ceiling": int(ceiling)}),
                        not_run,
                    ]
                session.budget.sleep(wait)
                continue
            counts = {"polls": polls, "throttled": throttled}
            note = (
                N_("Redirection refusée (HTTP %(status)s).")
                if 300 <= answer.status < 400
                else N_("Statut de l'export : HTTP %(status)s.")
            )
            return [_result(clause, export_check, FAIL, requests, counts, note, {"status": answer.status}), not_run]
    except FetchRefused as exc:
        return [_result(clause, export_check, FAIL, requests, {}, *_refusal(exc)), not_run]
    manifest = _json(answer)
    counts = {
        "polls": polls,
        "throttled": sum(e["status"] == 429 for e in requests),
        "seconds": int(time.monotonic() - started),
    }
    problem = _manifest_problem(manifest)
    if problem:
        return [_result(clause, export_check, FAIL, requests, counts, problem), not_run]
    outputs = [item for item in manifest["output"] if isinstance(item, dict)]
    counts |= {"files": len(outputs), "errors_files": len(manifest.get("error") or [])}
    export_result = _result(
        clause,
        export_check,
        PASS,
        requests,
        counts,
        N_("Export terminé : manifeste de %(files)s fichier(s) après %(polls)s interrogation(s) du statut."),
        {"files": len(outputs), "polls": polls},
    )
    return [export_result, _download(session, clause, ndjson_check, outputs, manifest.get("requiresAccessToken"))]


def _manifest_problem(manifest):
    if not isinstance(manifest, dict):
        return N_("Le manifeste de l'export n'est pas du JSON.")
    if not isinstance(manifest.get("transactionTime"), str) or not isinstance(manifest.get("request"), str):
        return N_("Manifeste incomplet : transactionTime ou request manquant.")
    if not isinstance(manifest.get("requiresAccessToken"), bool) or not isinstance(manifest.get("output"), list):
        return N_("Manifeste incomplet : requiresAccessToken ou output manquant.")
    if any(not isinstance(item, dict) or not isinstance(item.get("url"), str) for item in manifest["output"]):
        return N_("Manifeste : une sortie sans url.")
    return None


def _download(session, clause, check, outputs, requires_token):
    requests, per_type, invalid = [], {}, []
    invalid_count = refused = total_bytes = lines_read = 0
    for number, item in enumerate(outputs[:MAX_FILES], start=1):
        declared_type = item.get("type")
        try:
            answer = session.get(
                item["url"],
                requests,
                accept="application/fhir+ndjson",
                max_bytes=settings.PROBE_NDJSON_MAX_BYTES,
                auth=bool(requires_token),
            )
        except FetchRefused:
            refused += 1
            continue
        if answer.status != 200:
            refused += 1
            continue
        total_bytes += len(answer.body)
        for line_number, line in enumerate(answer.body.split(b"\n"), start=1):
            if not line.strip():
                continue
            lines_read += 1
            kind, problem = _validate_line(line, declared_type)
            if problem is None:
                per_type[kind] = per_type.get(kind, 0) + 1
                continue
            invalid_count += 1
            if len(invalid) < MAX_INVALID_REPORTED:
                invalid.append({"file": number, "line": line_number, "type": kind, "errors": problem})
    counts = {
        "files": min(len(outputs), MAX_FILES),
        "files_refused": refused,
        "bytes": total_bytes,
        "lines": lines_read,
        "resources": per_type,
        "invalid": invalid_count,
    }
    if refused:
        note = N_("%(refused)s fichier(s) de l'export non téléchargé(s) (redirection, statut ou taille refusés).")
        return _result(clause, check, FAIL, requests, counts, note, {"refused": refused}, invalid_lines=invalid)
    if invalid_count:
        note = N_("%(invalid)s ligne(s) NDJSON invalide(s) sur %(lines)s.")
        params = {"invalid": invalid_count, "lines": lines_read}
        return _result(clause, check, FAIL, requests, counts, note, params, invalid_lines=invalid)
    if not lines_read:
        return _result(clause, check, UNKNOWN, requests, counts, N_("Export vide : aucune ressource à valider."))
    note = N_("%(lines)s ressource(s) NDJSON valides (%(types)s).")
    types = ", ".join(f"{name} {count}" for name, count in sorted(per_type.items()))
    return _result(clause, check, PASS, requests, counts, note, {"lines": lines_read, "types": types}, invalid_lines=[])


def _validate_line(line, declared_type):
    """(resource type, None) for a valid resource, or (type, [error codes]) — field paths and error kinds only,
    never the values (they would be patient data)."""
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return declared_type, ["json"]
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        return declared_type, ["resourceType"]
    kind = data["resourceType"]
    if declared_type and kind != declared_type:
        return kind, [f"resourceType≠{declared_type}"]
    from fhir.resources.R4B import get_fhir_model_class  # heavy: loaded by the worker that needs it
    from pydantic import ValidationError

    try:
        model = get_fhir_model_class(kind)
    except (KeyError, ValueError):
        return kind, ["resourceType"]
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return kind, [".".join(str(part) for part in error["loc"]) + ":" + error["type"] for error in exc.errors()[:5]]
    except (TypeError, ValueError) as exc:
        return kind, [exc.__class__.__name__]
    return kind, None

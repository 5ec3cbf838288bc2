"""The `clausier-library/2` file: validation against the JSON Schema kept beside this module.

Files of format `clausier-library/1` (before the tender-file-as-a-contract fields) are read too: the
fields they lack take their defaults (`clause_defaults`).
"""

import json
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from .content import validate_clause_content
from .parameters import references_in

FORMAT = "clausier-library/2"
READABLE_FORMATS = (FORMAT, "clausier-library/1")
SCHEMA_PATH = Path(__file__).parent / "schema" / "clausier-library-2.schema.json"
CLAUSE_FIELDS = (
    "key",
    "title",
    "category",
    "language",
    "body",
    "parameters",
    "requirement",
    "question",
    "default_weight",
    "scale_max",
    "rubric",
    "references",
    "tags",
    "checks",
    "destination",
    "derogations",
    "legal_note",
    "appreciation",
    "deferrable",
    "price_lines",
)


@cache
def _validator():
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def _path(parts):
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def validate_library_file(data):
    """Every problem of a library file, each as 'JSON path: message'. Empty list when valid."""
    if not isinstance(data, dict):
        return [_("$ : un objet JSON « clausier-library/2 » est attendu.")]
    errors = [
        f"{_path(error.absolute_path)}: {error.message}"
        for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if errors:
        return errors
    seen = set()
    for index, clause in enumerate(data["clauses"]):
        if clause["key"] in seen:
            errors.append(f"$.clauses[{index}].key: " + _("clé « %(key)s » en double.") % {"key": clause["key"]})
        seen.add(clause["key"])
        content = clause_defaults(clause, data.get("language", "fr"))
        for field, messages in validate_clause_content(content).items():
            errors.extend(f"$.clauses[{index}].{field}: {message}" for message in messages)
    errors.extend(_check_topics_and_sets(data, seen))
    errors.extend(_check_cross_references(data, seen))
    return errors


def _check_cross_references(data, clause_keys):
    """Every `{{ ref:key }}` names a clause of the file, every `{{ price:code }}` a price line of one."""
    errors = []
    codes = {
        line.get("code")
        for clause in data["clauses"]
        for line in clause.get("price_lines") or []
        if isinstance(line, dict)
    }
    for index, clause in enumerate(data["clauses"]):
        for field in ("body", "appreciation"):
            for kind, target in references_in(clause.get(field) or ""):
                if kind == "ref" and target not in clause_keys:
                    errors.append(
                        f"$.clauses[{index}].{field}: "
                        + _("renvoi à une clause absente de la bibliothèque : « %(key)s ».") % {"key": target}
                    )
                elif kind == "price" and target not in codes:
                    errors.append(
                        f"$.clauses[{index}].{field}: "
                        + _("renvoi à une ligne de prix qu'aucune clause ne déclare : « %(code)s ».") % {"code": target}
                    )
    return errors


def _check_topics_and_sets(data, clause_keys):
    errors = []
    for name in ("topics", "sets"):
        keys = [item["key"] for item in data.get(name, [])]
        for index, key in enumerate(keys):
            if keys.index(key) != index:
                errors.append(f"$.{name}[{index}].key: " + _("clé « %(key)s » en double.") % {"key": key})
    for index, topic in enumerate(data.get("topics", [])):
        recommended = topic.get("recommended_clause")
        if recommended and recommended not in clause_keys:
            errors.append(
                f"$.topics[{index}].recommended_clause: "
                + _("aucune clause n'a la clé « %(key)s ».") % {"key": recommended}
            )
    for index, clause_set in enumerate(data.get("sets", [])):
        for position, key in enumerate(clause_set["clauses"]):
            if key not in clause_keys:
                errors.append(
                    f"$.sets[{index}].clauses[{position}]: " + _("aucune clause n'a la clé « %(key)s ».") % {"key": key}
                )
    return errors


def clause_defaults(clause, language="fr"):
    """A file clause with every optional field filled in."""
    return {
        "key": clause["key"],
        "title": clause["title"],
        "category": clause["category"],
        "language": clause.get("language") or language,
        "body": clause["body"],
        "parameters": clause.get("parameters") or [],
        "requirement": clause["requirement"],
        "question": clause.get("question") or "",
        "default_weight": clause.get("default_weight"),
        "scale_max": clause.get("scale_max", 5),
        "rubric": clause.get("rubric") or [],
        "references": clause.get("references") or [],
        "tags": clause.get("tags") or [],
        "checks": clause.get("checks") or [],
        # Files written before the tender-file fields simply lack them: the defaults apply.
        "destination": clause.get("destination") or "annex",
        "derogations": clause.get("derogations") or [],
        "legal_note": clause.get("legal_note") or "",
        "appreciation": clause.get("appreciation") or "",
        "deferrable": bool(clause.get("deferrable", False)),
        "price_lines": clause.get("price_lines") or [],
    }

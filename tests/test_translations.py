"""The English catalogue (locale/en/LC_MESSAGES/django.po) covers every French msgid of the code.

Clausier is written in French; an English page shows French wherever an entry is missing, empty or
fuzzy (gettext ignores fuzzy entries). These tests fail until the catalogue is brought up to date:

    python manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=tests --no-obsolete
    (translate every new or fuzzy entry, remove the fuzzy flag)
    python manage.py compilemessages -l en --ignore=.venv

The .po file is read with a small parser of the gettext format (no extra dependency).
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# What makemessages does not read (its --ignore options, plus generated data).
SKIPPED_DIRS = {".venv", "node_modules", "tests", "var", "locale", "static", "staticfiles", "media"}
GETTEXT_FUNCTIONS = {
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifxXr]|%[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def _unquote(line):
    return ast.literal_eval(line)


def parse_po(path):
    """Entries of a .po file: dicts with msgctxt, msgid, msgid_plural, msgstr (list), flags, obsolete, line."""
    entries = []
    entry = None
    field = None

    def start(line_number):
        return {
            "msgctxt": None,
            "msgid": None,
            "msgid_plural": None,
            "msgstr": {},
            "flags": set(),
            "obsolete": False,
            "line": line_number,
        }

    def finish():
        if entry is not None and entry["msgid"] is not None:
            entry["msgstr"] = [entry["msgstr"][index] for index in sorted(entry["msgstr"])]
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # previous msgid of an obsolete entry
                continue
        if not line:
            finish()
            entry, field = None, None
            continue
        if line.startswith("#"):
            if entry is not None and entry["msgid"] is not None:
                finish()
                entry, field = None, None
            if entry is None:
                entry = start(number)
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if entry is None or (field and field[0] == "msgstr" and line.startswith(("msgctxt", "msgid "))):
            finish()
            entry = start(number)
        entry["obsolete"] = entry["obsolete"] or obsolete
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = _unquote(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += value
            else:
                entry[field[0]] += value
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            entry["msgstr"][index] = _unquote(rest)
            field = ("msgstr", index)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            entry[keyword] = _unquote(rest)
            field = (keyword, None)
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def entries():
    parsed = [entry for entry in parse_po(PO_PATH) if not entry["obsolete"] and entry["msgid"] != ""]
    assert len(parsed) > 1000, "the catalogue was not read"
    return parsed


def _where(entry):
    return f"django.po:{entry['line']} {entry['msgid']!r}"


def test_no_fuzzy_entry(entries):
    fuzzy = [_where(entry) for entry in entries if "fuzzy" in entry["flags"]]
    assert fuzzy == [], f"{len(fuzzy)} fuzzy entries (shown in French on English pages): {fuzzy[:20]}"


def test_no_untranslated_entry(entries):
    untranslated = [_where(entry) for entry in entries if not entry["msgstr"] or not all(entry["msgstr"])]
    assert untranslated == [], f"{len(untranslated)} untranslated entries: {untranslated[:20]}"


def test_plural_entries_have_both_forms(entries):
    plurals = [entry for entry in entries if entry["msgid_plural"] is not None]
    assert plurals, "the catalogue has plural entries"
    wrong = [_where(entry) for entry in plurals if len(entry["msgstr"]) != 2]
    assert wrong == []


def test_translations_keep_the_placeholders(entries):
    """A placeholder lost or renamed in a translation raises KeyError (or shows a wrong value) in English."""
    wrong = []
    for entry in entries:
        sources = [entry["msgid"]] if entry["msgid_plural"] is None else [entry["msgid"], entry["msgid_plural"]]
        expected = set().union(*(PLACEHOLDER.findall(source) for source in sources))
        for text in entry["msgstr"]:
            found = set(PLACEHOLDER.findall(text))
            # The singular English form may spell out the number ("one update") when French does too.
            if found != expected and not (entry["msgid_plural"] is not None and found < expected):
                wrong.append(f"{_where(entry)} → {text!r}")
    assert wrong == [], wrong


def test_compiled_catalogue_matches_the_po_file(entries):
    """Django serves the committed .mo: every .po entry comes out of gettext in English as written."""
    assert MO_PATH.stat().st_size > 0
    stale = []
    with translation.override("en"):
        for entry in entries:
            if entry["msgid_plural"] is not None:
                context = entry["msgctxt"]
                if context is None:
                    got = [translation.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
                else:
                    got = [translation.npgettext(context, entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
                expected = entry["msgstr"]
            elif entry["msgctxt"] is not None:
                got = translation.pgettext(entry["msgctxt"], entry["msgid"])
                expected = entry["msgstr"][0]
            else:
                got = translation.gettext(entry["msgid"])
                expected = entry["msgstr"][0]
            if got != expected:
                stale.append(_where(entry))
    assert stale == [], f"django.mo is stale (run compilemessages): {stale[:20]}"


def test_recent_strings_are_english():
    """A sample of strings added after the first translation passes (documents, probe, clause fields, formatting)."""
    with translation.override("en"):
        assert translation.pgettext("montant", "HT") == "excl. VAT"
        assert translation.pgettext("montant", "TTC") == "incl. VAT"
        assert translation.gettext("Règlement de la consultation (RC)") == "Consultation rules (RC)"
        assert translation.gettext("Bordereau des prix") == "Price schedule"
        assert translation.gettext("Lettres de rejet") == "Rejection letters"
        assert translation.gettext("Note juridique (non publiée)") == "Legal note (not published)"
        assert (
            translation.gettext("Connexion en %(version)s, %(minimum)s au moins attendu.")
            % {
                "version": "TLSv1.1",
                "minimum": "TLS 1.2",
            }
            == "Connection over TLSv1.1; at least TLS 1.2 expected."
        )
    with translation.override("fr"):
        assert translation.pgettext("montant", "HT") == "HT"


def _python_files():
    root = Path(settings.BASE_DIR)
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in parts[:-1]):
            continue
        yield path


def _gettext_literals(path):
    """(line, msgctxt, msgid) of every gettext call on a literal, whatever the function is imported as
    (`gettext_noop as N_` too) and wherever it is (inside f-strings too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in GETTEXT_FUNCTIONS:
                    names[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
            continue
        arguments = [arg.value if isinstance(arg, ast.Constant) else None for arg in node.args]
        context = None
        if names[node.func.id].startswith(("pgettext", "npgettext")):
            context, arguments = (arguments[0], arguments[1:]) if arguments else (None, [])
        if arguments and isinstance(arguments[0], str):
            yield node.lineno, context, arguments[0]


def test_every_gettext_string_of_the_code_is_in_the_catalogue(entries):
    """xgettext misses calls inside f-strings and functions under another name (`N_`); a string added
    since the last makemessages is missing too. Each of them would show in French on English pages."""
    known = {(entry["msgctxt"], entry["msgid"]) for entry in entries}
    root = Path(settings.BASE_DIR)
    missing = [
        f"{path.relative_to(root)}:{line} {msgid!r}"
        for path in _python_files()
        for line, context, msgid in _gettext_literals(path)
        if (context, msgid) not in known
    ]
    assert missing == [], f"{len(missing)} strings not in locale/en (run makemessages, translate): {missing[:20]}"


def test_parser_reads_fuzzy_plural_and_obsolete_entries(tmp_path):
    """The parser above, on a small catalogue with every kind of entry."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "Ancien %(n)s"\nmsgid "Nouveau %(n)s"\nmsgstr "Old %(n)s"\n\n'
        '#: b.py:2\nmsgctxt "montant"\nmsgid "HT"\nmsgstr ""\n\n'
        'msgid "une"\nmsgid_plural "plusieurs "\n"lignes"\nmsgstr[0] "one"\nmsgstr[1] "several "\n"lines"\n\n'
        '#~ msgid "Disparu"\n#~ msgstr "Gone"\n',
        encoding="utf-8",
    )
    parsed = parse_po(po)
    assert [(entry["msgctxt"], entry["msgid"]) for entry in parsed] == [
        (None, ""),
        (None, "Nouveau %(n)s"),
        ("montant", "HT"),
        (None, "une"),
        (None, "Disparu"),
    ]
    assert "fuzzy" in parsed[1]["flags"]
    assert parsed[2]["msgstr"] == [""]
    assert parsed[3]["msgid_plural"] == "plusieurs lignes"
    assert parsed[3]["msgstr"] == ["one", "several lines"]
    assert parsed[4]["obsolete"] and not parsed[3]["obsolete"]

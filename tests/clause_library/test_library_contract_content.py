"""The tender-file-as-a-contract rules (docs/LIBRARY.md) on the default library's annex clauses.

Scope: the annex clauses of the categories rewritten for it so far; widen SCOPE as the others follow.
Each rule is read the way a procurement lawyer reads the published pieces: a scored clause states a binding
minimum and appreciates only what goes beyond it, no printed text names a library key or a parameter code, the
CCTP names no acceptance consequence and does not lean on the RC, legal texts are statutory and US or case-law
sources informative.
"""

import json
import re

import pytest

from clause_library.defaults import DEFAULT_LIBRARY_EN, DEFAULT_LIBRARY_FR

FILES = {"fr": DEFAULT_LIBRARY_FR, "en": DEFAULT_LIBRARY_EN}
LANGUAGES = ["fr", "en"]
SCOPE = {"api_access", "bulk_export", "standards", "replication"}
PLACEHOLDER = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")
MINIMUM = {"fr": "au minimum", "en": "at least"}
APPRECIATION_OPENING = {"fr": "Sont appréciés : ", "en": "The buyer will appreciate: "}
MILESTONE = {"fr": "jalon", "en": "milestone"}
# Acceptance consequences belong in the CCAP; the RC is not a contractual piece.
FORBIDDEN_IN_ANNEX = {
    "fr": [r"ajourn", r"réfaction", r"prestation est (ajournée|rejetée)", r"règlement de la consultation"],
    "en": [r"deferred or rejected", r"price reduction", r"consultation rules"],
}


def load(language):
    return json.loads(FILES[language].read_text(encoding="utf-8"))


def scoped(language):
    return [c for c in load(language)["clauses"] if c["destination"] == "annex" and c["category"] in SCOPE]


def printed_texts(clause):
    texts = [("title", clause["title"]), ("body", clause["body"]), ("question", clause["question"])]
    texts.append(("appreciation", clause.get("appreciation", "")))
    texts += [(f"rubric {level['score']}", level["description"]) for level in clause["rubric"]]
    texts += [(f"price line {line['code']}", line["label"]) for line in clause.get("price_lines", [])]
    return texts


def test_the_scope_holds_the_clauses_it_is_meant_to():
    assert len(scoped("fr")) == len(scoped("en")) == 25


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_scored_clause_states_a_binding_minimum_and_appreciates_what_goes_beyond(language):
    for clause in scoped(language):
        key = clause["key"]
        if clause["requirement"] != "scored":
            assert clause.get("appreciation", "") == "" and not clause.get("deferrable"), key
            continue
        assert MINIMUM[language] in clause["body"], key
        assert clause["appreciation"].startswith(APPRECIATION_OPENING[language]), key
        lowest = min(clause["rubric"], key=lambda level: level["score"])
        assert lowest["score"] == 0 and "minimum" in lowest["description"], key
        # Only a deferrable clause may put the minimum on a roadmap milestone, and then only at the lowest level.
        mentions_milestone = MILESTONE[language] in lowest["description"]
        assert mentions_milestone == bool(clause["deferrable"]), key
        if clause["deferrable"]:
            assert "{{ ref:interoperability-roadmap }}" in clause["body"], key


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_printed_text_names_a_library_key_or_a_parameter_code(language):
    library = load(language)["clauses"]
    keys = {clause["key"] for clause in library}
    names = {parameter["name"] for clause in library for parameter in clause["parameters"]}
    for clause in scoped(language):
        own = {parameter["name"] for parameter in clause["parameters"]}
        codes = {line["code"] for line in clause.get("price_lines", [])}
        for where, text in printed_texts(clause):
            for inner in PLACEHOLDER.findall(text):
                # Placeholders live in the body only, each resolving to a clause, a price line or a parameter.
                assert where == "body", (clause["key"], where, inner)
                if inner.startswith("ref:"):
                    assert inner[len("ref:") :] in keys, (clause["key"], inner)
                elif inner.startswith("price:"):
                    assert inner[len("price:") :] in codes, (clause["key"], inner)
                else:
                    assert inner in own, (clause["key"], inner)
            bare = PLACEHOLDER.sub("", text)
            # A code is a word with "-" or "_" in it (an ordinary word may happen to name a parameter, such as
            # "terminologies"); any backticked word is technical vocabulary and must not equal a key or a name.
            for word in {w for w in keys | names if "-" in w or "_" in w}:
                assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", bare), (clause["key"], where, word)
            for word in re.findall(r"`([^`]+)`", bare):
                assert word not in keys | names, (clause["key"], where, word)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cross_reference_sits_in_a_paragraph_of_its_own_that_can_be_left_out(language):
    for clause in scoped(language):
        for paragraph in clause["body"].split("\n\n"):
            if "{{ ref:" in paragraph:
                # Dropping it must leave every obligation in place: it holds one sentence, the reference.
                assert paragraph.count(". ") == 0, (clause["key"], paragraph)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_annex_states_no_acceptance_consequence_and_does_not_lean_on_the_rc(language):
    for clause in scoped(language):
        for where, text in printed_texts(clause):
            for pattern in FORBIDDEN_IN_ANNEX[language]:
                assert not re.search(pattern, text, re.IGNORECASE), (clause["key"], where, pattern)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_parameter_says_its_direction_and_whether_vendors_may_improve_it(language):
    for clause in scoped(language):
        for parameter in clause["parameters"]:
            assert "direction" in parameter and "improvable" in parameter, (clause["key"], parameter["name"])
            if parameter["improvable"]:
                assert parameter["direction"] in ("max", "min"), (clause["key"], parameter["name"])
            # Delays are ceilings; retention, notice and availability are floors.
            if parameter["name"].startswith(("delai_", "duree_", "latence_")):
                assert parameter["direction"] == "max", (clause["key"], parameter["name"])
            if parameter["name"].startswith(("conservation_", "preavis_", "disponibilite_")):
                assert parameter["direction"] == "min", (clause["key"], parameter["name"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_laws_are_statutory_and_us_rules_and_case_law_informative(language):
    for clause in scoped(language):
        for reference in clause["references"]:
            label, url = reference["label"], reference["url"]
            if "ecfr.gov" in url or "healthit.gov" in url or "Lianakis" in label or "smarthealthit.org" in url:
                assert reference.get("informative") is True and not reference.get("statutory"), (clause["key"], label)
            if "legifrance.gouv.fr" in url or "eur-lex.europa.eu/eli/reg/" in url:
                assert reference.get("statutory") is True, (clause["key"], label)
        for where, text in printed_texts(clause):
            assert not re.search(r"45 CFR|\bONC\b|Cures Act|Lianakis", text), (clause["key"], where)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_price_line_is_named_in_the_body_of_its_clause(language):
    for clause in scoped(language):
        for line in clause.get("price_lines", []):
            assert f"{{{{ price:{line['code']} }}}}" in clause["body"], (clause["key"], line["code"])
            assert line["quantity"] > 0 and line["period"] in ("once", "year", "month"), (clause["key"], line)


def test_french_and_english_carry_the_same_contract_fields():
    for fr, en in zip(scoped("fr"), scoped("en"), strict=True):
        assert fr["key"] == en["key"]
        assert fr["deferrable"] == en["deferrable"], fr["key"]
        assert bool(fr["appreciation"]) == bool(en["appreciation"]), fr["key"]
        assert [(p["direction"], p["improvable"]) for p in fr["parameters"]] == [
            (p["direction"], p["improvable"]) for p in en["parameters"]
        ], fr["key"]
        assert [(line["code"], line["quantity"], line["period"]) for line in fr["price_lines"]] == [
            (line["code"], line["quantity"], line["period"]) for line in en["price_lines"]
        ], fr["key"]
        assert [r.get("statutory", False) for r in fr["references"]] == [
            r.get("statutory", False) for r in en["references"]
        ], fr["key"]
        assert PLACEHOLDER.findall(fr["body"]) == PLACEHOLDER.findall(en["body"]), fr["key"]

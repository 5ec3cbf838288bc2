"""tenders/composition.py: cross-references resolved against the tender or their block dropped, and
the guard's rule for what counts as a printed library key or parameter code. Pure: no database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clause_library.markdown import tokens
from tenders.composition import Guard, ccap_annex, code_like, compose, leaks, price_numbers
from tenders.pieces import classify_references

ARTICLES = {"fhir-api": "1.1", "bulk-export": "2.3"}
PRICES = {"replication-licence": "4"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Resolved: "article N" / the price line's designation; parameters stay for the filling.
        ("Voir {{ ref:fhir-api }}.", "Voir article 1.1."),
        ("Prix : ligne {{price:replication-licence}}.", "Prix : ligne n° 4."),
        ("Délai {{ delai_jours }} jours, {{ ref:bulk-export }}.", "Délai {{ delai_jours }} jours, article 2.3."),
        # Unresolved in a list item: the item goes, the others stay.
        (
            "Le titulaire :\n\n- fournit A ;\n- applique {{ ref:absent }} ;\n- fournit C.",
            "Le titulaire :\n\n- fournit A ;\n- fournit C.",
        ),
        # … in a nested item: only the nested item.
        ("- A\n  - B {{ ref:absent }}\n  - C\n- D", "- A\n  - C\n- D"),
        # … in a table row: the row goes, the header and the other rows stay.
        (
            "| Ligne | Objet |\n|---|---|\n| {{ price:absent }} | X |\n| {{ price:replication-licence }} | Y |",
            "| Ligne | Objet |\n|---|---|\n| n° 4 | Y |",
        ),
        # … in a header row: the whole table (a table without its header is no table).
        ("Avant.\n\n| {{ ref:absent }} | B |\n|---|---|\n| 1 | 2 |\n\nAprès.", "Avant.\n\nAprès."),
        # … in a paragraph: the paragraph, and a paragraph spanning lines goes whole.
        ("Premier.\n\nSecond, voir\n{{ ref:absent }}.\n\nTroisième.", "Premier.\n\nTroisième."),
        # Nothing to resolve: unchanged.
        ("Sans renvoi, `Patient` et {{ x }}.", "Sans renvoi, `Patient` et {{ x }}."),
        # An ordered list keeps its first number when its first item goes.
        ("1. {{ ref:absent }}\n2. B\n3. C", "1. B\n3. C"),
    ],
)
def test_compose(text, expected):
    assert compose(text, ARTICLES, PRICES, "fr") == expected


def test_compose_in_english_and_without_a_price_schedule():
    assert compose("See {{ ref:fhir-api }}.", ARTICLES, None, "en") == "See article 1.1."
    assert compose("- a {{ price:replication-licence }}\n- b", ARTICLES, {}, "en") == "- b"
    assert compose("Line {{ price:replication-licence }}.", {}, PRICES, "en") == ("Line 4.")


def test_price_numbers_read_the_schedules_lines_and_treat_a_missing_one_as_empty():
    assert price_numbers(None) == {} and price_numbers({}) == {}
    assert price_numbers({"lines": [{"code": "a", "number": 1}, {"code": "", "number": 2}, {"code": "b"}]}) == {
        "a": "1"
    }


words = st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip).filter(bool)
refs = st.sampled_from(
    ["{{ ref:fhir-api }}", "{{ ref:absent }}", "{{ price:replication-licence }}", "{{ price:nope }}"]
)
lines = st.lists(st.one_of(words, st.tuples(words, refs).map(" ".join)), min_size=1, max_size=4)
blocks = st.one_of(
    lines.map(" ".join),  # a paragraph
    lines.map(lambda items: "\n".join(f"- {item}" for item in items)),  # a bullet list
    lines.map(lambda cells: "| h | i |\n|---|---|\n" + "\n".join(f"| {cell} | x |" for cell in cells)),  # a table
)


@settings(max_examples=150, deadline=None)
@given(st.lists(blocks, min_size=1, max_size=5).map("\n\n".join))
def test_compose_drops_exactly_the_blocks_with_an_unresolvable_reference(text):
    """Every generated paragraph, list item and table row is one line: the output is the input's
    lines, minus those holding an unresolvable reference, the others resolved."""
    out = compose(text, ARTICLES, PRICES, "fr")
    expected = [
        line.replace("{{ ref:fhir-api }}", "article 1.1").replace("{{ price:replication-licence }}", "n° 4")
        for line in text.split("\n")
        if line and "absent" not in line and "nope" not in line
    ]
    assert [line for line in out.split("\n") if line] == expected
    assert "{{" not in out
    tokens(out)  # still Markdown the parser reads


# The guard's rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("fhir-api-rest-r4", True),
        ("delai_jours", True),
        ("bulkIgVersion", True),
        ("smart-discovery", True),
        ("terminologies", False),  # a parameter named like an ordinary word
        ("penalites", False),
        ("Patient", False),
    ],
)
def test_code_like(term, expected):
    assert code_like(term) is expected


GUARD = Guard(
    keys=frozenset({"fhir-api-rest-r4", "smart-discovery", "penalites", "ins"}),
    parameters=frozenset({"delai_jours", "terminologies"}),
)


@pytest.mark.parametrize(
    ("printed", "source", "found"),
    [
        # Caught: a key or a snake_case name as a whole token, wherever it stands.
        ("Voir la clause fhir-api-rest-r4, article 3.", "", ["fhir-api-rest-r4"]),
        ("Délai : delai_jours jours.", "", ["delai_jours"]),
        ("(smart-discovery)", "", ["smart-discovery"]),
        ("Valeur manquante [terminologies].", "", ["terminologies"]),  # a missing value's marker
        ("Les terminologies de référence.", "Les `terminologies` de référence.", ["terminologies"]),  # as a code
        ("Voir penalites.", "Voir `penalites`.", ["penalites"]),
        # Not caught: ordinary words, longer tokens, links, FHIR vocabulary.
        ("Les terminologies de référence (LOINC, SNOMED CT).", "Les terminologies de référence.", []),
        ("Les pénalités et penalites-bis.", "", []),
        ("Identité INS, instance, insertion.", "", []),
        ("Voir https://hl7.org/fhir/smart-discovery/index.html et www.x.fr/delai_jours.", "", []),
        ("fhir-api-rest-r4b est une autre version.", "", []),
        ("`Patient`, `$export`, scope `launch-ehr`.", "`Patient`, `$export`, `launch-ehr`.", []),
    ],
)
def test_the_guard_finds_codes_not_words(printed, source, found):
    assert GUARD.find(printed, sources=source) == found


def test_leaks_ignores_urls_and_partial_tokens():
    assert leaks("see <https://example.org/fhir-api-rest-r4>", {"fhir-api-rest-r4"}) == []
    assert leaks("x fhir-api-rest-r4.", {"fhir-api-rest-r4"}) == ["fhir-api-rest-r4"]


def test_statutory_references_print_without_ou_equivalent_and_standards_keep_it():
    normative, legal, informative = classify_references(
        [
            {"label": "Certification HDS (référentiel)", "url": "", "statutory": True},
            {"label": "Référentiel INS", "url": "", "statutory": True},
            {"label": "HL7 FHIR R4", "url": ""},
            {"label": "45 CFR 171", "url": "", "informative": True},
        ],
        equivalent_text="(ou équivalent)",
    )
    assert [r["text"] for r in legal] == ["Certification HDS (référentiel)", "Référentiel INS"]
    assert [r["text"] for r in normative] == ["HL7 FHIR R4 (ou équivalent)"]
    assert [r["text"] for r in informative] == ["45 CFR 171"]


def test_the_ccap_gdpr_annex_is_chosen_by_tag_or_by_the_default_librarys_key():
    assert ccap_annex("x", ["piece:ccap-annex-gdpr"], "ccap") == "gdpr"
    assert ccap_annex("gdpr-processor-terms", [], "ccap") == "gdpr"
    assert ccap_annex("gdpr-processor-terms", [], "annex") == ""
    assert ccap_annex("x", [], "ccap") == ""


def test_a_value_listing_clauses_keeps_only_the_tenders_as_article_numbers():
    from tenders.composition import filter_clause_list

    library = {"fhir-api", "bulk-export", "absent-one"}
    assert filter_clause_list("`fhir-api`, `absent-one` et `bulk-export`", ARTICLES, library) == (
        "article 1.1, article 2.3"
    )
    assert filter_clause_list("absent-one", ARTICLES, library) == ""
    assert filter_clause_list("Voir `fhir-api` ici", ARTICLES, library) == "Voir `fhir-api` ici"
    assert filter_clause_list("30", ARTICLES, library) == "30"

"""The pure rules behind the tender file's pieces (tenders/pieces.py): numbers, weights, references, glossary."""

from decimal import Decimal

from tenders import pieces
from tenders.selectors import CATEGORY_ORDER


def test_it_numbers_annex_articles_by_section_and_the_other_pieces_by_letter():
    clauses = [
        (1, "annex", "security"),
        (2, "ccap", "anti_blocking"),
        (3, "annex", "api_access"),
        (4, "annex", "security"),
        (5, "rc", "documentation"),
        (6, "ccap", "portability"),
        (7, "price", "anti_blocking"),
        (8, "annex", "api_access"),
    ]
    assert pieces.article_numbers(clauses, CATEGORY_ORDER) == {
        3: "1.1",
        8: "1.2",
        1: "2.1",
        4: "2.2",
        2: "C1",
        6: "C2",
        5: "R1",
        7: "P1",
    }


def test_it_sorts_numbers_annex_first_then_ccap_rc_price():
    numbers = ["P1", "C2", "1.10", "R1", "2.1", "1.2", "C1"]
    assert sorted(numbers, key=pieces.number_sort_key) == ["1.2", "1.10", "2.1", "C1", "C2", "R1", "P1"]


def criterion(depth, weight, kind="scored"):
    return {"depth": depth, "weight": weight, "kind": kind}


def test_it_rounds_global_weights_so_every_level_adds_up_exactly():
    # Three siblings at 33.33 / 33.33 / 33.34 under a 10 % criterion: naive rounding prints
    # 3.33 + 3.33 + 3.33 = 9.99; the largest remainder gives the missing cent to the largest fraction.
    rows = [
        criterion(0, 60.0),
        criterion(1, 33.33),
        criterion(2, 50.0),
        criterion(2, 50.0),
        criterion(1, 33.33),
        criterion(1, 33.34),
        criterion(0, 10.0),
        criterion(1, 33.33),
        criterion(1, 33.33),
        criterion(1, 33.34),
        criterion(0, 30.0, "price"),
        criterion(0, None, "eliminatory"),
    ]
    rounded = pieces.rounded_global_weights(rows)
    assert 11 not in rounded  # an eliminatory criterion has no weight
    assert rounded[0] + rounded[6] + rounded[10] == Decimal("100.00")
    assert rounded[1] + rounded[4] + rounded[5] == rounded[0] == Decimal("60.00")
    assert rounded[2] + rounded[3] == rounded[1]
    assert [rounded[7], rounded[8], rounded[9]] == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert all(value == value.quantize(Decimal("0.01")) for value in rounded.values())


def test_it_spreads_a_third_of_a_hundred_without_losing_a_cent():
    rounded = pieces.rounded_global_weights([criterion(0, 33.33), criterion(0, 33.33), criterion(0, 33.34)])
    assert sum(rounded.values()) == Decimal("100.00")
    assert sorted(rounded.values()) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def test_it_follows_normative_references_with_ou_equivalent_and_sets_the_others_apart():
    normative, legal, informative = pieces.classify_references(
        [
            {"label": "HL7 FHIR R4", "url": "https://hl7.org/fhir/R4/"},
            {"label": "45 CFR § 170.404", "url": "https://www.ecfr.gov/", "informative": True},
            {"label": "Code de la commande publique, art. R2111-9", "url": ""},
            {"label": "Règlement (UE) 2016/679 (RGPD)", "url": ""},
            {"label": "CCAG-TIC 2021, art. 14", "url": ""},
        ],
        equivalent_text="(ou équivalent)",
    )
    assert [r["text"] for r in normative] == ["HL7 FHIR R4 (ou équivalent)"]
    assert [r["text"] for r in informative] == ["45 CFR § 170.404"]
    assert [r["text"] for r in legal] == [
        "Code de la commande publique, art. R2111-9",
        "Règlement (UE) 2016/679 (RGPD)",
        "CCAG-TIC 2021, art. 14",
    ]


def test_it_builds_the_glossary_from_the_acronyms_that_appear_only():
    entries = pieces.glossary(
        ["Une API FHIR sécurisée par TLS.", "Le FHIRE n'est pas un sigle connu; SMARTER non plus."]
    )
    assert [entry["term"] for entry in entries] == ["API", "FHIR", "TLS"]
    assert all(entry["definition"] for entry in entries)


def test_it_reads_markdown_as_plain_text_without_backticks_or_stars():
    text = pieces.markdown_plain("Joignez **la réponse** de `GET [base]/metadata` :\n\n- un *item*\n- `code`")
    assert "`" not in text and "**" not in text and "*" not in text
    assert text.splitlines() == ["Joignez la réponse de GET [base]/metadata :", "- un item", "- code"]


def test_it_turns_quoted_clause_keys_into_article_numbers():
    numbers = {"interface-acceptance-testing": "6.4", "fhir-write-back": "1.6", "replication-database": "4.1"}
    assert (
        pieces.cross_references("prévue par la clause `interface-acceptance-testing`.", numbers)
        == "prévue par la clause 6.4."
    )
    assert pieces.cross_references("Clauses `fhir-write-back` et `replication-database`", numbers) == (
        "Clauses 1.6 et 4.1"
    )
    assert pieces.cross_references("après la VABF : `fhir-write-back`, `absente`", numbers, keep_unknown=False) == (
        "après la VABF : article 1.6, absente"
    )
    assert pieces.cross_references("ressource `OperationOutcome`", numbers) == "ressource `OperationOutcome`"

"""The curator's rules for the default library (docs/LIBRARY.md), checked mechanically on the data.

Each test reads the French and the English files; a clause that breaks a rule is named in the failure.
"""

import json
import re

import pytest

from clause_library.defaults import DEFAULT_LIBRARY_EN, DEFAULT_LIBRARY_FR

FILES = {"fr": DEFAULT_LIBRARY_FR, "en": DEFAULT_LIBRARY_EN}
LANGUAGES = ["fr", "en"]

# Words that score the tenderer's history (references, clients, installed base, disputes, "in production
# somewhere") instead of its offer — a selection matter, not an award criterion (CJEU Lianakis, C-532/06).
# "client" as a technical word (`client_id`, `client-confidential-asymmetric`) is not matched.
HISTORY_WORDS = {
    "fr": [
        r"\ben production\b",
        r"\ben service chez\b",
        r"(?<![\w`_-])clients?(?![\w`_-])",
        r"\bréférences? (clients?|d'établissements?)\b",
        r"\bsites? de référence\b",
        r"\bparc install",
        r"\blitiges?\b",
        r"\bcontentieux\b",
        r"\bplusieurs établissements\b",
        r"\bau moins un établissement\b",
        r"\bdéjà (réalisée?s?|appliquée?s?|déployée?s?)\b",
        r"\bhistorique (probant|conforme|fourni)",
        r"\bdepuis plusieurs années\b",
    ],
    "en": [
        r"\bin production\b",
        r"\bin service at\b",
        r"(?<![\w`_-])clients?(?![\w`_-])",
        r"\bcustomers?\b",
        r"\breference sites?\b",
        r"\binstalled base\b",
        r"\bdisputes?\b",
        r"\blitigation\b",
        r"\bseveral establishments\b",
        r"\bat least one establishment\b",
        r"\balready (carried out|applied|deployed)\b",
        r"\bfor several years\b",
    ],
}

# A deadline parameter is one whose name starts with one of these prefixes; every parameter measured in a
# time unit must carry one of the known kind prefixes, so a deadline cannot hide under another name.
DEADLINE_PREFIXES = ("delai_", "preavis_", "date_")
TIME_UNIT_SUFFIXES = ("_jours", "_mois", "_heures", "_minutes", "_ms")
NON_DEADLINE_KINDS = (
    "duree_",
    "conservation_",
    "frequence_",
    "periodicite_",
    "validite_",
    "maintien_",
    "disponibilite_",
    "latence_",
    "temps_",
)

# Names of standards and specifications: a body citing one says "ou équivalent" / "or equivalent" (R2111-9).
NORMATIVE = re.compile(
    r"PKCE|OAuth|RFC \d|FHIR|SMART|Bulk Data|OpenAPI|OMOP|TLS|IHE|HL7|DICOM|CDA|XDS|MHD|FR Core|CI-SIS|OpenID|LOINC|SNOMED|UCUM"
    r"|BALP|PAM|HPRIM|CIM-10|CCAM|ATC"
)
EQUIVALENT = {"fr": "ou équivalent", "en": "or equivalent"}
DESTINATIONS = {"annex", "ccap", "rc", "price"}
# Clauses carrying a sanction belong in the CCAP; the probe and demonstration in the RC; free items in the price.
EXPECTED_DESTINATION = {
    "delay-penalties": "ccap",
    "interface-sla": "ccap",
    "reversibility-full-export": "ccap",
    "reversibility-plan": "ccap",
    "data-deletion-after-return": "ccap",
    "data-reuse-ban": "ccap",
    "gdpr-processor-terms": "ccap",
    "data-act-switching": "ccap",
    "no-information-blocking": "ccap",
    "no-fees-data-access": "price",
    "conformance-probe-evaluation": "rc",
    "data-interface-rights": "ccap",
    "hds-loss-termination": "ccap",
    "interface-warranty": "ccap",
}
# CCAG-TIC 2021 articles a CCAP may list as derogations in this library (art. 14: penalties; 36: warranty;
# 42: reversibility and transferability). docs/CCAG-TIC.md gives each clause's derogations and why.
KNOWN_CCAG_ARTICLES = {"14", "14.1", "14.1.1", "14.1.2", "14.1.3", "14.2", "36", "42"}
# A cross-reference to another clause or to a price line, resolved by the composer (CONTENT rule 1).
REF_PLACEHOLDER = re.compile(r"\{\{ ref:([a-z0-9-]+) \}\}")
KEY_REFERENCE = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")
# A clause cited by another: "clause `key`" or "clauses `a` et `b`" / "clauses `a` and `b`".
CLAUSE_CITATION = re.compile(r"[Cc]lauses? `([a-z0-9-]+)`(?: (?:et|and) `([a-z0-9-]+)`)?")
# A cross-reference the composer resolves to "article N" (or drops with its block): `{{ ref:key }}`.
REF_CITATION = re.compile(r"\{\{\s*ref:([a-z0-9-]+)\s*\}\}")


def load(language):
    return json.loads(FILES[language].read_text(encoding="utf-8"))


def clauses(language):
    return load(language)["clauses"]


def by_key(language):
    return {clause["key"]: clause for clause in clauses(language)}


def deadline_parameters(language):
    return [
        (clause["key"], parameter["name"])
        for clause in clauses(language)
        for parameter in clause["parameters"]
        if parameter["name"].startswith(DEADLINE_PREFIXES)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_rubric_level_or_question_scores_the_tenderers_history(language):
    found = []
    for clause in clauses(language):
        texts = [("question", clause["question"])] + [
            (f"rubric {level['score']}", level["description"]) for level in clause["rubric"]
        ]
        for where, text in texts:
            for pattern in HISTORY_WORDS[language]:
                if re.search(pattern, text, re.IGNORECASE):
                    found.append((clause["key"], where, pattern))
    assert found == []


def test_the_history_word_lists_catch_what_they_are_meant_to_catch():
    def caught(language, text):
        return any(re.search(p, text, re.IGNORECASE) for p in HISTORY_WORDS[language])

    assert caught("fr", "API en production dans plusieurs établissements, référence client fournie.")
    assert caught("fr", "Aucun litige signalé par le parc installé.")
    assert caught("en", "Used in production by several customers, no dispute.")
    assert not caught("fr", "Accès par secret partagé (`client_secret`), terminologie de référence.")
    assert not caught("en", "Announces `client-confidential-asymmetric`; identical to production.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mandatory_clause_has_an_acceptance_test_or_document_criterion(language):
    library = by_key(language)
    assert library["interface-acceptance-testing"]["requirement"] == "mandatory"
    for key, clause in library.items():
        if clause["requirement"] != "mandatory":
            continue
        markers = [tag for tag in clause["tags"] if tag.startswith("verification:")]
        assert markers in (["verification:vabf"], ["verification:document"]), key
        if markers == ["verification:vabf"]:
            # Checked at acceptance testing: the body says so and points at the acceptance clause.
            assert "VABF" in clause["body"], key
            assert (
                key == "interface-acceptance-testing" or "{{ ref:interface-acceptance-testing }}" in clause["body"]
            ), key
        else:
            # Proved by a document: the question asks for one (a file to attach, or the URL where it is published).
            assert re.search(r"\b(joignez|attach|URL)\b", clause["question"], re.IGNORECASE), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_deadline_parameter_has_a_row_in_the_penalties_clause(language):
    # One row per deadline: the obligation in words, the article that sets it as {{ ref:key }} (the composer
    # drops the row when that clause is not in the tender) and the regime; no key or parameter code printed.
    library = by_key(language)
    penalties = library["delay-penalties"]
    rows = [line for line in penalties["body"].splitlines() if line.startswith("| ") and "{{ ref:" in line]
    cited = [REF_PLACEHOLDER.findall(row) for row in rows]
    assert all(len(keys) == 1 and keys[0] in library for keys in cited), rows
    expected = {}
    for key, _name in deadline_parameters(language):
        expected[key] = expected.get(key, 0) + 1
    counted = {}
    for (key,) in cited:
        counted[key] = counted.get(key, 0) + 1
    assert counted == expected
    assert len(rows) == len(deadline_parameters(language)) >= 40
    names = {p["name"] for c in clauses(language) for p in c["parameters"]}
    assert not [row for row in rows if any("_" in name and name in row for name in names)]
    assert not KEY_REFERENCE.search(penalties["body"])
    for row in rows:
        regime = row.rstrip(" |").rsplit("|", 1)[1].strip()
        assert regime in ("B", "C") or (regime.startswith("A") and "{{ price:" in regime), row


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_time_parameter_declares_whether_it_is_a_deadline(language):
    unknown = [
        (clause["key"], parameter["name"])
        for clause in clauses(language)
        for parameter in clause["parameters"]
        if parameter["name"].endswith(TIME_UNIT_SUFFIXES)
        and not parameter["name"].startswith(DEADLINE_PREFIXES + NON_DEADLINE_KINDS)
    ]
    assert unknown == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_penalties_clause_keeps_force_majeure_states_its_base_and_invites_no_counter_proposal(language):
    penalties = by_key(language)["delay-penalties"]
    body, question = penalties["body"], penalties["question"]
    assert penalties["destination"] == "ccap"
    assert set(penalties["derogations"]) <= KNOWN_CCAG_ARTICLES and penalties["derogations"]
    assert "P = V × R / 1000" in body
    if language == "fr":
        assert "force majeure" in body and "bon de commande" in body and "13.3" in body
        assert not re.search(r"contre-proposition|réserves? ou", question, re.IGNORECASE)
    else:
        assert "force majeure" in body and "purchase order" in body and "13.3" in body
        assert not re.search(r"counter-proposal|reservations? or", question, re.IGNORECASE)
    for article in penalties["derogations"]:
        assert article in body, article


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_clause_has_a_legal_note_a_reference_and_a_destination(language):
    for clause in clauses(language):
        key = clause["key"]
        assert len(clause.get("legal_note", "").strip()) >= 80, key
        assert clause["references"], key
        assert all(r["url"].startswith("https://") and r["label"].strip() for r in clause["references"]), key
        assert clause.get("destination") in DESTINATIONS, key
        assert "derogations" not in clause or clause["destination"] == "ccap", key
        assert EXPECTED_DESTINATION.get(key, clause["destination"]) == clause["destination"], key
        assert sum(tag.startswith("risk:") for tag in clause["tags"]) == 1, key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_normative_reference_takes_or_equivalent(language):
    for clause in clauses(language):
        if NORMATIVE.search(clause["body"]):
            assert EQUIVALENT[language] in clause["body"], clause["key"]
            assert any("R2111-9" in r["label"] for r in clause["references"]), clause["key"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_us_rules_are_informative_references_only(language):
    for clause in clauses(language):
        us_rules = False
        for reference in clause["references"]:
            if any(host in reference["url"] for host in ("ecfr.gov", "healthit.gov")):
                assert reference.get("informative") is True, (clause["key"], reference["label"])
                us_rules = True
        # A clause never rests on US rules alone. (A clause may have only informative references, e.g. the
        # rationale of the replication clauses, a note of the Bulk Data guide that requires nothing.)
        if us_rules:
            assert any(not r.get("informative") for r in clause["references"]), clause["key"]


def test_french_and_english_libraries_have_the_same_keys_parameters_checks_and_fields():
    fr, en = load("fr"), load("en")
    assert [c["key"] for c in fr["clauses"]] == [c["key"] for c in en["clauses"]]
    for a, b in zip(fr["clauses"], en["clauses"], strict=True):
        same = ("category", "requirement", "default_weight", "checks", "tags", "destination", "derogations")
        assert [a.get(f) for f in same] == [b.get(f) for f in same], a["key"]
        assert [(p["name"], p["type"], p.get("min"), p.get("max"), p.get("choices")) for p in a["parameters"]] == [
            (p["name"], p["type"], p.get("min"), p.get("max"), p.get("choices")) for p in b["parameters"]
        ], a["key"]
        assert [(r["url"], r.get("informative", False)) for r in a["references"]] == [
            (r["url"], r.get("informative", False)) for r in b["references"]
        ], a["key"]
        assert [level["score"] for level in a["rubric"]] == [level["score"] for level in b["rubric"]], a["key"]
        assert set(KEY_REFERENCE.findall(a["body"])) == set(KEY_REFERENCE.findall(b["body"])), a["key"]
        assert set(REF_CITATION.findall(a["body"])) == set(REF_CITATION.findall(b["body"])), a["key"]
    assert [(t["key"], t["recommended_clause"]) for t in fr["topics"]] == [
        (t["key"], t["recommended_clause"]) for t in en["topics"]
    ]
    assert [(s["key"], s["clauses"]) for s in fr["sets"]] == [(s["key"], s["clauses"]) for s in en["sets"]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_clause_keys_cited_in_bodies_exist(language):
    library = by_key(language)
    for key, clause in library.items():
        cited = {name for match in CLAUSE_CITATION.findall(clause["body"]) for name in match if name}
        cited |= set(REF_CITATION.findall(clause["body"]))
        assert cited <= set(library), (key, cited - set(library))


@pytest.mark.parametrize("language", LANGUAGES)
def test_only_scored_requirements_may_be_deferred_to_the_roadmap(language):
    library = by_key(language)
    deferrable = [key for key, clause in library.items() if clause.get("deferrable")]
    assert deferrable
    assert all(library[key]["requirement"] == "scored" for key in deferrable), deferrable
    # The roadmap clause keeps no list of its own (the former `exigences_differables` printed a stale one).
    assert not any("differables" in p["name"] for p in library["interoperability-roadmap"]["parameters"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_rubrics_citing_the_probe_go_with_the_rc_clause_that_describes_it(language):
    data = load(language)
    probe = by_key(language)["conformance-probe-evaluation"]
    assert probe["destination"] == "rc" and probe["requirement"] == "informative"
    citing = {
        c["key"]
        for c in data["clauses"]
        if any("sonde" in lv["description"] or "probe" in lv["description"] for lv in c["rubric"])
    }
    assert citing
    for clause_set in data["sets"]:
        if citing & set(clause_set["clauses"]):
            assert "conformance-probe-evaluation" in clause_set["clauses"], clause_set["key"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_recommended_patient_record_set_covers_every_topic(language):
    data = load(language)
    library = by_key(language)
    dpi = next(s for s in data["sets"] if s["key"] == "patient-record-recommended")
    tags = {tag for key in dpi["clauses"] for tag in library[key]["tags"]}
    uncovered = [topic["key"] for topic in data["topics"] if f"covers:{topic['key']}" not in tags]
    assert uncovered == []
    # The new clauses for the topics found missing are in it.
    for key in ("hl7v2-pam-hprim-flows", "ci-sis-volets-dpi", "interface-sla", "interface-acceptance-testing"):
        assert key in dpi["clauses"], key


def test_the_library_page_lists_every_clause_with_its_destination_requirement_and_risk():
    page = (DEFAULT_LIBRARY_FR.parent.parent.parent / "docs" / "LIBRARY.md").read_text(encoding="utf-8")
    table = page.split("## Clause → destination")[1].split("\n## ")[0]
    rows = {line.split("|")[1].strip().strip("`"): line for line in table.splitlines() if line.startswith("| `")}
    for clause in clauses("en"):
        cells = [cell.strip() for cell in rows[clause["key"]].split("|")[1:-1]]
        risk = next(tag for tag in clause["tags"] if tag.startswith("risk:"))[len("risk:") :]
        assert (cells[1], cells[2], cells[5]) == (clause["destination"], clause["requirement"], risk), clause["key"]
    assert len(rows) == len(clauses("en"))


def test_the_clauses_flagged_by_the_review_are_fixed():
    fr, en = by_key("fr"), by_key("en")
    # FHIR R4 defines no `patient` search parameter on Patient itself.
    record = fr["fhir-resources-patient-record"]
    patient_check = next(c for c in record["checks"] if c["type"] == "fhir_resource" and c["resource"] == "Patient")
    assert "patient" not in patient_check["search_params"]
    assert "La ressource Patient se recherche au moins par `_id`" in record["body"]
    # The Pro Santé Connect deadline no longer runs while the ANS examines the request.
    assert "temps d'instruction par l'ANS n'est pas compté" in fr["pro-sante-connect"]["body"]
    assert "processing time is not counted" in en["pro-sante-connect"]["body"]
    # Ségur referencing accepts equivalent proof.
    assert "moyen de preuve équivalent" in fr["segur-referencing"]["body"]
    # HDS is a legal duty when a third party hosts health data: eliminatory, in every set, 2024 referential rules.
    hds = fr["hds-pgssi-compliance"]
    assert hds["requirement"] == "mandatory" and "level:essential" in hds["tags"]
    assert "Espace économique européen" in hds["body"] and "pays tiers" in hds["body"]
    # Information blocking: bounded exceptions and the GDPR art. 28 tie.
    blocking = fr["no-information-blocking"]["body"]
    assert "Seules les exceptions suivantes" in blocking and "{{ ref:gdpr-processor-terms }}" in blocking
    # Free access is read in the price schedule: no line pays for access, priced services cite their lines.
    fees = fr["no-fees-data-access"]["body"]
    assert "n'ont aucune ligne propre au bordereau des prix" in fees and "{{ price:" in fees
    assert not KEY_REFERENCE.search(fees) and "{{ ref:" not in fees
    assert "{{ degradation_max_pourcentage }}" in fr["replication-database"]["body"]
    assert "sans aucun impact" not in fr["replication-database"]["body"]


# The clauses that go to the CCAP, the RC and the price schedule (issue 22, item 6).
CCAP_RC_PRICE = ("ccap", "rc", "price")


@pytest.mark.parametrize("language", LANGUAGES)
def test_ccap_rc_and_price_clauses_print_no_library_key_and_no_parameter_code(language):
    library = by_key(language)
    keys = set(library)
    for key, clause in library.items():
        if clause["destination"] not in CCAP_RC_PRICE:
            continue
        own = {p["name"] for p in clause["parameters"]}
        others = {p["name"] for c in library.values() for p in c["parameters"]} - own
        texts = [clause["title"], clause["body"], clause["question"], clause.get("appreciation", "")]
        texts += [level["description"] for level in clause["rubric"]]
        for text in texts:
            # placeholders are resolved by the composer; what is left is printed as is
            printed = re.sub(r"\{\{ [^}]+ \}\}", "", text)
            assert not KEY_REFERENCE.search(printed), (key, KEY_REFERENCE.search(printed).group(0))
            assert not [k for k in keys if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", printed)], key
            assert not [n for n in others if "_" in n and n in printed], key
        for cited in REF_PLACEHOLDER.findall(clause["body"]):
            assert cited in keys and cited != key, (key, cited)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_ccap_clause_declares_known_derogations_and_names_them_in_its_body(language):
    for key, clause in by_key(language).items():
        if clause["destination"] != "ccap":
            continue
        assert isinstance(clause.get("derogations"), list), key
        assert set(clause["derogations"]) <= KNOWN_CCAG_ARTICLES, key
        for article in clause["derogations"]:
            assert article in clause["body"], (key, article)
    page = (DEFAULT_LIBRARY_FR.parent.parent.parent / "docs" / "CCAG-TIC.md").read_text(encoding="utf-8")
    for key, clause in by_key(language).items():
        if clause["destination"] == "ccap":
            assert f"`{key}`" in page, key


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sla_defines_severity_scope_measurement_and_availability(language):
    body = by_key(language)["interface-sla"]["body"]
    words = {
        "fr": [
            "**bloquant**",
            "**majeur**",
            "**mineur**",
            "24 heures sur 24",
            "jours ouvrés",
            "horodatage",
            "D = (T − I) / T × 100",
            "{{ heure_debut_ouvree }}",
            "{{ delai_rapport_jours }}",
        ],
        "en": [
            "**blocking**",
            "**major**",
            "**minor**",
            "24 hours a day",
            "working days",
            "timestamp",
            "D = (T − I) / T × 100",
            "{{ heure_debut_ouvree }}",
            "{{ delai_rapport_jours }}",
        ],
    }[language]
    assert [w for w in words if w not in body] == []
    assert "minutes ouvrées" not in body and "working minutes" not in body
    for clause in clauses(language):
        assert "minutes ouvrées" not in clause["body"] and "working minutes" not in clause["body"], clause["key"]


def test_the_gdpr_annex_covers_article_28_3_a_to_h_and_28_4():
    fr, en = by_key("fr")["gdpr-processor-terms"], by_key("en")["gdpr-processor-terms"]
    assert fr["title"].startswith("Annexe RGPD") and en["title"].startswith("GDPR annex")
    for point in "abcdefgh":
        assert f"(art. 28, § 3, {point})" in fr["body"] or f"§ 3, {point}, et § 4)" in fr["body"], point
        assert f"(art. 28(3)({point}))" in en["body"] or f"(3)({point}) and (4))" in en["body"], point
    assert "§ 4" in fr["body"] and "(4)" in en["body"]
    names = {p["name"] for p in fr["parameters"]}
    assert {
        "objet_traitement",
        "duree_traitement",
        "nature_finalite_traitement",
        "types_donnees",
        "categories_personnes",
    } <= names


def test_the_new_ccap_clauses_are_in_the_patient_record_recommended_set():
    for language in LANGUAGES:
        data = load(language)
        dpi = next(s for s in data["sets"] if s["key"] == "patient-record-recommended")
        for key in ("data-interface-rights", "hds-loss-termination", "interface-warranty"):
            assert key in dpi["clauses"], key
            clause = by_key(language)[key]
            assert clause["destination"] == "ccap" and clause["requirement"] == "mandatory", key


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rc_demonstration_scenario_is_written_in_the_clause(language):
    body = by_key(language)["conformance-probe-evaluation"]["body"]
    assert "joint au" not in body and "attached to the" not in body
    steps = [line for line in body.splitlines() if line.startswith("- ") and "{{ ref:" in line]
    assert len(steps) >= 6

"""What a procurement lawyer still refused to publish in the tender file of a DPI tender built from the default
library's recommended set (docs/LEGAL_READING.md), each point read back from the generated pieces: the whole
published file (the `dce` archive, every piece in every format) and the buyer's note, built once for the module."""

import io
import json
import re
import zipfile

import pytest

from clause_library.defaults import DEFAULT_LIBRARY_EN, DEFAULT_LIBRARY_FR
from clause_library.models import Library
from clause_library.services import library_import
from organizations.models import Organization
from scoring.services.criteria import criteria_from_clauses
from tenders.composition import compose
from tenders.guidance import tender_set_apply
from tenders.services import tender_create

from ..factories import OrganizationFactory, member
from ..once import rolled_back
from .test_contract_composition import DEFAULT, build, read_back

pytestmark = pytest.mark.django_db

SET = "patient-record-recommended"
ANNEX, CCAP, RC = "1-annexe-technique-cctp", "2-clauses-administratives-ccap", "3-reglement-consultation"
FORM, PRICES, GDPR = "4-cadre-de-reponse", "5-bordereau-des-prix", "2b-annexe-rgpd-ccap"
PUBLISHED = (ANNEX, CCAP, RC, GDPR)
URL = re.compile(r"https?://\S+")
PIECE_NAME = {
    "annex": "de l'annexe technique au CCTP",
    "ccap": "du CCAP",
    "rc": "du règlement de la consultation",
    "price": "du bordereau des prix",
}


def flat(text):
    """One line of single spaces, links left out (PDF line ends and hyphenation points read as spaces)."""
    text = URL.sub(" ", text.replace("\u00ad", "").replace("\u2010 ", ""))
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def pieces(django_db_setup, django_db_blocker):
    """{file name: text read back} of the published file of a DPI tender with its criteria, and the buyer's note."""
    with rolled_back(django_db_blocker):
        group = OrganizationFactory(name="Groupement", kind=Organization.Kind.PURCHASING_GROUP)
        hospital = OrganizationFactory(name="CHU", kind=Organization.Kind.HOSPITAL)
        curator = member(group, "curator", username="curator")
        buyer = member(hospital, "buyer", username="buyer")
        library = library_import(user=curator, organization=group, data=DEFAULT)
        library.visibility = Library.Visibility.SHARED
        library.save()
        library.shared_with.add(hospital)
        tender = tender_create(
            user=buyer,
            organization=hospital,
            reference="AO-DPI",
            title="Dossier patient informatisé",
            duration_months=48,
        )
        tender_set_apply(user=buyer, tender=tender, library_id=library.pk, set_key=SET)
        criteria_from_clauses(user=buyer, tender=tender, price_weight=40)
        with zipfile.ZipFile(io.BytesIO(build(tender, "dce", "zip"))) as archive:
            files = {name: flat(read_back(name, archive.read(name))) for name in archive.namelist()}
        files["note.docx"] = flat(read_back("note.docx", build(tender, "buyer_note", "docx")))
        return files


def text(pieces, stem, formats=("pdf", "docx")):
    return " ".join(pieces[f"{stem}.{fmt}"] for fmt in formats if f"{stem}.{fmt}" in pieces)


def published(pieces):
    return {name: content for name, content in pieces.items() if name.split(".")[0] in (*PUBLISHED, FORM, PRICES)}


def test_a_cross_reference_reads_as_french_with_its_article(pieces):
    """« dans les conditions de article C5 » was printed: a cited article takes its article, « de l'article »."""
    bad = re.compile(r"\b(?:de|à|par|suit|suivent|outre|selon|sens de) article [CRP]?\d")
    for name, content in published(pieces).items():
        assert not bad.findall(content), (name, [content[m.start() - 40 : m.end() + 20] for m in bad.finditer(content)])
    assert "dans les conditions de l'article C5" in text(pieces, CCAP)


@pytest.mark.parametrize(
    ("stem", "own"),
    [(ANNEX, "annex"), (CCAP, "ccap"), (RC, "rc"), (GDPR, "ccap")],
)
def test_an_article_of_another_piece_is_cited_with_that_piece(pieces, stem, own):
    """Each piece is a file of its own: « article C1 » read in the CCTP's annex, or « article 6.5 » in the CCAP,
    does not say where to look. Every article number cited in a sentence of another piece names the piece."""
    content = pieces[f"{stem}.docx"]
    if stem == RC:
        # The articles of the RC (its clauses and the demonstration scenario): the criteria table and the list
        # of eliminatory requirements cite every article by design (LEGAL_READING.md lists their wording).
        content = content[
            content.index("Article R1 — ") : content.index("Sous-critères notés lors de la démonstration")
        ]
    # A clause article (« 3.2 », « C5 »), not a heading « Article C1 — … », nor an article of a code (R2111-9)
    # or of the CCAG-TIC (4.1, 14.1.1).
    cited = re.compile(r"\barticles? ([CRP]\d{1,2}|\d{1,2}\.\d{1,2})\b(?! —)(?![-.]\d)(?! du CCAG)")
    found = 0
    for match in cited.finditer(content):
        number = match.group(1)
        piece = {"C": "ccap", "R": "rc", "P": "price"}.get(number[0], "annex")
        if piece == own:
            continue
        found += 1
        following = content[match.end() : match.end() + 40]
        assert following.startswith(" " + PIECE_NAME[piece]), (stem, content[match.start() - 60 : match.end() + 40])
    if stem != GDPR:
        assert found, stem


def test_the_annex_prints_no_internal_parameter_and_one_list_of_deferrable_requirements(pieces):
    """The roadmap article printed « Exigences différables (ancien paramètre, non imprimé) : article 1.5 » while
    the OMOP feed (3.3) was deferrable too and the answer form's roadmap sheet listed both."""
    annex = text(pieces, ANNEX)
    assert "non imprimé" not in annex and "ancien paramètre" not in annex
    assert "Exigences différables" not in annex
    form = pieces[f"{FORM}.xlsx"]
    roadmap = form[form.index("Date de disponibilité") :]  # the roadmap sheet's header
    for number in ("1.5", "3.3"):
        assert f" {number} " in roadmap, number
        assert "peut être livrée à la date de jalon engagée dans l'offre" in annex


def test_french_pieces_carry_no_english_reference_wording(pieces):
    for stem in (ANNEX, CCAP):
        content = text(pieces, stem)
        for words in ("current)", "GDPR", "notes that", "read-only mirror", "not a requirement"):
            assert words not in content, (stem, words)
    assert "(STU3, version en vigueur)" in text(pieces, ANNEX)


def test_a_rationale_is_not_printed_as_a_normative_reference(pieces):
    """The Bulk Data guide's remark about read-only copies requires nothing: it was listed among the replication
    articles' « Références normatives », « (ou équivalent) » included. It belongs to the buyer's note."""
    assert "copie en lecture seule pour protéger la production" not in text(pieces, ANNEX)
    assert "copie en lecture seule pour protéger la production" in pieces["note.docx"]


def ccap_articles(content):
    """{"C1": text of the article, …} of the CCAP's DOCX text (its first heading of that number: the last
    article's table of derogations names the articles again, and the DOCX text puts tables last)."""
    articles = {}
    for part in re.split(r"(?=Article C\d+ — )", content):
        heading = re.match(r"Article (C\d+) — ", part)
        if heading:
            articles.setdefault(heading.group(1), part)
    return articles


def test_ccap_articles_cite_the_ccag_once_and_only_texts_that_bear_on_them(pieces):
    """Articles cited « CCAG-TIC 2021, art. 14 » and then the whole « CCAG-TIC 2021 (arrêté du 30 mars 2021) »;
    the penalties article cited L2152-2 (irregular offers), which has nothing to do with penalties."""
    articles = ccap_articles(pieces[f"{CCAP}.docx"])
    assert articles
    for number, article in articles.items():
        if "CCAG-TIC 2021, art." in article or "CCAG-TIC 2021, chapitre" in article:
            assert "CCAG-TIC 2021 (arrêté du 30 mars 2021)" not in article, number
    penalties = next(article for article in articles.values() if "Régime A" in article)
    assert "L2152-2" not in penalties


def test_the_hds_termination_matches_the_segur_clause_it_cites(pieces):
    """Article 8.9 admits an equivalent proof of the Ségur requirements (a label cannot be demanded without one);
    the CCAP spoke of « le référencement exigé par article 8.9 » and made its withdrawal a ground for termination,
    which a vendor that proved conformity by other means could never meet nor breach."""
    ccap = text(pieces, CCAP)
    assert "référencement exigé" not in ccap
    assert "exigences du référencement Ségur prévues à l'article 8.9 de l'annexe technique au CCTP" in ccap
    assert "tout moyen de preuve équivalent" in text(pieces, ANNEX)


def test_one_deliverable_one_name_across_the_pieces(pieces):
    """The annex says « corrige les écarts relevés », the penalty table « Corriger les écarts relevés », the
    parameter said « Délai de levée des réserves »; an interval in hours was called a « fréquence »."""
    files = " ".join(published(pieces).values())
    assert "levée des réserves" not in files
    assert "Délai de correction des écarts (jours)" in text(pieces, ANNEX) + pieces[f"{FORM}.xlsx"]
    assert "Fréquence maximale des exports incrémentaux" not in files
    assert "Fréquence de rafraîchissement" not in files
    assert "Intervalle maximal entre deux exports incrémentaux (heures)" in pieces[f"{FORM}.xlsx"]


def test_the_price_legend_defines_only_the_symbols_of_its_formula(pieces):
    rc = text(pieces, RC)
    assert "Note prix = N × P_min / P" in rc
    assert "P_max" not in rc
    assert "N : poids du critère prix dans la note finale (40,00 %)" in rc


def test_the_answer_form_speaks_of_the_vabf_not_of_a_reception(pieces):
    """« Réception » is the works' acceptance (CCAG-Travaux); the annex and the CCAG-TIC speak of the
    vérification d'aptitude (VABF) and of admission."""
    form = text(pieces, FORM, ("xlsx", "docx"))
    assert "réception," not in form and "après la réception" not in form
    assert "après la vérification d'aptitude (VABF)" in form


@pytest.mark.parametrize("path", [DEFAULT_LIBRARY_FR, DEFAULT_LIBRARY_EN])
def test_both_library_files_carry_the_same_fixes(path):
    """The English library is the French one translated: the same references, parameters and wording fixes."""
    data = json.loads(path.read_text(encoding="utf-8"))
    clauses = {clause["key"]: clause for clause in data["clauses"]}
    labels = [reference["label"] for clause in data["clauses"] for reference in clause["references"]]
    assert not any("RGPD / GDPR" in label or "(STU3, current)" in label for label in labels)
    assert not any("read-only mirror" in label for label in labels)
    assert not any(p["name"] == "exigences_differables" for p in clauses["interoperability-roadmap"]["parameters"])
    assert not any("L2152-2" in r["label"] for r in clauses["delay-penalties"]["references"])
    body = clauses["hds-loss-termination"]["body"]
    assert "{{ ref:segur-referencing }}" in body and ("Ségur" in body)
    if data["language"] == "fr":
        assert not re.search(r"\b(?:de|à|par|suit|suivent|selon) \{\{ ?ref:", json.dumps(data, ensure_ascii=False))


def test_the_buyer_note_does_not_doubt_an_article_the_ccap_cites_as_settled(pieces):
    """The CCAP cites « art. 22 (documentation, mises à jour et nouvelles versions) » of the CCAG-TIC as settled
    (docs/CCAG-TIC.md: confirmed) while the buyer's note said « art. 22, à vérifier » for the same article."""
    assert "art. 22 (documentation" in text(pieces, CCAP)
    assert "art. 22, à vérifier" not in pieces["note.docx"]
    assert "art. 22" in pieces["note.docx"]


def test_the_english_library_fills_its_clauses_with_english_values():
    """The English replication clause read « hosted dans l'infrastructure de l'établissement »: a default value
    left in French. (The CI-SIS volets keep their official French names.)"""
    data = json.loads(DEFAULT_LIBRARY_EN.read_text(encoding="utf-8"))
    french = re.compile(r"\b(?:dans|les|des|et|du)\b|l'(?:é|i)")
    for clause in data["clauses"]:
        for parameter in clause["parameters"]:
            value = parameter.get("default")
            if isinstance(value, str) and not parameter["name"].startswith("volets"):
                assert not french.search(value), (clause["key"], parameter["name"], value)


@pytest.mark.parametrize(
    ("text", "piece", "language", "expected"),
    [
        ("à l'{{ ref:sla }}", "annex", "fr", "à l'article C1 du CCAP"),
        ("à l'{{ ref:tests }}", "ccap", "fr", "à l'article 6.5 de l'annexe technique au CCTP"),
        ("à l'{{ ref:tests }}", "annex", "fr", "à l'article 6.5"),  # the same piece: the number alone
        ("à l'{{ ref:fees }}", "annex", "fr", "à l'article P1 du bordereau des prix"),
        ("(step {{ ref:sla }})", "rc", "en", "(step article C1 of the CCAP)"),
        ("suit l'{{ ref:gdpr }}", "ccap", "fr", "suit l'article C7"),  # the GDPR annex is part of the CCAP
    ],
)
def test_compose_names_the_piece_of_an_article_cited_from_another(text, piece, language, expected):
    articles = {"sla": "C1", "tests": "6.5", "fees": "P1", "gdpr": "C7"}
    assert compose(text, articles, None, language, piece=piece) == expected


def test_the_annex_preamble_keeps_statutory_referentiels_out_of_or_equivalent_and_the_full_order():
    """R2111-9 with its exception (CSP L1111-8, L1470-5; LEGAL.md) and CCAG-TIC 4.1's whole order, 1.2's rule,
    the same in the PDF and DOCX writers (documents/rendering/preamble.py)."""
    from django.utils import translation

    from documents.rendering.preamble import annex_preamble

    with translation.override("fr"):
        texts = dict(annex_preamble({"title": "DPI", "reference": "AO-1"}))
    standards = texts["Normes et spécifications citées"]
    assert "ou équivalent" in standards and "L1111-8" in standards and "sans équivalent" in standards
    order = texts["Ordre de priorité des pièces"]
    assert order.index("l'offre technique du titulaire") < order.index("actes spéciaux de sous-traitance")
    assert "politique de sécurité des systèmes d'information" in order
    assert "ne déroge donc" not in order and "dernier article du CCAP" in order

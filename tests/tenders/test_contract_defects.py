"""The defects a procurement lawyer found in a generated DPI tender file (issue 22, "Why"), each checked on the
generated pieces read back: the patient-record set at its most complete level, built once for the module."""

import io
import re
import zipfile

import pytest

from clause_library.models import Library
from clause_library.services import library_import
from organizations.models import Organization
from scoring.services.criteria import criteria_from_clauses
from tenders.guidance import tender_set_apply
from tenders.services import tender_create

from ..factories import OrganizationFactory, member
from ..once import rolled_back
from .test_contract_composition import DEFAULT, build, read_back

pytestmark = pytest.mark.django_db

SET = "patient-record-advanced"
ANNEX, CCAP, RC = "1-annexe-technique-cctp", "2-clauses-administratives-ccap", "3-reglement-consultation"
FORM, PRICES, GDPR = "4-cadre-de-reponse", "5-bordereau-des-prix", "2b-annexe-rgpd-ccap"


def flat(text):
    """One line of single spaces (PDF line ends and hyphenation points read as spaces)."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", "").replace("\u2010 ", "")).strip()


@pytest.fixture(scope="module")
def pieces(django_db_setup, django_db_blocker):
    """{file name: text read back} of the whole published file (the `dce` archive) of a DPI tender."""
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
            single_lot_reason="Prestation indivisible.",
            user=buyer,
            organization=hospital,
            reference="AO-DPI",
            title="Dossier patient",
        )
        tender_set_apply(user=buyer, tender=tender, library_id=library.pk, set_key=SET)
        criteria_from_clauses(user=buyer, tender=tender)
        with zipfile.ZipFile(io.BytesIO(build(tender, "dce", "zip"))) as archive:
            return {name: flat(read_back(name, archive.read(name))) for name in archive.namelist()}


def text(pieces, stem, formats=("pdf", "docx")):
    return " ".join(pieces[f"{stem}.{fmt}"] for fmt in formats)


PUBLISHED = (ANNEX, CCAP, RC, GDPR)
STATUTORY = sorted(
    {
        reference["label"]
        for clause in DEFAULT["clauses"]
        for reference in clause.get("references") or []
        if reference.get("statutory")
    }
)


def test_the_penalty_table_keeps_no_saving_sentence_for_absent_clauses(pieces):
    ccap = text(pieces, CCAP)
    assert "ne figure pas au marché" not in ccap and "est sans effet" not in ccap
    assert "Régime B" in ccap or "régime B" in ccap  # a flat amount where no price value exists


def test_every_regime_a_penalty_names_its_price_value(pieces):
    ccap = pieces[f"{CCAP}.docx"]
    regime_a = re.findall(r"\bA — V : ([^|]{0,120})", ccap)
    assert regime_a, "no régime A row"
    assert all("ligne n°" in value or "montant" in value.lower() for value in regime_a), regime_a


def test_the_rc_states_the_compared_price_and_the_scoring_method(pieces):
    rc = text(pieces, RC)
    assert "Le prix comparé est le montant total hors taxes du bordereau des prix sur la durée du marché" in rc
    assert "48 mois" in rc
    assert "Points = note / note maximale × poids dans la note finale" in rc


def test_the_rc_annexes_the_grid_it_relies_on(pieces):
    rc = text(pieces, RC)
    assert "Répond au minimum exigé" in rc  # a rubric level, printed from the scored clauses


def test_the_price_schedule_holds_every_line_and_a_total(pieces):
    schedule = pieces[f"{PRICES}.xlsx"]
    assert "Montant total HT sur 48 mois" in schedule
    for label in ("Base de réplication", "Environnement de test pour les tiers"):
        assert label in schedule, label


def test_legal_obligations_print_without_or_equivalent_and_standards_with_it(pieces):
    annex = text(pieces, ANNEX)
    printed = [label for label in STATUTORY if flat(label) in annex]
    assert printed, "no statutory reference in the annex"
    for label in printed:
        assert flat(label) + " (ou équivalent)" not in annex, label
    assert "(ou équivalent)" in annex


def test_the_cctp_states_no_acceptance_consequence_and_no_dependency_on_the_rc(pieces):
    annex = URL_FREE(text(pieces, ANNEX))
    assert "ajournée" not in annex and "ajourné" not in annex
    assert "prévue au RC" not in annex and "joint au règlement" not in annex and "joint au RC" not in annex


def test_the_ccap_has_sla_definitions_rights_hds_termination_warranty_and_its_derogations(pieces):
    ccap = text(pieces, CCAP)
    for words in ("bloquant", "majeur", "mineur", "24 h", "disponibilité"):
        assert words in ccap, words
    assert "résiliation" in ccap.lower() and "HDS" in ccap
    assert "garantie" in ccap
    assert "résultats" in ccap  # use of results: data and interface rights
    last = ccap[ccap.rindex("Liste des dérogations au CCAG-TIC") :]
    for article in ("Article 14.1.1", "Article 14.2", "Article 36", "Article 42"):
        assert article in last, article


def test_the_gdpr_annex_ships_in_the_zip_with_the_article_28_terms(pieces):
    annex = text(pieces, GDPR)
    assert "Annexe RGPD" in annex
    for words in ("instructions documentées", "confidentialité", "article 32", "sous-traitant ultérieur", "audit"):
        assert words.lower() in annex.lower(), words


def test_published_pieces_carry_no_buyer_material(pieces):
    for stem in PUBLISHED:
        published = text(pieces, stem)
        for words in ("Lianakis", "45 CFR", "ONC", "Note juridique", "Complétude de l'interopérabilité"):
            assert words not in published, (stem, words)


def test_dates_print_in_one_format(pieces):
    for name, content in pieces.items():
        if name == "manifest.json":
            continue
        iso = re.findall(r"\b20\d\d-\d\d-\d\d\b", URL_FREE(content))
        assert not iso, (name, iso[:3])


def test_price_lines_are_named_once_in_a_sentence(pieces):
    for stem in (ANNEX, CCAP):
        published = text(pieces, stem)
        assert "ligne n° " in published, stem
        assert "ligne ligne" not in published and "du bordereau des prix du bordereau" not in published, stem


def test_the_readme_calls_them_the_interoperability_pieces(pieces):
    readme = pieces["LISEZMOI.txt"]
    assert "Pièces du dossier :" not in readme
    assert "interopérabilité" in readme


def URL_FREE(content):  # noqa: N802 (reads as a filter)
    return re.sub(r"https?://\S+", " ", content)

"""The answer form as a part of the contract: it asks vendors only what they may improve, offers
« Partiel » and a roadmap date only where the tender allows delivery after acceptance, reads dates as
people type them, and flags — never refuses, never decides — a committed value less favourable than
required. The generated XLSX and DOCX are read back; the import goes through the API."""

import html
import io
import re

import docx
import pytest
from django.utils import timezone, translation

from documents.rendering.answer_form import parse_date
from documents.rendering.docx import render_questionnaire_docx
from documents.rendering.xlsx import render_questionnaire_xlsx
from scoring.models import Answer, AuditEvent, Bid, Evaluator
from scoring.services import criteria_from_clauses
from tenders.selectors import tender_document

from .answer_form_helpers import fill_candidate, reopen, row_of, saved, upload
from .conftest import publish
from .test_api_criteria import add_clause

pytestmark = pytest.mark.django_db

DELAY = {
    "name": "delai_jours",
    "label": "Délai d'intégration (jours)",
    "type": "integer",
    "default": 30,
    "direction": "max",
    "improvable": True,
}
DEADLINE = {
    "name": "mise_en_service",
    "label": "Date de mise en service",
    "type": "date",
    "default": "2029-06-30",
    "direction": "max",
    "improvable": True,
}
PENALTY = {"name": "penalite_jour", "label": "Pénalité par jour de retard (€)", "type": "integer", "default": 300}
AVAILABILITY = {
    "name": "disponibilite",
    "label": "Disponibilité mensuelle (%)",
    "type": "decimal",
    "default": 99.5,
    "direction": "min",
    "improvable": True,
}
CODES = ("delai_jours", "mise_en_service", "penalite_jour", "disponibilite")


@pytest.fixture
def setup(tender, library, buyer):
    """Four requirements: a scored deferrable one ("roadmap": a delay and a date to improve), a scored
    one that is not deferrable ("write", with a penalty the buyer fixes), an eliminatory one ("sla":
    an availability floor) and an informative one."""
    clauses = {
        "roadmap": add_clause(
            tender,
            library,
            "bulk-export",
            title="Export de masse",
            requirement="scored",
            default_weight=10,
            deferrable=True,
            body="Export sous {{ delai_jours }} jours, en service le {{ mise_en_service }}.",
            parameters=[DELAY, DEADLINE],
            question="Décrivez l'export.",
        ),
        "write": add_clause(
            tender,
            library,
            "write-back",
            title="Écriture FHIR",
            requirement="scored",
            default_weight=10,
            body="Écriture ; pénalité de {{ penalite_jour }} € par jour.",
            parameters=[PENALTY],
            question="Décrivez l'écriture.",
        ),
        "sla": add_clause(
            tender,
            library,
            "interface-sla",
            title="Disponibilité des interfaces",
            requirement="mandatory",
            default_weight=None,
            body="Disponibilité d'au moins {{ disponibilite }} %.",
            parameters=[AVAILABILITY],
            question="Confirmez la disponibilité.",
        ),
        "info": add_clause(
            tender, library, "context", title="Contexte", requirement="informative", default_weight=None, question="?"
        ),
    }
    criteria_from_clauses(user=buyer, tender=tender)
    doc = tender_document(tender)
    numbers = {a["id"]: a["number"] for s in doc["sections"] for a in s["articles"]}
    publish(tender)
    bid = Bid.objects.create(tender=tender, vendor="Alpha", price=1000)
    return {
        "tender": tender,
        "doc": doc,
        "form": render_questionnaire_xlsx(doc),
        "bid": bid,
        **{key: numbers[clause.stable_id] for key, clause in clauses.items()},
    }


def filled(setup, *, values=None, change=None):
    """The form filled validly (Oui everywhere, the required values committed), `values` {label: value}
    replacing committed values; `change(workbook)` then alters it."""
    workbook = fill_candidate(reopen(setup["form"]))
    for row in workbook["Exigences"].iter_rows(min_row=2):
        row[4].value, row[5].value = "Oui", "Réponse"
    for row in workbook["Valeurs engagées"].iter_rows(min_row=2):
        row[5].value = (values or {}).get(row[2].value, row[4].value)
    roadmap = workbook["Feuille de route"]
    for row in roadmap.iter_rows(min_row=2):
        row[2].value = "Natif"
    if change:
        change(workbook)
    return saved(workbook)


def all_cells(workbook):
    return [
        str(cell)
        for sheet in workbook.worksheets
        if sheet.title != "meta"
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]


# The generated form, read back ---------------------------------------------------------------------


def test_the_xlsx_form_asks_only_the_improvable_values_with_their_direction(setup):
    workbook = reopen(setup["form"])
    rows = [tuple(row) for row in workbook["Valeurs engagées"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        (setup["roadmap"], "Délai d'intégration (jours)", "au plus", "30"),
        (setup["roadmap"], "Date de mise en service", "au plus", "30 juin 2029"),
        (setup["sla"], "Disponibilité mensuelle (%)", "au moins", "99,5"),
    ]
    # The penalty the buyer fixes is not asked; no parameter code anywhere a vendor reads.
    cells = all_cells(workbook)
    assert not any("Pénalité" in text for text in cells)
    assert not [text for text in cells if any(code in text for code in CODES)]


def test_the_xlsx_form_offers_partiel_and_a_roadmap_only_where_the_tender_allows_it(setup):
    workbook = reopen(setup["form"])
    requirements = workbook["Exigences"]
    choices = {}
    for validation in requirements.data_validations.dataValidation:
        for cell in str(validation.sqref).split():
            choices[requirements[cell].row] = validation.formula1
    assert choices[row_of(requirements, setup["roadmap"])] == '"Oui,Non,Partiel"'
    for key in ("write", "sla", "info"):
        assert choices[row_of(requirements, setup[key])] == '"Oui,Non"', key
    roadmap = [row[0] for row in workbook["Feuille de route"].iter_rows(min_row=2, values_only=True)]
    assert roadmap == [setup["roadmap"]]
    # One date format shown: in words; the cells say which forms are read.
    assert workbook["Feuille de route"]["D2"].number_format == "[$-40C]D MMMM YYYY"
    prompts = [v.prompt for v in workbook["Feuille de route"].data_validations.dataValidation if v.prompt]
    assert any("26 mars 2029" in p and "JJ/MM/AAAA" in p and "AAAA-MM-JJ" in p for p in prompts), prompts
    instructions = " ".join(all_cells(workbook)[:20])
    assert "26 mars 2029" in instructions and not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}", instructions)


def test_the_docx_form_says_the_same(setup):
    document = docx.Document(io.BytesIO(render_questionnaire_docx(setup["doc"])))
    tables = {}
    for table in document.tables:
        tables[table.rows[0].cells[0].text + "|" + table.rows[0].cells[-1].text] = [
            [cell.text for cell in row.cells] for row in table.rows[1:]
        ]
    requirement_rows = [
        row for key, rows in tables.items() if key.endswith("|Preuves (références des documents)") for row in rows
    ]
    compliance = {row[0]: row[4] for row in requirement_rows}
    assert compliance[setup["roadmap"]] == "Oui / Non / Partiel"
    assert {compliance[setup[key]] for key in ("write", "sla", "info")} == {"Oui / Non"}
    values = tables["N° d'article|Valeur engagée"]
    assert [(r[0], r[2], r[3], r[4]) for r in values] == [
        (setup["roadmap"], "Délai d'intégration (jours)", "au plus", "30"),
        (setup["roadmap"], "Date de mise en service", "au plus", "30 juin 2029"),
        (setup["sla"], "Disponibilité mensuelle (%)", "au moins", "99,5"),
    ]
    roadmap = tables["N° d'article|Commentaire"]
    assert [row[0] for row in roadmap] == [setup["roadmap"]] and roadmap[0][3] == "(ex. : 26 mars 2029)"
    text = "\n".join(p.text for p in document.paragraphs) + str(tables)
    assert not [code for code in CODES if code in text] and "Pénalité" not in text
    assert "26 mars 2029" in text and not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}", text)


def test_the_english_form_speaks_english(setup):
    doc = {**setup["doc"], "language": "en"}
    with translation.override("en"):
        workbook = reopen(render_questionnaire_xlsx(doc))
    directions = {row[3] for row in workbook["Valeurs engagées"].iter_rows(min_row=2, values_only=True)}
    assert directions == {"at most", "at least"}
    assert workbook["Feuille de route"]["D2"].number_format == "[$-809]D MMMM YYYY"
    assert any("26 March 2029" in text for text in all_cells(workbook))


# The import -----------------------------------------------------------------------------------------


def test_a_roadmap_date_on_a_requirement_that_is_not_deferrable_is_refused_naming_the_article(api, buyer, setup):
    def change(workbook):
        sheet = workbook["Feuille de route"]
        sheet.append([setup["sla"], "Disponibilité des interfaces", "Feuille de route", "26 mars 2029", "Plus tard"])
        change.row = sheet.max_row

    response = upload(api(buyer), setup["bid"], filled(setup, change=change))
    assert response.status_code == 400
    messages = response.json()["file"]
    assert any(
        m.startswith(f"Feuille « Feuille de route », ligne {change.row}, colonne D : ")
        and f"article {setup['sla']} " in m
        for m in messages
    ), messages
    assert not any("interface-sla" in m for m in messages)  # the article number, never the library key
    assert not Answer.objects.exists()


@pytest.mark.parametrize("key", ["write", "sla"])
def test_partiel_on_a_requirement_that_is_not_deferrable_is_refused_naming_the_article(api, buyer, setup, key):
    def change(workbook):
        sheet = workbook["Exigences"]
        change.row = row_of(sheet, setup[key])
        sheet[f"E{change.row}"] = "Partiel"

    response = upload(api(buyer), setup["bid"], filled(setup, change=change))
    assert response.status_code == 400
    messages = response.json()["file"]
    assert any(
        m.startswith(f"Feuille « Exigences », ligne {change.row}, colonne E : ") and f"article {setup[key]}" in m
        for m in messages
    ), messages
    assert not Answer.objects.exists()


def test_partiel_and_a_roadmap_date_are_accepted_where_the_tender_allows_them(api, buyer, setup):
    def change(workbook):
        workbook["Exigences"][f"E{row_of(workbook['Exigences'], setup['roadmap'])}"] = "Partiel"
        workbook["Feuille de route"]["C2"], workbook["Feuille de route"]["D2"] = "Feuille de route", "1er avril 2029"

    response = upload(api(buyer), setup["bid"], filled(setup, change=change))
    assert response.status_code == 200, response.json()
    assert Bid.objects.get(pk=setup["bid"].pk).roadmap[0]["date"] == "2029-04-01"


@pytest.mark.parametrize("typed", ["26 mars 2029", "26/03/2029", "2029-03-26", "26 March 2029", "26 MARS 2029"])
def test_the_three_date_forms_are_read_in_committed_values_and_the_roadmap(api, buyer, setup, typed):
    def change(workbook):
        workbook["Feuille de route"]["C2"], workbook["Feuille de route"]["D2"] = "Feuille de route", typed

    content = filled(setup, values={"Date de mise en service": typed}, change=change)
    response = upload(api(buyer), setup["bid"], content)
    assert response.status_code == 200, response.json()
    answer = Answer.objects.get(bid=setup["bid"], criterion__tender_clause__clause__key="bulk-export")
    assert answer.committed_values["mise_en_service"] == "2029-03-26"
    assert Bid.objects.get(pk=setup["bid"].pk).roadmap[0]["date"] == "2029-03-26"


@pytest.mark.parametrize(
    "sheet, column, where",
    [("Valeurs engagées", "F", "Date de mise en service"), ("Feuille de route", "D", None)],
)
def test_a_bad_date_is_refused_naming_the_cell(api, buyer, setup, sheet, column, where):
    def change(workbook):
        target = workbook[sheet]
        if where:
            change.row = next(row[0].row for row in target.iter_rows(min_row=2) if row[2].value == where)
        else:
            change.row = 2
            target["C2"] = "Feuille de route"
        target[f"{column}{change.row}"] = "31 février 2029"

    response = upload(api(buyer), setup["bid"], filled(setup, change=change))
    assert response.status_code == 400
    messages = response.json()["file"]
    expected = f"Feuille « {sheet} », ligne {change.row}, colonne {column} : "
    assert any(m.startswith(expected) and "31 février 2029" in m and "26 mars 2029" in m for m in messages), messages
    assert not Answer.objects.exists()


def test_parse_date_reads_what_people_type_and_nothing_else():
    for text in (
        "26 mars 2029",
        "26/03/2029",
        "2029-03-26",
        "26 March 2029",
        "26\u00a0mars\u00a02029",
        " 26 mars 2029 ",
    ):
        assert parse_date(text).isoformat() == "2029-03-26", text
    assert parse_date("1er août 2029").isoformat() == "2029-08-01"
    for text in ("31 février 2029", "26 marsss 2029", "2029", "mars 2029", "26/13/2029", ""):
        with pytest.raises(ValueError):
            parse_date(text)


def test_a_less_favourable_commitment_is_flagged_not_refused(api, client, buyer, evaluator, setup):
    content = filled(
        setup,
        values={
            "Délai d'intégration (jours)": 45,  # a ceiling of 30: worse
            "Date de mise en service": "30 juin 2029",  # as asked: fine
            "Disponibilité mensuelle (%)": 99,  # a floor of 99.5: worse, on an eliminatory requirement
        },
    )
    response = upload(api(buyer), setup["bid"], content)
    assert response.status_code == 200, response.json()
    assert response.json()["below_requirement"] == 2

    answers = api(buyer).get(f"/api/v1/bids/{setup['bid'].pk}/answers/").json()["results"]
    flags = {a["criterion"]: a["flags"] for a in answers}
    by_key = {
        a.criterion_id: a.criterion.tender_clause.clause.key
        for a in Answer.objects.select_related("criterion__tender_clause__clause")
    }
    assert {by_key[c]: f for c, f in flags.items()} == {
        "bulk-export": ["below_requirement"],
        "write-back": [],
        "interface-sla": ["below_requirement"],
    }
    assert not AuditEvent.objects.filter(action="elimination.decide").exists()  # proposed, never decided

    client.force_login(buyer)
    page = client.get(f"/evaluation/tenders/{setup['tender'].pk}/bids/{setup['bid'].pk}/").content.decode()
    warnings = re.findall(r'<div class="alert alert-warning[^"]*below-requirement".*?</div>', page, re.S)
    text = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", w) for w in warnings))
    assert "Délai d'intégration (jours) : 45 engagé, au plus 30 exigé" in " ".join(text.split())
    assert "au moins 99,5 exigé" in text
    assert "paraît irrégulière" in text and "l'acheteur décide" in text
    assert "Date de mise en service" not in text

    Evaluator.objects.create(tender=setup["tender"], user=evaluator, declared_at=timezone.now())
    client.force_login(evaluator)
    grid = client.get(f"/evaluation/tenders/{setup['tender'].pk}/grid/").content.decode()
    grid = html.unescape(grid)
    assert "engagement en deçà de l'exigence" in grid and "au plus 30 exigé" in " ".join(grid.split())
    assert "paraît irrégulière" in grid  # the eliminatory row of the grid


def test_a_commitment_as_good_as_required_or_better_is_not_flagged(api, buyer, setup):
    content = filled(setup, values={"Délai d'intégration (jours)": 10, "Disponibilité mensuelle (%)": 99.9})
    assert upload(api(buyer), setup["bid"], content).json()["below_requirement"] == 0
    answers = api(buyer).get(f"/api/v1/bids/{setup['bid'].pk}/answers/").json()["results"]
    assert all(a["flags"] == [] for a in answers)


def test_the_bid_page_in_english_says_it_in_english(api, client, buyer, setup):
    upload(api(buyer), setup["bid"], filled(setup, values={"Délai d'intégration (jours)": 45}))
    client.force_login(buyer)
    page = client.get(
        f"/evaluation/tenders/{setup['tender'].pk}/bids/{setup['bid'].pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "at most 30 required" in " ".join(page.split())


def test_a_form_generated_before_still_imports_and_its_buyer_fixed_values_are_ignored(api, buyer, setup):
    """Vendors may return the form a tender published earlier: values named by their code (column D),
    every parameter listed, the roadmap's date column titled (JJ/MM/AAAA). The codes are read, the values
    the buyer fixes are not stored as commitments, and a less favourable value is still flagged."""
    workbook = reopen(filled(setup))
    values = workbook["Valeurs engagées"]
    values["C1"], values["D1"] = "Paramètre", "Code du paramètre"
    for row in values.iter_rows(min_row=2):
        row[3].value = {DELAY["label"]: "delai_jours", DEADLINE["label"]: "mise_en_service"}.get(
            row[2].value, "disponibilite"
        )
    values["F2"] = 45
    values.append([setup["write"], "Écriture FHIR", PENALTY["label"], "penalite_jour", "300", 10])
    workbook["Feuille de route"]["D1"] = "Date de disponibilité (JJ/MM/AAAA)"
    response = upload(api(buyer), setup["bid"], saved(workbook))
    assert response.status_code == 200, response.json()
    assert response.json()["below_requirement"] == 1
    committed = {
        a.criterion.tender_clause.clause.key: a.committed_values
        for a in Answer.objects.select_related("criterion__tender_clause__clause")
    }
    assert committed["bulk-export"] == {"delai_jours": 45, "mise_en_service": "2029-06-30"}
    assert committed["write-back"] == {}

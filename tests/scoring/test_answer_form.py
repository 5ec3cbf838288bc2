"""The answer form ("cadre de réponse"): generated from a tender, filled with openpyxl as a vendor would,
imported through the API, read back on the bid page; every error names sheet, row and column and
leaves the database as it was."""

import datetime
import html
import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from scoring.models import Answer, AuditEvent, Bid, Criterion, Evaluator
from scoring.templatetags.scoring_format import committed_values

from .answer_form_helpers import SIRET, fill_candidate, reopen, row_of, saved, three_requirements_form, upload
from .test_api_criteria import add_clause

pytestmark = pytest.mark.django_db

DELAY = [
    {
        "name": "delai_jours",
        "label": "Délai de mise à disposition (jours)",
        "type": "integer",
        "default": 30,
        "direction": "max",
        "improvable": True,
    },
    # Fixed by the buyer: never asked as a commitment.
    {"name": "format_export", "label": "Format d'export", "type": "text", "default": "NDJSON"},
    {
        "name": "mise_en_service",
        "label": "Mise en service",
        "type": "date",
        "default": "2027-01-01",
        "direction": "max",
        "improvable": True,
    },
]


@pytest.fixture
def setup(tender, library, buyer):
    made = three_requirements_form(
        tender,
        library,
        buyer,
        body="Export sous {{ delai_jours }} jours au format {{ format_export }}, dès le {{ mise_en_service }}.",
        parameters=DELAY,
        deferrable=True,
    )
    numbers = {a["id"]: a["number"] for s in made["doc"]["sections"] for a in s["articles"]}
    return {
        "form": made["form"],
        "bid": made["bid"],
        **{key: numbers[made[key].stable_id] for key in ("api", "hds", "info")},
        "tender": tender,
    }


def fill(form, setup, change=None):
    """The form as a vendor fills it in; `change(workbook)` then spoils it."""
    workbook = fill_candidate(
        reopen(form),
        siret="732 829 320 00074",
        address="1 rue de la Paix\n75002 Paris",
        email="jeanne.martin@alpha.example",
    )
    requirements = workbook["Exigences"]
    api_row, hds_row, info_row = (row_of(requirements, setup[key]) for key in ("api", "hds", "info"))
    requirements[f"E{api_row}"], requirements[f"F{api_row}"], requirements[f"G{api_row}"] = (
        "Partiel",
        "API FHIR R4 ; Bulk Data prévu.",
        "Dossier technique, p. 12",
    )
    requirements[f"E{hds_row}"], requirements[f"F{hds_row}"] = "Oui", "Certifié HDS depuis 2021."
    requirements[f"F{info_row}"] = "Rien à signaler"
    values = workbook["Valeurs engagées"]
    for row in values.iter_rows(min_row=2):
        # Commits to 20 days (better than 30) and to a date typed the French way (earlier than asked).
        row[5].value = {"Délai de mise à disposition (jours)": 20, "Mise en service": "15/12/2026"}.get(
            row[2].value, row[4].value
        )
    roadmap = workbook["Feuille de route"]
    roadmap[f"C{row_of(roadmap, setup['api'])}"] = "Feuille de route"
    roadmap[f"D{row_of(roadmap, setup['api'])}"] = datetime.date(2027, 6, 30)
    roadmap[f"E{row_of(roadmap, setup['api'])}"] = "Bulk Data en version 12"
    if change:
        change(workbook)
    return saved(workbook)


def test_it_imports_the_whole_form_and_shows_it_on_the_bid_page(api, client, buyer, setup):
    response = upload(api(buyer), setup["bid"], fill(setup["form"], setup))
    assert response.status_code == 200, response.json()
    parameter_rows = reopen(setup["form"])["Valeurs engagées"].max_row - 1
    assert parameter_rows == 2  # the improvable values only: the export format is the buyer's
    assert response.json() == {
        "imported": 2,
        "skipped": 1,
        "committed_values": parameter_rows,
        "roadmap": 1,
        "below_requirement": 0,
    }
    bid = Bid.objects.get(pk=setup["bid"].pk)
    assert (bid.candidate_name, bid.candidate_siret, bid.signatory_name, bid.signatory_role) == (
        "Alpha Santé SAS",
        SIRET,
        "Jeanne Martin",
        "Présidente",
    )
    assert bid.candidate_email == "jeanne.martin@alpha.example" and bid.commitment_accepted
    assert bid.vendor == "Alpha"  # the name the buyer recorded stays
    assert [(item["article"], item["status"], item["date"]) for item in bid.roadmap] == [
        (setup["api"], "roadmap", "2027-06-30"),
    ]
    answers = {a.criterion.name: a for a in Answer.objects.select_related("criterion")}
    api_answer = answers["API FHIR"]
    assert (api_answer.text, api_answer.compliant, api_answer.evidence) == (
        "API FHIR R4 ; Bulk Data prévu.",
        None,
        "Dossier technique, p. 12",
    )
    assert api_answer.committed_values == {"delai_jours": 20, "mise_en_service": "2026-12-15"}
    assert answers["Hébergement HDS"].compliant is True
    assert AuditEvent.objects.filter(action="bid.answer_form", object_id=bid.pk).count() == 1

    detail = api(buyer).get(f"/api/v1/bids/{bid.pk}/").json()
    assert detail["candidate_siret"] == SIRET and detail["signatory_name"] == "Jeanne Martin"
    assert detail["roadmap"][0]["date"] == "2027-06-30" and detail["commitment_accepted"] is True

    client.force_login(buyer)
    page = client.get(f"/evaluation/tenders/{setup['tender'].pk}/bids/{bid.pk}/").content.decode()
    for text in (
        "Alpha Santé SAS",
        SIRET,
        "Jeanne Martin, Présidente",
        "jeanne.martin@alpha.example",
        "API FHIR R4 ; Bulk Data prévu.",
        "Dossier technique, p. 12",
        "delai_jours",
        "Bulk Data en version 12",
        "30 juin 2027",
        "Certifié HDS depuis 2021.",
    ):
        assert text in page, text
    assert 'data-status="roadmap"' in page and "below-requirement" not in page


def cell_change(sheet, locate, column, value):
    """A change putting `value` in `column` of the row that `locate(setup, sheet)` gives."""

    def build(setup):
        def change(workbook):
            target = workbook[sheet]
            row = locate(setup, target)
            target[f"{column}{row}"] = value
            change.row = row

        return change

    return build


def by_article(key):
    return lambda setup, sheet: row_of(sheet, setup[key])


def by_parameter(label):
    return lambda setup, sheet: next(row[0].row for row in sheet.iter_rows(min_row=2) if row[2].value == label)


def fixed(row):
    return lambda setup, sheet: row


ERROR_CASES = {
    "unknown article": ("Exigences", by_article("api"), "A", "9.99", "9.99"),
    "partial on eliminatory": ("Exigences", by_article("hds"), "E", "Partiel", "éliminatoire"),
    "missing compliance": ("Exigences", by_article("hds"), "E", None, "obligatoire"),
    "unknown compliance": ("Exigences", by_article("api"), "E", "Peut-être", "Peut-être"),
    "bad siret key": ("Candidat", fixed(3), "B", "73282932000075", "clé de contrôle"),
    "short siret": ("Candidat", fixed(3), "B", "1234", "14 chiffres"),
    "missing company": ("Candidat", fixed(2), "B", None, "obligatoire"),
    "commitment not accepted": ("Candidat", fixed(9), "B", None, "obligatoire"),
    "bad email": ("Candidat", fixed(7), "B", "pas-un-courriel", "électronique"),
    "bad date": ("Feuille de route", by_article("api"), "D", "31/02/2027", "31/02/2027"),
    "roadmap without date": ("Feuille de route", by_article("api"), "D", None, "obligatoire"),
    "unknown status": ("Feuille de route", by_article("api"), "C", "Bientôt", "Bientôt"),
    "missing committed value": ("Valeurs engagées", by_parameter(DELAY[0]["label"]), "F", None, "obligatoire"),
    "committed value of the wrong type": ("Valeurs engagées", by_parameter(DELAY[0]["label"]), "F", "vingt", "entier"),
    "bad committed date": ("Valeurs engagées", by_parameter("Mise en service"), "F", "bientôt", "26 mars 2029"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_it_refuses_a_wrong_cell_naming_sheet_row_and_column_and_stores_nothing(api, buyer, setup, case):
    sheet, locate, column, value, contains = ERROR_CASES[case]
    change = cell_change(sheet, locate, column, value)(setup)
    content = fill(setup["form"], setup, change)
    before = Bid.objects.values().get(pk=setup["bid"].pk)
    response = upload(api(buyer), setup["bid"], content)
    assert response.status_code == 400, response.json()
    messages = response.json()["file"]
    expected = f"Feuille « {sheet} », ligne {change.row}, colonne {column} : "
    assert any(message.startswith(expected) and contains in message for message in messages), messages
    assert not Answer.objects.exists()
    assert Bid.objects.values().get(pk=setup["bid"].pk) == before
    assert not AuditEvent.objects.filter(action__in=("bid.answer_form", "answer.set")).exists()


def test_it_reports_every_problem_at_once(api, buyer, setup):
    def change(workbook):
        workbook["Candidat"]["B3"] = "73282932000075"
        workbook["Exigences"][f"E{row_of(workbook['Exigences'], setup['hds'])}"] = "Partiel"

    response = upload(api(buyer), setup["bid"], fill(setup["form"], setup, change))
    assert response.status_code == 400
    messages = response.json()["file"]
    assert any("« Candidat », ligne 3, colonne B" in m for m in messages)
    assert any("« Exigences »" in m and "colonne E" in m for m in messages)


def test_it_refuses_the_former_form_with_a_clear_message(api, buyer, setup):
    workbook = reopen(setup["form"])
    for name in ("Exigences", "Valeurs engagées", "Feuille de route", "Candidat"):
        del workbook[name]
    workbook.create_sheet("Questionnaire")
    response = upload(api(buyer), setup["bid"], saved(workbook))
    assert response.status_code == 400 and "ancien modèle" in response.json()["file"][0]


def test_the_bids_page_imports_the_form_and_lists_every_problem(client, buyer, setup):
    client.force_login(buyer)
    url = f"/evaluation/tenders/{setup['tender'].pk}/bids/"

    def post(content):
        upload = SimpleUploadedFile("reponse.xlsx", content, content_type="application/octet-stream")
        return client.post(url, {"action": "import", "bid": setup["bid"].pk, "file": upload}, follow=True)

    def change(workbook):
        workbook["Candidat"]["B3"] = "123"

    page = post(fill(setup["form"], setup, change)).content.decode()
    assert "Feuille « Candidat », ligne 3, colonne B" in page
    assert not Answer.objects.exists()
    page = post(fill(setup["form"], setup)).content.decode()
    assert "2 réponses importées pour Alpha" in page
    assert Bid.objects.get(pk=setup["bid"].pk).candidate_siret == SIRET


# Committed values under the labels of the clause the tender took ------------------------------------


def committed_rows(page):
    """[(code, label, value)] of the committed values on a page: the label, the code as a hint after it."""
    rows = re.findall(r'<dt[^>]*data-code="([^"]+)">(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>', page, re.S)
    return [
        (code, html.unescape(re.sub(r"<code.*?</code>", "", label)).strip(), html.unescape(value))
        for code, label, value in rows
    ]


def test_the_bid_page_and_the_grid_show_committed_values_by_label_with_the_code_as_a_hint(
    api, client, buyer, evaluator, setup
):
    assert upload(api(buyer), setup["bid"], fill(setup["form"], setup)).status_code == 200
    answer = Answer.objects.get(bid=setup["bid"], criterion__name="API FHIR")
    # A value under a code the clause does not declare (an older import, a hand-made answer) keeps its code.
    answer.committed_values = {**answer.committed_values, "ancien_code": 1500}
    answer.save()
    client.force_login(buyer)
    page = client.get(f"/evaluation/tenders/{setup['tender'].pk}/bids/{setup['bid'].pk}/").content.decode()
    expected = [
        ("delai_jours", "Délai de mise à disposition (jours)", "20"),
        ("mise_en_service", "Mise en service", "15 décembre 2026"),
        ("ancien_code", "ancien_code", "1\u202f500"),
    ]
    bid_answer = re.search(rf'id="answer-{answer.criterion_id}".*?</article>', page, re.S).group(0)
    assert committed_rows(bid_answer) == expected
    assert '<code class="text-body-secondary fw-normal">delai_jours</code>' in page
    assert '<code class="text-body-secondary fw-normal">ancien_code</code>' not in page  # no hint repeating the label

    Evaluator.objects.create(tender=setup["tender"], user=evaluator, declared_at=timezone.now())
    client.force_login(evaluator)
    grid = client.get(f"/evaluation/tenders/{setup['tender'].pk}/grid/").content.decode()
    row = re.search(rf'<tr data-criterion="{answer.criterion_id}">.*?</tr>', grid, re.S).group(0)
    assert committed_rows(row) == expected


def test_the_bid_page_labels_committed_values_in_a_fixed_number_of_queries(api, client, buyer, library, setup):
    assert upload(api(buyer), setup["bid"], fill(setup["form"], setup)).status_code == 200
    tender, bid = setup["tender"], setup["bid"]
    client.force_login(buyer)
    url = f"/evaluation/tenders/{tender.pk}/bids/{bid.pk}/"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for i in range(6):
        tender_clause = add_clause(
            tender,
            library,
            f"extra-{i}",
            title=f"Exigence {i}",
            requirement="scored",
            default_weight=10,
            body="Texte.",
            parameters=[{"name": f"valeur_{i}", "label": f"Valeur {i} (heures)", "type": "integer", "default": 1}],
        )
        criterion = Criterion.objects.create(
            tender=tender, name=f"Exigence {i}", kind="scored", weight=0, position=50 + i, tender_clause=tender_clause
        )
        Answer.objects.create(bid=bid, criterion=criterion, text="Oui", committed_values={f"valeur_{i}": i})
    assert count() == small
    assert ("valeur_5", "Valeur 5 (heures)", "5") in committed_rows(client.get(url).content.decode())


def test_committed_values_read_in_the_page_s_language_without_a_clause_too():
    version = SimpleNamespace(
        parameters=[
            {"name": "hds", "label": "Hébergement certifié HDS", "type": "boolean"},
            {"name": "dispo", "label": "Disponibilité (%)", "type": "decimal"},
        ]
    )
    criterion = SimpleNamespace(tender_clause_id=1, tender_clause=SimpleNamespace(version=version))
    answer = SimpleNamespace(committed_values={"dispo": 99.95, "hds": True})
    with translation.override("fr"):
        assert committed_values(answer, criterion) == [
            {"code": "hds", "label": "Hébergement certifié HDS", "value": "oui"},
            {"code": "dispo", "label": "Disponibilité (%)", "value": "99,95"},
        ]
    with translation.override("en"):
        assert [row["value"] for row in committed_values(answer, criterion)] == ["yes", "99.95"]
    without_clause = SimpleNamespace(tender_clause_id=None, tender_clause=None)
    assert committed_values(answer, without_clause) == [
        {"code": "dispo", "label": "dispo", "value": "99,95"},
        {"code": "hds", "label": "hds", "value": "oui"},
    ]
    assert committed_values(SimpleNamespace(committed_values={}), criterion) == []

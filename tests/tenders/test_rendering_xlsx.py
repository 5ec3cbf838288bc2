"""The XLSX answer form: written, reopened with openpyxl, filled as a vendor would, read back safely.

Issue 14 changed the layout deliberately: requirements on the "Exigences" sheet identified by their
visible article number (no hidden id column), with "Instructions", "Candidat", "Valeurs engagées" and
"Feuille de route" sheets; the reader returns a dict and reports every problem with its column."""

import io
import zipfile

import openpyxl
import openpyxl.xml
import pytest

from documents.rendering.xlsx import QuestionnaireError, read_questionnaire_xlsx, render_questionnaire_xlsx

from ..scoring.answer_form_helpers import fill_candidate, reopen, saved
from .test_rendering import build_document


@pytest.fixture(scope="module")
def doc():
    return build_document()


@pytest.fixture(scope="module")
def form(doc):
    return render_questionnaire_xlsx(doc)


def rezip(data, *, add=None, replace=None):
    """A copy of an xlsx with extra entries or some entries' content replaced."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if replace and info.filename in replace:
                content = replace[info.filename](content)
            target.writestr(info.filename, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return output.getvalue()


def vendor(workbook):
    """The candidate sheet filled as a vendor would (the SIRET typed with spaces)."""
    return fill_candidate(workbook, siret="732 829 320 00074")


def test_it_writes_one_row_per_requirement_with_the_article_number_visible_first(doc, form):
    sheet = reopen(form)["Exigences"]
    assert [cell.value for cell in sheet[1]] == [
        "N° d'article",
        "Exigence",
        "Type d'exigence",
        "Question",
        "Conformité",
        "Réponse",
        "Preuves (références des documents)",
    ]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [question["article"] for question in doc["questions"]]
    assert [row[3] for row in rows] == [question["question"] for question in doc["questions"]]
    assert [row[2] for row in rows[:3]] == ["Noté (10 %)", "Informatif", "Éliminatoire"]
    assert not sheet.column_dimensions["A"].hidden
    assert sheet.freeze_panes == "B2"


def test_it_protects_the_sheet_except_the_answer_cells(doc, form):
    workbook = reopen(form)
    sheet = workbook["Exigences"]
    assert sheet.protection.sheet
    assert sheet.protection.formatColumns
    for row in range(2, len(doc["questions"]) + 2):
        assert sheet.cell(row=row, column=1).protection.locked
        assert sheet.cell(row=row, column=4).protection.locked
        for column in (5, 6, 7):
            assert not sheet.cell(row=row, column=column).protection.locked
    assert sheet.cell(row=2, column=4).alignment.wrap_text
    assert workbook.security.lockStructure
    for name in ("Candidat", "Valeurs engagées", "Feuille de route", "Instructions"):
        assert workbook[name].protection.sheet


def test_it_offers_the_compliance_drop_down(doc, form):
    validations = reopen(form)["Exigences"].data_validations.dataValidation
    by_list = {validation.formula1: str(validation.sqref) for validation in validations}
    # « Partiel » only where the requirement may be delivered later (1.1 and 2.1); Oui / Non elsewhere.
    deferrable = {a["number"] for s in doc["sections"] for a in s["articles"] if a.get("deferrable")}
    rows = {q["article"]: i + 2 for i, q in enumerate(doc["questions"])}
    assert set(by_list) == {'"Oui,Non,Partiel"', '"Oui,Non"'}
    assert (
        by_list['"Oui,Non,Partiel"'].split()
        == [f"E{rows[a]}" for a in ("1.1", "2.1")]
        == [f"E{rows[a]}" for a in sorted(deferrable)]
    )
    assert by_list['"Oui,Non"'].split() == [f"E{row}" for a, row in rows.items() if a not in deferrable]
    assert all(validation.type == "list" and validation.showErrorMessage for validation in validations)


def test_it_keeps_the_reference_and_digest_in_a_hidden_meta_sheet(doc, form):
    meta = reopen(form)["meta"]
    assert meta.sheet_state == "hidden"
    values = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    assert values["reference"] == "AO-2026-014"
    assert values["inputs_digest"] == doc["inputs_digest"]


def test_it_gives_the_same_bytes_for_the_same_document(doc, form):
    assert render_questionnaire_xlsx(doc) == form


def test_it_reads_back_exactly_what_the_vendor_filled(doc, form):
    workbook = vendor(reopen(form))
    sheet = workbook["Exigences"]
    sheet["F2"] = "  Oui, API FHIR R4 en production  "
    sheet["E2"] = "Oui"
    sheet["G2"] = "Annexe 3, p. 12"
    sheet["F3"] = "Partiellement : export en cours"
    sheet["E3"] = "partiel"
    sheet["E4"] = "No"
    sheet["F5"] = 42
    workbook["Valeurs engagées"]["F2"] = 30
    workbook["Feuille de route"]["C2"] = "Feuille de route"
    workbook["Feuille de route"]["D2"] = "30/06/2027"
    result = read_questionnaire_xlsx(saved(workbook))
    answers = result["requirements"]
    assert [answer["article"] for answer in answers] == [question["article"] for question in doc["questions"]]
    assert answers[0] == {
        "row": 2,
        "article": "1.1",
        "answer": "Oui, API FHIR R4 en production",
        "compliance": "Oui",
        "evidence": "Annexe 3, p. 12",
    }
    assert answers[1]["compliance"] == "Partiel" and answers[1]["answer"] == "Partiellement : export en cours"
    assert answers[2]["compliance"] == "Non"
    assert answers[3]["answer"] == "42"
    assert answers[9] == {"row": 11, "article": "4.2", "answer": "", "compliance": "", "evidence": ""}
    # Named by the label the form shows (the parameter's code is not printed in the form).
    assert result["values"][0] == {"row": 2, "article": "1.1", "parameter": None, "label": "Délai (jours)", "value": 30}
    assert result["roadmap"] == [{"row": 2, "article": "1.1", "status": "roadmap", "date": "2027-06-30", "comment": ""}]
    assert result["candidate"]["siret"] == "73282932000074" and result["candidate"]["accepted"] is True


def test_it_relies_on_defusedxml():
    assert openpyxl.xml.DEFUSEDXML


def assert_refused(data, sheet=None, row=None, contains="", **kwargs):
    with pytest.raises(QuestionnaireError) as caught:
        read_questionnaire_xlsx(data, **kwargs)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.sheet, error.row) == (sheet, row)
    assert contains in str(error)
    return error


def test_it_refuses_a_file_that_is_not_a_zip():
    assert_refused(b"Identifiant;Question\nTC-1;x\n", contains="n'est pas un classeur Excel")


def test_it_refuses_an_oversized_file(form):
    assert_refused(form, contains="taille maximale", max_bytes=1024)


def test_it_refuses_a_zip_bomb(form):
    bomb = rezip(form, add={"xl/media/padding.bin": b"\0" * (60 * 1024 * 1024)})
    assert len(bomb) < 5 * 1024 * 1024
    assert_refused(bomb, contains="décompressé est trop volumineux")


def test_it_refuses_a_zip_with_too_many_entries(form):
    assert_refused(rezip(form, add={f"xl/extra/{i}.xml": b"<a/>" for i in range(300)}), contains="trop de fichiers")


def test_it_refuses_macro_enabled_workbooks(form):
    assert_refused(rezip(form, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), contains="macros")
    macro_type = rezip(
        form,
        replace={
            "[Content_Types].xml": lambda content: content.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        },
    )
    assert_refused(macro_type, contains="macros")


def test_it_refuses_a_workbook_without_the_requirements_sheet(form):
    workbook = reopen(form)
    workbook["Exigences"].title = "Réponses"
    error = assert_refused(saved(workbook), sheet="Exigences", contains="absente")
    assert str(error).startswith("Feuille « Exigences » : ")


def test_it_refuses_a_changed_header(form):
    workbook = vendor(reopen(form))
    workbook["Exigences"]["D1"] = "Autre chose"
    assert_refused(saved(workbook), sheet="Exigences", row=1, contains="L'en-tête")


def test_it_refuses_an_unknown_compliance_value_with_its_row_and_column(form):
    workbook = vendor(reopen(form))
    workbook["Exigences"]["E5"] = "Peut-être"
    error = assert_refused(saved(workbook), sheet="Exigences", row=5, contains="Peut-être")
    assert str(error).startswith("Feuille « Exigences », ligne 5, colonne E : ")


def test_it_refuses_a_row_without_article_or_a_duplicated_article(form):
    workbook = vendor(reopen(form))
    workbook["Exigences"]["A4"] = None
    assert_refused(saved(workbook), sheet="Exigences", row=4, contains="article")
    workbook = vendor(reopen(form))
    workbook["Exigences"]["A6"] = "1.1"
    assert_refused(saved(workbook), sheet="Exigences", row=6, contains="deux fois")


def test_it_reports_every_candidate_problem_at_once(form):
    error = assert_refused(form, sheet="Candidat", row=2, contains="obligatoire")
    assert [(e.row, e.column) for e in error.errors] == [(row, "B") for row in (2, 3, 4, 5, 6, 7, 9)]


def test_it_refuses_a_damaged_workbook(form):
    broken = rezip(form, replace={"xl/workbook.xml": lambda content: content[:50]})
    assert_refused(broken, contains="illisible")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_it_refuses_xml_entity_declarations(form, part):
    doctype = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'

    def with_entities(content):
        return doctype + content.split(b"?>", 1)[1] if content.startswith(b"<?xml") else doctype + content

    assert_refused(rezip(form, replace={part: with_entities}), contains="déclarations XML interdites")


def test_it_reads_worksheets_through_defusedxml(form):
    from defusedxml import EntitiesForbidden
    from openpyxl.xml.functions import iterparse

    bomb = b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    with pytest.raises(EntitiesForbidden):
        list(iterparse(io.BytesIO(bomb)))


def test_it_writes_and_reads_an_english_form():
    doc = build_document(language="en")
    workbook = vendor(reopen(render_questionnaire_xlsx(doc)))
    sheet = workbook["Exigences"]
    assert sheet["E1"].value in ("Compliance", "Conformité")  # English once the locale is compiled
    assert {v.formula1 for v in sheet.data_validations.dataValidation} == {'"Yes,No,Partial"', '"Yes,No"'}
    sheet["E2"] = "Yes"
    sheet["E3"] = "Partial"
    answers = read_questionnaire_xlsx(saved(workbook))["requirements"]
    assert [answer["compliance"] for answer in answers[:3]] == ["Oui", "Partiel", ""]

"""The XLSX answer form: written, reopened with openpyxl, filled as a vendor would, read back safely."""

import io
import zipfile

import openpyxl
import openpyxl.xml
import pytest

from documents.rendering.xlsx import QuestionnaireError, read_questionnaire_xlsx, render_questionnaire_xlsx

from .test_rendering import build_document


@pytest.fixture(scope="module")
def doc():
    return build_document()


@pytest.fixture(scope="module")
def form(doc):
    return render_questionnaire_xlsx(doc)


def reopen(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def save(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


def test_it_writes_one_row_per_question_with_the_ids_in_a_hidden_locked_column(doc, form):
    sheet = reopen(form)["Questionnaire"]
    assert [cell.value for cell in sheet[1]] == [
        "Identifiant",
        "Article",
        "Catégorie",
        "Exigence",
        "Question",
        "Réponse",
        "Conformité",
        "Preuves",
    ]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [question["id"] for question in doc["questions"]]
    assert [row[4] for row in rows] == [question["question"] for question in doc["questions"]]
    assert rows[0][2] == doc["questions"][0]["category"] and rows[0][3] == doc["questions"][0]["requirement_label"]
    assert sheet.column_dimensions["A"].hidden
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["E"].width == 60


def test_it_protects_the_sheet_except_the_answer_cells(doc, form):
    workbook = reopen(form)
    sheet = workbook["Questionnaire"]
    assert sheet.protection.sheet
    assert sheet.protection.formatColumns  # a vendor cannot unhide the id column
    for row in range(2, len(doc["questions"]) + 2):
        assert sheet.cell(row=row, column=1).protection.locked
        assert sheet.cell(row=row, column=5).protection.locked
        for column in (6, 7, 8):
            assert not sheet.cell(row=row, column=column).protection.locked
    assert sheet.cell(row=2, column=5).alignment.wrap_text
    assert workbook.security.lockStructure


def test_it_offers_the_compliance_drop_down(doc, form):
    validations = reopen(form)["Questionnaire"].data_validations.dataValidation
    assert len(validations) == 1
    validation = validations[0]
    assert validation.type == "list"
    assert validation.formula1 == '"Oui,Non,Partiel"'
    assert str(validation.sqref) == f"G2:G{len(doc['questions']) + 1}"
    assert validation.showErrorMessage


def test_it_keeps_the_reference_and_digest_in_a_hidden_meta_sheet(doc, form):
    meta = reopen(form)["meta"]
    assert meta.sheet_state == "hidden"
    values = {row[0]: row[1] for row in meta.iter_rows(values_only=True)}
    assert values["reference"] == "AO-2026-014"
    assert values["inputs_digest"] == doc["inputs_digest"]


def test_it_gives_the_same_bytes_for_the_same_document(doc, form):
    assert render_questionnaire_xlsx(doc) == form


def test_it_reads_back_exactly_what_the_vendor_filled(doc, form):
    workbook = reopen(form)
    sheet = workbook["Questionnaire"]
    sheet["F2"] = "  Oui, API FHIR R4 en production  "
    sheet["G2"] = "Oui"
    sheet["H2"] = "Annexe 3, p. 12"
    sheet["F3"] = "Partiellement : export en cours"
    sheet["G3"] = "partiel"
    sheet["G4"] = "No"
    sheet["F5"] = 42
    answers = read_questionnaire_xlsx(save(workbook))
    assert [answer["id"] for answer in answers] == [question["id"] for question in doc["questions"]]
    assert answers[0] == {
        "id": "TC-101",
        "answer": "Oui, API FHIR R4 en production",
        "compliance": "Oui",
        "evidence": "Annexe 3, p. 12",
    }
    assert answers[1]["compliance"] == "Partiel" and answers[1]["answer"] == "Partiellement : export en cours"
    assert answers[2]["compliance"] == "Non"
    assert answers[3]["answer"] == "42"
    assert answers[9] == {"id": "TC-110", "answer": "", "compliance": "", "evidence": ""}


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


def test_it_refuses_a_workbook_without_the_questionnaire_sheet(form):
    workbook = reopen(form)
    workbook["Questionnaire"].title = "Réponses"
    error = assert_refused(save(workbook), sheet="Questionnaire", contains="absente")
    assert str(error).startswith("Feuille « Questionnaire » : ")


def test_it_refuses_a_changed_header(form):
    workbook = reopen(form)
    workbook["Questionnaire"]["E1"] = "Autre chose"
    assert_refused(save(workbook), sheet="Questionnaire", row=1, contains="L'en-tête")


def test_it_refuses_an_unknown_compliance_value_with_its_row(form):
    workbook = reopen(form)
    workbook["Questionnaire"]["G5"] = "Peut-être"
    error = assert_refused(save(workbook), sheet="Questionnaire", row=5, contains="Peut-être")
    assert str(error).startswith("Feuille « Questionnaire », ligne 5 : ")


def test_it_refuses_a_row_without_id_or_a_duplicated_id(form):
    workbook = reopen(form)
    workbook["Questionnaire"]["A4"] = None
    assert_refused(save(workbook), sheet="Questionnaire", row=4, contains="identifiant")
    workbook = reopen(form)
    workbook["Questionnaire"]["A6"] = "TC-101"
    assert_refused(save(workbook), sheet="Questionnaire", row=6, contains="deux fois")


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
    workbook = reopen(render_questionnaire_xlsx(doc))
    sheet = workbook["Questionnaire"]
    assert sheet["G1"].value in ("Compliance", "Conformité")  # English once the locale is compiled
    assert sheet.data_validations.dataValidation[0].formula1 == '"Yes,No,Partial"'
    sheet["G2"] = "Yes"
    sheet["G3"] = "Partial"
    answers = read_questionnaire_xlsx(save(workbook))
    assert [answer["compliance"] for answer in answers[:3]] == ["Oui", "Partiel", ""]

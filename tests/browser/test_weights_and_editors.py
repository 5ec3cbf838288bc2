"""Issue 17, in the browser: immediate weight-sum feedback on the criteria page, and the curator's
structured editors for a clause's parameters, rubric and references."""

import pytest
from django.urls import reverse

from scoring.models import Criterion
from tenders.models import Tender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_weights_that_do_not_sum_to_100_are_flagged_as_the_lead_types(open_page, demo_site):
    draft = Tender.objects.get(reference="AO-DEMO-BROUILLON")
    technical = Criterion.objects.create(tender=draft, name="Valeur technique", kind="scored", weight=60, position=1)
    api = Criterion.objects.create(tender=draft, parent=technical, name="API FHIR", kind="scored", weight=50)
    export = Criterion.objects.create(tender=draft, parent=technical, name="Export", kind="scored", weight=50)
    Criterion.objects.create(tender=draft, name="Prix", kind="price", weight=40, position=2)
    page = open_page("buyer")
    page.goto(demo_site.url + reverse("scoring:criteria", args=[draft.pk]))
    level = page.locator(f"[data-level-sum='{technical.pk}']")
    assert "100" in level.inner_text() and "refusée" not in level.inner_text()
    page.get_by_label("Poids de API FHIR").fill("60")
    page.get_by_label("Poids de Export").fill("50")
    expected = (
        "Les pondérations du niveau « Valeur technique » totalisent 110 % : "
        "la publication sera refusée tant qu'elles ne totalisent pas 100 %."
    )
    assert expected in level.inner_text()
    assert level.locator("xpath=..").get_attribute("aria-live") == "polite"
    # Saving says it again at once, as a warning, not as a plain success.
    page.get_by_role("button", name="Enregistrer les pondérations").click()
    page.wait_for_load_state()
    alert = page.locator("main .alert-warning")
    assert "Pondérations enregistrées. " + expected in alert.inner_text()
    api.refresh_from_db()
    export.refresh_from_db()
    assert (api.weight, export.weight) == (60, 50)
    # Back to 100: the sentence goes.
    page.get_by_label("Poids de Export").fill("40")
    assert "refusée" not in page.locator(f"[data-level-sum='{technical.pk}']").inner_text()


def test_a_curator_edits_parameters_rubric_and_references_as_rows(open_page, demo_site):
    from clause_library.models import Clause

    username, path = demo_site.pages["clause form"]
    clause = Clause.objects.get(pk=int(path.rstrip("/").split("/")[-2]))
    before = clause.current
    page = open_page(username)
    page.goto(demo_site.url + path)
    # The JSON boxes are behind the disclosure; the rows are the editor.
    assert not page.locator("#id_parameters").is_visible()
    page.get_by_label("Note maximale").fill("10")

    parameters = page.locator("[data-structured=parameters]")
    count = len(before.parameters)
    parameters.get_by_role("button", name="Ajouter un paramètre").click()
    new = parameters.locator(".structured-row").nth(count)
    assert new.locator("legend").inner_text() == f"Paramètre {count + 1}"
    new.get_by_label("Nom technique").fill("delai_ajout_jours")
    new.get_by_label("Libellé").fill("Délai ajouté (jours)")
    new.get_by_label("Type").select_option("integer")
    new.get_by_label("Valeur par défaut").fill("15")
    new.get_by_label("Valeur minimale").fill("1")
    new.get_by_label("Valeur maximale").fill("90")

    rubric = page.locator("[data-structured=rubric]")
    levels = len(before.rubric)
    rubric.get_by_role("button", name="Ajouter un niveau").click()
    added = rubric.locator(".structured-row").nth(levels)
    added.get_by_label("Note").fill("7")
    added.get_by_label("Description").fill("Niveau ajouté dans l'éditeur")
    # Reorder with the keyboard: the new level goes one place up.
    added.get_by_role("button", name=f"Monter : Niveau {levels + 1}").press("Enter")
    assert rubric.locator(".structured-row").nth(levels - 1).get_by_label("Note").input_value() == "7"

    references = page.locator("[data-structured=references]")
    references.get_by_role("button", name="Ajouter une référence").click()
    reference = references.locator(".structured-row").last
    reference.get_by_label("Libellé").fill("HL7 FHIR R4 — Patient")
    reference.get_by_label("Adresse (URL)").fill("https://hl7.org/fhir/R4/patient.html")
    reference.get_by_label("À titre informatif").check()
    # References keep the order of the rows: the new one goes one place up.
    total = references.locator(".structured-row").count()
    reference.get_by_role("button", name=f"Monter : Référence {total}").click()
    assert references.locator(".structured-row").nth(total - 2).get_by_label("Libellé").input_value() == (
        "HL7 FHIR R4 — Patient"
    )

    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    page.wait_for_url(f"**/clauses/{clause.pk}/")
    clause.refresh_from_db()
    version = clause.current
    assert version.number == before.number + 1
    added_parameter = {k: version.parameters[-1].get(k) for k in ("name", "label", "type", "default", "min", "max")}
    assert added_parameter == {
        "name": "delai_ajout_jours",
        "label": "Délai ajouté (jours)",
        "type": "integer",
        "default": 15,
        "min": 1,
        "max": 90,
    }
    assert version.parameters[-1].get("required", True) is True
    assert version.references[-1] == before.references[-1]
    # The rubric keeps the order of the rows: the new level one place above the last one.
    expected = [level["score"] for level in before.rubric]
    expected.insert(levels - 1, 7)
    assert [level["score"] for level in version.rubric] == expected
    assert version.references[-2] == {
        "label": "HL7 FHIR R4 — Patient",
        "url": "https://hl7.org/fhir/R4/patient.html",
        "informative": True,
    }
    shown = page.locator("main").inner_text()
    assert "Niveau ajouté dans l'éditeur" in shown and "HL7 FHIR R4 — Patient" in shown


def test_a_parameter_error_names_the_row_and_the_field(open_page, demo_site):
    username, path = demo_site.pages["clause form"]
    page = open_page(username)
    page.goto(demo_site.url + path)
    parameters = page.locator("[data-structured=parameters]")
    parameters.get_by_role("button", name="Ajouter un paramètre").click()
    row = parameters.locator(".structured-row").last
    number = parameters.locator(".structured-row").count()
    row.get_by_label("Nom technique").fill("borne")
    row.get_by_label("Type").select_option("integer")
    row.get_by_label("Valeur minimale").fill("50")
    row.get_by_label("Valeur maximale").fill("5")
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    page.wait_for_load_state()
    error = page.locator("#id_parameters_error").inner_text()
    assert f"Paramètre {number}, « Valeur minimale » : 50 est supérieur à la valeur maximale (5)." in error
    # The rows come back as typed, the error tied to the editor.
    assert parameters.locator(".structured-row").count() == number
    assert parameters.get_attribute("aria-describedby") == "id_parameters_error"

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

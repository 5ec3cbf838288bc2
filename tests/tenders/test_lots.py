"""Lots of a tender (L2113-10, L2113-11; docs/LOTS.md): the API, the publication rule, clauses, criteria and
bids per lot, and the RC's allotment article read back."""

import pytest

from scoring.models import Bid, Criterion
from tenders.models import Lot, Tender

from ..factories import make_clause
from .conftest import add_clause, make_tender
from .test_tender_file_pieces import build, docx_text, pdf_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(hospital, buyer):
    """A draft tender with no reason recorded yet, as a buyer creates it."""
    return make_tender(hospital, buyer, single_lot_reason="")


def lots_url(tender):
    return f"/api/v1/tenders/{tender.pk}/lots/"


def create_lot(client, tender, **data):
    response = client.post(lots_url(tender), data, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_buyer_creates_lists_edits_and_removes_lots(api, buyer, draft):
    client = api(buyer)
    first = create_lot(client, draft, title="Dossier patient", description="DPI, prescriptions.")
    second = create_lot(client, draft, title="Entrepôt de données")
    assert (first["number"], second["number"]) == (1, 2)  # the next free number when none is given
    assert first["tender"] == draft.pk

    listed = client.get(lots_url(draft)).json()
    assert [lot["title"] for lot in listed["results"]] == ["Dossier patient", "Entrepôt de données"]

    response = client.patch(f"/api/v1/lots/{second['id']}/", {"title": "Entrepôt et interfaces"}, format="json")
    assert response.status_code == 200
    assert Lot.objects.get(pk=second["id"]).title == "Entrepôt et interfaces"

    assert client.delete(f"/api/v1/lots/{first['id']}/").status_code == 204
    assert list(draft.lots.values_list("title", flat=True)) == ["Entrepôt et interfaces"]


def test_lots_are_reordered_by_renumbering_them(api, buyer, draft):
    client = api(buyer)
    ids = [create_lot(client, draft, title=title)["id"] for title in ("A", "B", "C")]
    response = client.post(f"{lots_url(draft)}reorder/", {"order": [ids[2], ids[0], ids[1]]}, format="json")
    assert response.status_code == 200, response.json()
    assert [(lot["title"], lot["number"]) for lot in response.json()] == [("C", 1), ("A", 2), ("B", 3)]

    response = client.post(f"{lots_url(draft)}reorder/", {"order": [ids[0], ids[1]]}, format="json")
    assert response.status_code == 400
    assert "order" in response.json()
    assert list(draft.lots.values_list("title", flat=True)) == ["C", "A", "B"]  # unchanged


def test_bad_lots_are_refused_naming_the_field(api, buyer, draft):
    client = api(buyer)
    create_lot(client, draft, title="Dossier patient")
    taken = client.post(lots_url(draft), {"number": 1, "title": "Autre"}, format="json")
    assert taken.status_code == 400
    assert "number" in taken.json()
    blank = client.post(lots_url(draft), {"title": "   "}, format="json")
    assert blank.status_code == 400
    assert "title" in blank.json()
    assert draft.lots.count() == 1


def test_lots_follow_the_tender_access_rules(api, buyer, evaluator, outsider, draft):
    lot = create_lot(api(buyer), draft, title="Dossier patient")
    assert api(evaluator).get(lots_url(draft)).status_code == 200
    assert api(evaluator).post(lots_url(draft), {"title": "X"}, format="json").status_code == 403
    assert api(outsider).get(lots_url(draft)).status_code == 404
    assert api(outsider).get(f"/api/v1/lots/{lot['id']}/").status_code == 404
    assert api(outsider).delete(f"/api/v1/lots/{lot['id']}/").status_code == 404
    assert draft.lots.count() == 1


def test_lots_change_only_while_the_tender_is_a_draft(api, buyer, draft, library):
    lot = create_lot(api(buyer), draft, title="Dossier patient")
    add_clause(draft, make_clause(library))
    assert api(buyer).post(f"/api/v1/tenders/{draft.pk}/publish/").status_code == 200
    assert api(buyer).patch(f"/api/v1/lots/{lot['id']}/", {"title": "Autre"}, format="json").status_code == 409
    assert api(buyer).post(lots_url(draft), {"title": "Autre"}, format="json").status_code == 409


def test_a_tender_without_lots_is_published_only_with_its_reason(api, buyer, draft, library):
    add_clause(draft, make_clause(library))
    response = api(buyer).post(f"/api/v1/tenders/{draft.pk}/publish/")
    assert response.status_code == 400
    assert "L2113-11" in response.json()["single_lot_reason"][0]
    draft.refresh_from_db()
    assert draft.status == Tender.Status.DRAFT

    reason = "Un seul système intégré : le découpage rendrait l'exécution techniquement difficile."
    assert (
        api(buyer).patch(f"/api/v1/tenders/{draft.pk}/", {"single_lot_reason": reason}, format="json").status_code
        == 200
    )
    assert api(buyer).post(f"/api/v1/tenders/{draft.pk}/publish/").status_code == 200


def test_a_tender_with_lots_needs_no_reason(api, buyer, draft, library):
    create_lot(api(buyer), draft, title="Dossier patient")
    add_clause(draft, make_clause(library))
    assert api(buyer).post(f"/api/v1/tenders/{draft.pk}/publish/").status_code == 200


def test_a_clause_applies_to_chosen_lots_or_to_every_lot(api, buyer, draft, library, other_tender):
    client = api(buyer)
    first = create_lot(client, draft, title="Dossier patient")
    second = create_lot(client, draft, title="Entrepôt")
    clause = make_clause(library)
    library.shared_with.add(draft.organization)
    library.visibility = "shared"
    library.save()
    url = f"/api/v1/tenders/{draft.pk}/clauses/"
    response = client.post(url, {"clause": clause.pk, "lots": [second["id"]]}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["lots"] == [second["id"]]
    tender_clause = response.json()["id"]

    response = client.patch(f"{url}{tender_clause}/", {"lots": []}, format="json")
    assert response.json()["lots"] == []  # every lot

    foreign = Lot.objects.create(tender=other_tender, number=1, title="Autre")
    response = client.patch(f"{url}{tender_clause}/", {"lots": [first["id"], foreign.pk]}, format="json")
    assert response.status_code == 400
    assert "lots" in response.json()
    assert client.get(f"{url}{tender_clause}/").json()["lots"] == []  # nothing half-saved


def test_each_lot_has_its_own_criteria_tree_summing_to_100(api, buyer, draft, library):
    client = api(buyer)
    lots = [create_lot(client, draft, title=title)["id"] for title in ("Dossier patient", "Entrepôt")]
    add_clause(draft, make_clause(library))
    url = f"/api/v1/tenders/{draft.pk}/criteria/"
    for lot, technical in zip(lots, (60, 70), strict=True):
        assert (
            client.post(url, {"name": "Valeur technique", "weight": technical, "lot": lot}, format="json").status_code
            == 201
        )
        price = {"name": "Prix", "kind": "price", "weight": 100 - technical, "lot": lot}
        assert client.post(url, price, format="json").status_code == 201
    assert Criterion.objects.filter(tender=draft, kind="price").count() == 2  # one price criterion per lot

    # A parent of another lot, or a lot of another tender, is refused naming the field.
    parent = Criterion.objects.get(tender=draft, lot_id=lots[0], kind="scored")
    response = client.post(url, {"name": "Sous", "weight": 100, "lot": lots[1], "parent": parent.pk}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()
    assert client.post(url, {"name": "X", "weight": 1, "lot": 999999}, format="json").json().keys() == {"lot"}

    assert client.post(f"/api/v1/tenders/{draft.pk}/publish/").status_code == 200


def test_publication_names_the_lot_whose_weights_are_wrong(api, buyer, draft, library):
    client = api(buyer)
    lots = [create_lot(client, draft, title=title)["id"] for title in ("Dossier patient", "Entrepôt")]
    add_clause(draft, make_clause(library))
    url = f"/api/v1/tenders/{draft.pk}/criteria/"
    client.post(url, {"name": "Valeur technique", "weight": 60, "lot": lots[0]}, format="json")
    client.post(url, {"name": "Prix", "kind": "price", "weight": 40, "lot": lots[0]}, format="json")
    client.post(url, {"name": "Valeur technique", "weight": 50, "lot": lots[1]}, format="json")
    response = client.post(f"/api/v1/tenders/{draft.pk}/publish/")
    assert response.status_code == 400
    messages = response.json()["criteria"]
    assert len(messages) == 1 and messages[0].startswith("Lot 2 : ")
    assert "50" in messages[0]


def test_a_bid_names_its_lot_when_the_tender_has_lots(api, buyer, draft, library, other_tender):
    client = api(buyer)
    lot = create_lot(client, draft, title="Dossier patient")
    add_clause(draft, make_clause(library))
    assert client.post(f"/api/v1/tenders/{draft.pk}/publish/").status_code == 200
    url = f"/api/v1/tenders/{draft.pk}/bids/"
    missing = client.post(url, {"vendor": "Éditeur A", "price": "100000.00"}, format="json")
    assert missing.status_code == 400
    assert "lot" in missing.json()
    foreign = Lot.objects.create(tender=other_tender, number=1, title="Autre")
    assert client.post(url, {"vendor": "A", "price": "1.00", "lot": foreign.pk}, format="json").json().keys() == {"lot"}
    assert not Bid.objects.filter(tender=draft).exists()

    created = client.post(url, {"vendor": "Éditeur A", "price": "100000.00", "lot": lot["id"]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["lot"] == lot["id"]
    moved = client.patch(f"/api/v1/bids/{created.json()['id']}/", {"lot": None}, format="json")
    assert moved.status_code == 400
    assert "lot" in moved.json()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_rc_lists_the_lots_and_the_award_rule(fmt, buyer, draft, library):
    Lot.objects.create(tender=draft, number=1, title="Dossier patient informatisé", description="DPI et prescription")
    Lot.objects.create(tender=draft, number=2, title="Entrepôt de données de santé")
    draft.max_lots_per_bidder = 1
    draft.save()
    add_clause(draft, make_clause(library))
    content = build(draft, "rc", fmt)[0]
    text = " ".join(pdf_pages(content)) if fmt == "pdf" else " ".join(docx_text(content).split())
    assert "Allotissement" in text
    assert "divisée en 2 lots" in text and "L2113-10" in text
    assert "Lot n° 1 — Dossier patient informatisé : DPI et prescription" in text
    assert "Lot n° 2 — Entrepôt de données de santé" in text
    assert "ne peut se voir attribuer plus de 1 lot(s)" in text
    assert "l'offre classée immédiatement après elle" in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_rc_of_a_tender_without_lots_gives_its_reason(fmt, hospital, buyer, library):
    tender = make_tender(hospital, buyer, single_lot_reason="Un seul progiciel intégré, indivisible.")
    add_clause(tender, make_clause(library))
    content = build(tender, "rc", fmt)[0]
    text = " ".join(pdf_pages(content)) if fmt == "pdf" else " ".join(docx_text(content).split())
    assert "n'est pas divisée en lots" in text and "L2113-11" in text
    assert "Un seul progiciel intégré, indivisible." in text


def test_from_clauses_builds_one_tree_per_lot_from_the_clauses_that_apply(api, buyer, draft, library):
    client = api(buyer)
    first, second = (create_lot(client, draft, title=title)["id"] for title in ("Dossier patient", "Entrepôt"))
    everywhere = add_clause(draft, make_clause(library, key="api", title="API FHIR", requirement="scored"))
    only_second = add_clause(draft, make_clause(library, key="bulk", title="Export de masse", requirement="scored"))
    only_second.lots.set([second])
    response = client.post(f"/api/v1/tenders/{draft.pk}/criteria/from-clauses/", {"price_weight": 40}, format="json")
    assert response.status_code == 201, response.json()
    by_lot = {
        lot: sorted(Criterion.objects.filter(tender=draft, lot_id=lot).values_list("name", flat=True))
        for lot in (first, second)
    }
    assert by_lot[first] == ["API FHIR", "Prix", "Valeur technique"]
    assert by_lot[second] == ["API FHIR", "Export de masse", "Prix", "Valeur technique"]
    assert not Criterion.objects.filter(tender=draft, lot__isnull=True).exists()
    assert everywhere.criteria.count() == 2  # one sub-criterion in each lot's tree
    assert client.post(f"/api/v1/tenders/{draft.pk}/publish/").status_code == 200  # each lot sums to 100


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_annex_labels_each_article_with_its_lots(fmt, draft, library):
    Lot.objects.create(tender=draft, number=1, title="Dossier patient")
    second = Lot.objects.create(tender=draft, number=2, title="Entrepôt")
    add_clause(draft, make_clause(library, key="api", title="API FHIR"))
    bulk = add_clause(draft, make_clause(library, key="bulk", title="Export de masse"))
    bulk.lots.set([second])
    content = build(draft, "annex", fmt)[0]
    text = " ".join(pdf_pages(content)) if fmt == "pdf" else " ".join(docx_text(content).split())
    api_at, bulk_at = text.index("API FHIR", text.index("Article")), text.rindex("Export de masse")
    assert "Tous les lots" in text[api_at:bulk_at]
    assert "Lots concernés : 2" in text[bulk_at:]


def test_the_annex_of_a_tender_without_lots_has_no_lot_label(draft, library):
    add_clause(draft, make_clause(library))
    text = " ".join(pdf_pages(build(draft, "annex", "pdf")[0]))
    assert "Tous les lots" not in text and "Lots concernés" not in text

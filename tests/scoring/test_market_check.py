"""GET /api/v1/tenders/{id}/market-check/ and the publish page's panel: for each eliminatory requirement
of a draft, the organisation's earlier judged bids on the same clause (forks included) and the share
that met it. Numbers worked out by hand below."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clause_library.models import Clause
from scoring.models import Bid, Consensus, Criterion, EliminatoryDecision, EvaluationState
from tenders.models import TenderClause

from ..factories import make_clause
from .conftest import decide, make_tender

pytestmark = pytest.mark.django_db


def take(tender, clause):
    clause = Clause.objects.select_related("current").get(pk=clause.pk)
    return TenderClause.objects.create(
        tender=tender,
        version=clause.current,
        clause=clause,
        position=TenderClause.objects.filter(tender=tender).count(),
    )


def judged_tender(organization, reference, clause, outcomes, *, closed=True):
    """An earlier tender holding `clause` as an eliminatory criterion, one bid per outcome:
    "compliant" / "non_compliant" / "regularisation" (decisions), "consensus:1" / "consensus:0"."""
    tender = make_tender(organization, reference=reference, status="published")
    criterion = Criterion.objects.create(
        tender=tender, name="Exigence", kind="eliminatory", scale_max=1, tender_clause=take(tender, clause)
    )
    EvaluationState.objects.create(tender=tender, technical_closed_at=timezone.now() if closed else None)
    for index, outcome in enumerate(outcomes):
        bid = Bid.objects.create(tender=tender, vendor=f"Fournisseur {reference}-{index}", price=1000)
        if outcome.startswith("consensus:"):
            Consensus.objects.create(bid=bid, criterion=criterion, value=int(outcome[-1]), justification="Accord")
        elif outcome == "regularisation":
            EliminatoryDecision.objects.create(
                bid=bid, criterion=criterion, decision="regularisation_requested", regularisation_request="Pièce ?"
            )
        else:
            decide(bid, criterion, outcome)
    return tender


@pytest.fixture
def market(hospital, other_hospital, library):
    hds = make_clause(library, key="hds", title="Hébergement HDS", requirement="mandatory", default_weight=None)
    ins = make_clause(
        library, key="ins", title="Identifiant national de santé", requirement="mandatory", default_weight=None
    )
    api = make_clause(library, key="api", title="API FHIR", requirement="scored", default_weight=10)
    fork = make_clause(
        library, key="hds-chu", title="Hébergement HDS (CHU)", requirement="mandatory", default_weight=None
    )
    Clause.objects.filter(pk=fork.pk).update(origin=hds)
    draft = make_tender(hospital, reference="AO-2027-001")
    rows = {key: take(draft, clause) for key, clause in (("hds", hds), ("ins", ins), ("api", api))}
    # Counted: 2 met out of 3 here (a consensus counts as the decision; a regularisation still open does not)…
    judged_tender(hospital, "AO-2025-001", hds, ["compliant", "non_compliant", "consensus:1", "regularisation"])
    # … and none of the 2 on the hospital's own fork of the clause.
    judged_tender(hospital, "AO-2025-002", fork, ["non_compliant", "consensus:0"])
    # Not counted: technical scoring still open, another organisation.
    judged_tender(hospital, "AO-2026-003", hds, ["compliant", "compliant"], closed=False)
    judged_tender(other_hospital, "AO-2025-900", hds, ["compliant", "compliant", "compliant"])
    return {"draft": draft, "library": library, "hds": hds, **{f"tc_{k}": v for k, v in rows.items()}}


def url(tender):
    return f"/api/v1/tenders/{tender.pk}/market-check/"


def test_it_counts_the_earlier_judged_bids_on_the_same_clause(api, buyer, market):
    response = api(buyer).get(url(market["draft"]))
    assert response.status_code == 200, response.json()
    rows = response.json()
    assert [row["tender_clause"] for row in rows] == [market["tc_hds"].pk, market["tc_ins"].pk]  # eliminatory only
    hds, ins = rows
    # 5 judged bids (3 + 2); 2 met it: 2 / 5 = 0.4.
    assert hds == {
        "tender_clause": market["tc_hds"].pk,
        "article": hds["article"],
        "requirement": "Hébergement HDS",
        "bids_seen": 5,
        "compliant_share": 0.4,
    }
    assert ins["bids_seen"] == 0 and ins["compliant_share"] is None
    assert re.fullmatch(r"\d+\.\d+", hds["article"])  # the article number, never the library key
    assert not any("Fournisseur" in str(value) for row in rows for value in row.values())  # counts only


def test_a_fork_counts_for_its_upstream_clause_and_its_siblings(api, buyer, market, hospital):
    # A tender taking the fork asks about the same requirement: the upstream clause's bids count too.
    sibling = make_clause(market["library"], key="hds-ght", requirement="mandatory", default_weight=None)
    Clause.objects.filter(pk=sibling.pk).update(origin=market["hds"])
    draft = make_tender(hospital, reference="AO-2027-002")
    take(draft, sibling)
    (row,) = api(buyer).get(url(draft)).json()
    assert (row["bids_seen"], row["compliant_share"]) == (5, 0.4)


def test_a_tender_without_eliminatory_requirement_has_no_rows(api, buyer, hospital):
    assert api(buyer).get(url(make_tender(hospital, reference="AO-VIDE"))).json() == []


def test_access_is_the_tender_s(api, buyer, evaluator, hospital_admin, outsider, market):
    for user in (buyer, evaluator, hospital_admin):
        assert api(user).get(url(market["draft"])).status_code == 200
    assert api(outsider).get(url(market["draft"])).status_code == 404
    assert api().get(url(market["draft"])).status_code in (401, 403)


def count(client, address):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def grow(market, hospital, n):
    """n more eliminatory requirements in the draft, each judged in n more earlier tenders of n bids."""
    for i in range(n):
        clause = make_clause(market["library"], key=f"extra-{n}-{i}", requirement="mandatory", default_weight=None)
        take(market["draft"], clause)
        judged_tender(hospital, f"AO-X-{n}-{i}", clause, ["compliant", "non_compliant"] * n)


def test_it_answers_in_a_fixed_number_of_queries(api, buyer, client, market, hospital):
    client.force_login(buyer)
    reader = api(buyer)
    count(reader, url(market["draft"]))  # warm-up: what the first request of a session caches
    small = count(reader, url(market["draft"])), count(client, f"/tenders/{market['draft'].pk}/publish/")
    grow(market, hospital, 4)
    assert len(reader.get(url(market["draft"])).json()) == 6
    assert (count(reader, url(market["draft"])), count(client, f"/tenders/{market['draft'].pk}/publish/")) == small


def test_the_publish_page_warns_before_publishing(client, buyer, market):
    client.force_login(buyer)
    page = client.get(f"/tenders/{market['draft'].pk}/publish/").content.decode()
    panel = re.search(r'<section id="market-check".*?</section>', page, re.S).group(0)
    reasons = dict(re.findall(r'<li data-article="([^"]+)" data-reason="([^"]+)"', panel))
    assert sorted(reasons.values()) == ["few_compliant", "never_asked"]
    text = " ".join(re.sub(r"<[^>]+>", " ", panel).split())
    assert "seulement 40 % des 5 offres évaluées" in text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "rien ne dit qu'un fournisseur y satisfait" in text.replace("&#x27;", "'")


def test_the_panel_speaks_english(client, buyer, market):
    client.force_login(buyer)
    page = client.get(f"/tenders/{market['draft'].pk}/publish/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    panel = re.search(r'<section id="market-check".*?</section>', page, re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", panel).split())
    assert "Market check" in text and "only 40% of the 5 judged bids" in text


def test_a_published_tender_has_no_panel(client, buyer, market):
    market["draft"].status = "published"
    market["draft"].save()
    client.force_login(buyer)
    assert 'id="market-check"' not in client.get(f"/tenders/{market['draft'].pk}/publish/").content.decode()

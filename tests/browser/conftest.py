"""Shared browser fixtures: headless Chromium, signing in, and the demo data every journey uses.

`chromium` launches one browser per module; `open_page(user, language, viewport)` gives a page signed
in as a demo user. `demo_site` loads the demo (load_demo + load_demo_evaluation, a draft tender, a
fork with an upstream update, a clause with two versions) and names the pages of the four journeys.
Loading it takes a few seconds, so the page tests walk a whole journey per test.
"""

import datetime
import os
from dataclasses import dataclass, field

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEMO_PASSWORD = "clausier-demo"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def chromium():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.skip(f"Chromium not found at {executable}")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page, base_url, username, password=DEMO_PASSWORD):
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


@dataclass
class DemoSite:
    url: str
    pages: dict = field(default_factory=dict)  # name -> (username, path)


@pytest.fixture
def demo_site(transactional_db, live_server):
    from django.db import transaction

    with transaction.atomic():
        pages = _load_demo()
    return DemoSite(url=live_server.url, pages=pages)


@pytest.fixture
def open_page(chromium, demo_site):
    """open_page(username, language="fr", viewport=DESKTOP, bypass_csp=False) → a signed-in page."""
    contexts = []

    def _open(username, language="fr", viewport=DESKTOP, bypass_csp=False):
        # bypass_csp only to inject axe-core: the pages' own CSP stays on everywhere else.
        context = chromium.new_context(
            locale="fr-FR" if language == "fr" else "en-GB", viewport=viewport, bypass_csp=bypass_csp
        )
        contexts.append(context)
        page = context.new_page()
        sign_in(page, demo_site.url, username)
        if language != "fr":
            page.context.add_cookies([{"name": "django_language", "value": language, "url": demo_site.url}])
        return page

    yield _open
    for context in contexts:
        context.close()


def _load_demo():
    """The demo data, and the pages of the four journeys: {name: (username, path)}."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.urls import reverse

    from clause_library import services as library_services
    from clause_library.models import Library
    from contracts.models import Contract
    from organizations.models import Organization
    from scoring.models import Bid
    from tenders import lots as lot_services
    from tenders import services as tender_services
    from tenders.models import Tender

    call_command("load_demo", allow_production=True, verbosity=0)
    call_command("load_demo_evaluation", allow_production=True, verbosity=0)
    users = {user.username: user for user in get_user_model().objects.all()}
    chu = Organization.objects.get(name="CHU Démo")
    group = Organization.objects.get(name="Groupement Achats Démo")
    library = Library.objects.get(organization=group)
    clauses = list(library.clauses.select_related("current").order_by("key"))

    draft = tender_services.tender_create(
        single_lot_reason="Prestation indivisible.",
        user=users["buyer"],
        organization=chu,
        reference="AO-DEMO-BROUILLON",
        title="Brouillon de démonstration",
    )
    for clause in clauses[:6]:
        tender_services.tender_clause_add(user=users["buyer"], tender=draft, clause=clause, allow_incomplete=True)
    # A second draft, divided into lots (the lots page).
    lotted = tender_services.tender_create(
        user=users["buyer"], organization=chu, reference="AO-DEMO-LOTS", title="Appel d'offres alloti de démonstration"
    )
    for clause in clauses[:3]:
        tender_services.tender_clause_add(user=users["buyer"], tender=lotted, clause=clause, allow_incomplete=True)
    for title in ("Dossier patient informatisé", "Entrepôt de données de santé"):
        lot_services.lot_create(user=users["buyer"], tender=lotted, title=title, description="Lot de démonstration.")

    # A fork in the group, then an upstream change: the fork's updates page and a two-version diff.
    fork = library_services.library_fork(
        user=users["curator"], library=library, organization=group, name="Copie de travail"
    )
    changed = clauses[0]
    library_services.clause_update(
        user=users["curator"],
        clause=changed,
        changes={"body": changed.current.body + "\n\nPhrase ajoutée pour la démonstration."},
    )

    evaluation = Tender.objects.get(reference="AO-DEMO-EVAL")
    bid = Bid.objects.filter(tender=evaluation).order_by("pk").first()
    t = evaluation.pk
    # A notified contract straight in the database (the award sequence has its own tests): its acceptance page.
    contract = Contract.objects.create(
        organization=chu,
        tender=evaluation,
        bid=bid,
        uid="202600000100",
        sequence=1,
        holder_name=bid.vendor,
        amount=100000,
        duration_months=48,
        notified_on=datetime.date(2026, 12, 15),
        price_form="mixte",
    )
    return {
        # buyer
        "tenders list": ("buyer", reverse("tenders:tender_list")),
        "new tender": ("buyer", reverse("tenders:tender_create")),
        "editor": ("buyer", reverse("tenders:tender_editor", args=[draft.pk])),
        "publish": ("buyer", reverse("tenders:tender_publish", args=[draft.pk])),
        "lots": ("buyer", reverse("tenders:tender_lots", args=[lotted.pk])),
        # curator
        "libraries": ("curator", reverse("clause_library:library_list")),
        "library": ("curator", reverse("clause_library:library_detail", args=[library.pk])),
        "clause": ("curator", reverse("clause_library:clause_detail", args=[library.pk, changed.pk])),
        "clause form": ("curator", reverse("clause_library:clause_edit", args=[library.pk, changed.pk])),
        "diff": ("curator", reverse("clause_library:clause_detail", args=[library.pk, changed.pk]) + "?from=1&to=2"),
        "updates": ("curator", reverse("clause_library:library_updates", args=[fork.pk])),
        # evaluator
        "evaluations list": ("eval1", reverse("scoring:evaluation_list")),
        "grid": ("eval1", reverse("scoring:grid", args=[t])),
        "bid page": ("eval1", reverse("scoring:bid_detail", args=[t, bid.pk])),
        # lead (the buyer who runs the evaluation)
        "evaluation home": ("buyer", reverse("scoring:evaluation_home", args=[t])),
        "criteria": ("buyer", reverse("scoring:criteria", args=[t])),
        "bids": ("buyer", reverse("scoring:bids", args=[t])),
        "consensus": ("buyer", reverse("scoring:consensus", args=[t])),
        "results": ("buyer", reverse("scoring:results", args=[t])),
        "simulation": ("buyer", reverse("scoring:simulation", args=[t])),
        "acceptance": ("buyer", reverse("contracts:acceptance", args=[contract.pk])),
    }


JOURNEYS = {
    "buyer": ["tenders list", "new tender", "editor", "publish", "lots"],
    "curator": ["libraries", "library", "clause", "clause form", "diff", "updates"],
    "evaluator": ["evaluations list", "grid", "bid page"],
    "lead": ["evaluation home", "criteria", "bids", "consensus", "results", "simulation", "acceptance"],
}

JOURNEY_PAGES = [
    "tenders list",
    "new tender",
    "editor",
    "publish",
    "lots",
    "libraries",
    "library",
    "clause",
    "clause form",
    "diff",
    "updates",
    "evaluations list",
    "grid",
    "bid page",
    "evaluation home",
    "criteria",
    "bids",
    "consensus",
    "results",
    "simulation",
    "acceptance",
]

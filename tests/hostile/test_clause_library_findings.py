"""Issue 18, the findings that live in the clause library (3, 4, 5 and the share part of 13).

Each test failed on the code before the fix and passes after it.
"""

import difflib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from clause_library import selectors
from clause_library.markdown import fill_text, render_html
from clause_library.models import Clause, ClauseVersion, Library
from clause_library.services import clause_update, library_export, library_fork, library_update
from documents.rendering.docx import render_tender_docx
from documents.rendering.xlsx import render_questionnaire_xlsx
from organizations.errors import ApplicationError
from organizations.models import Organization
from tenders import services as tenders
from tenders.selectors import tender_document

from ..factories import OrganizationFactory, clause_content, make_clause, member

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def api(user):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def page(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def world():
    """A purchasing group's library shared with a hospital, whose admin forked it; a third, unrelated hospital."""
    group = OrganizationFactory(name="Groupement", kind=Organization.Kind.PURCHASING_GROUP)
    hospital = OrganizationFactory(name="CHU")
    stranger = OrganizationFactory(name="CH Sans Relation")
    curator = member(group, "curator", username="curator")
    hospital_admin = member(hospital, "admin", username="chu-admin")
    stranger_admin = member(stranger, "admin", username="stranger-admin")
    library = Library.objects.create(organization=group, name="Clauses du groupement", visibility="shared")
    library.shared_with.add(hospital)
    clause = make_clause(library, key="api-fhir", user=curator)
    fork = library_fork(user=hospital_admin, library=library, organization=hospital)
    return type(
        "World",
        (),
        dict(
            group=group,
            hospital=hospital,
            stranger=stranger,
            curator=curator,
            hospital_admin=hospital_admin,
            stranger_admin=stranger_admin,
            library=library,
            clause=clause,
            fork=fork,
            fork_clause=fork.clauses.get(key="api-fhir"),
        ),
    )


# Finding 3: ReDoS in the placeholder pattern --------------------------------------------------

PATHOLOGICAL = {
    "spaces-3k": "{{" + " " * 3_000,
    "spaces-30k": "{{" + " " * 30_000,
    "openings": "{{" * 15_000 + "}",
    "spaced-openings": "{{ " * 15_000,
    "words": "{{ " + "a " * 20_000,
    "repeated": ("{{" + " " * 100) * 400,
    "nested": "{{{" * 10_000 + " }}",
}

SCRIPT = """
import json, sys
from clause_library.markdown import fill_text, render_html
from clause_library.parameters import placeholders
for name, body in json.load(sys.stdin).items():
    placeholders(body)
    fill_text(body, {})
    render_html(body, {})
print("done")
"""


def test_pathological_placeholder_bodies_are_scanned_in_bounded_time():
    # A subprocess with a deadline, not a wall-clock assertion on a shared machine: the old pattern
    # took 24.8 s on 3,000 spaces alone (cubic), so it cannot finish these within the deadline; the
    # linear scanner needs a fraction of a second after the imports.
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        input=json.dumps(PATHOLOGICAL),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=20,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "done"


def test_the_backtracking_pattern_is_gone_from_the_code():
    slow = r"[^{}]*?)\s*\}\}"
    for app in ("clause_library", "tenders", "scoring", "conformance"):
        for path in (ROOT / app).rglob("*.py"):
            assert slow not in path.read_text(encoding="utf-8"), path


def test_a_body_over_the_size_cap_is_refused_on_every_write_path(world):
    huge = "x" * 50_001
    with pytest.raises(ApplicationError) as refused:
        clause_update(user=world.curator, clause=world.clause, changes={"body": huge})
    assert "body" in refused.value.errors and "50000" in refused.value.errors["body"][0]
    data = library_export(world.library)
    data["clauses"][0]["body"] = huge
    response = api(world.curator).post(
        "/api/v1/libraries/import/", {"organization": world.group.pk, "file": data}, format="json"
    )
    assert response.status_code == 400 and "$.clauses[0].body" in json.dumps(response.json())
    assert Clause.objects.get(pk=world.clause.pk).current.number == 1


# Finding 4: a revoked share keeps feeding forks ---------------------------------------------


def upstream_change(world, title="Titre amont v2"):
    clause_update(user=world.curator, clause=world.clause, changes={"title": title, "body": "Texte amont secret."})


def revoke(world, how):
    if how == "private":
        library_update(user=world.curator, library=world.library, changes={"visibility": "private"})
    else:  # still "shared", but no longer with the hospital
        library_update(user=world.curator, library=world.library, changes={"shared_with": []})


@pytest.mark.parametrize("how", ["private", "unshared"])
def test_after_the_share_ends_the_fork_sees_no_new_version_through_the_api(world, how):
    client = api(world.hospital_admin)
    upstream_change(world)
    listed = client.get(f"/api/v1/libraries/{world.fork.pk}/updates/").json()
    assert listed["count"] == 1  # while shared, the update is offered

    revoke(world, how)
    upstream_change(world, title="Titre amont v3")
    listed = client.get(f"/api/v1/libraries/{world.fork.pk}/updates/")
    assert listed.status_code == 200
    assert listed.json() == {"count": 0, "results": []}
    pulled = client.post(f"/api/v1/libraries/{world.fork.pk}/pull/", {"clauses": [world.fork_clause.pk]}, format="json")
    assert pulled.status_code == 409
    assert "plus accessible" in json.dumps(pulled.json(), ensure_ascii=False)
    kept = Clause.objects.select_related("current").get(pk=world.fork_clause.pk)
    assert kept.current.number == 1 and kept.current.title == "Accès à l'API FHIR"  # keeps what it had


def test_what_was_pulled_before_the_share_ended_stays(world):
    client = api(world.hospital_admin)
    upstream_change(world)
    assert (
        client.post(
            f"/api/v1/libraries/{world.fork.pk}/pull/", {"clauses": [world.fork_clause.pk]}, format="json"
        ).status_code
        == 200
    )
    revoke(world, "private")
    upstream_change(world, title="Titre amont v3")
    assert client.get(f"/api/v1/libraries/{world.fork.pk}/updates/").json()["count"] == 0
    kept = Clause.objects.select_related("current").get(pk=world.fork_clause.pk)
    assert kept.current.title == "Titre amont v2" and kept.based_on == 2


def test_after_the_share_ends_the_pages_show_nothing_new_and_refuse_the_pull(world):
    client = page(world.hospital_admin)
    upstream_change(world, title="Titre amont très confidentiel")
    revoke(world, "private")
    url = reverse("clause_library:library_updates", args=[world.fork.pk])
    html = client.get(url).content.decode()
    assert "Titre amont très confidentiel" not in html and "Texte amont secret" not in html
    assert "plus accessible" in html
    detail = client.get(reverse("clause_library:library_detail", args=[world.fork.pk])).content.decode()
    assert "mise à jour amont" not in detail
    response = client.post(url, {"clauses": [str(world.fork_clause.pk)]})
    assert response.status_code == 200 and "plus accessible" in response.content.decode()
    assert Clause.objects.get(pk=world.fork_clause.pk).current.number == 1


def test_sharing_again_offers_the_updates_again(world):
    revoke(world, "private")
    upstream_change(world)
    assert api(world.hospital_admin).get(f"/api/v1/libraries/{world.fork.pk}/updates/").json()["count"] == 0
    library_update(user=world.curator, library=world.library, changes={"visibility": "public"})
    assert api(world.hospital_admin).get(f"/api/v1/libraries/{world.fork.pk}/updates/").json()["count"] == 1


# Finding 5 (a): rendering cannot be confused by its own markers ------------------------------

FORGED = "Voir zqxclausierparam99zqx et zqxclausierparam0zqx, puis {{ delai_jours }} jours."


def test_a_body_holding_the_old_marker_renders_as_text(world):
    html = render_html(FORGED, {"delai_jours": 30})
    assert "zqxclausierparam99zqx" in html and "zqxclausierparam0zqx" in html
    assert '<span class="param">30</span>' in html
    assert fill_text(FORGED, {"delai_jours": 30}).endswith("puis 30 jours.")


def test_a_clause_holding_the_old_marker_does_not_break_the_list_or_the_tender(world):
    parameters = [clause_content()["parameters"][1]]
    response = api(world.curator).post(
        "/api/v1/clauses/",
        {"library": world.library.pk, "key": "forged", **clause_content(body=FORGED, parameters=parameters)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    for user in (world.curator, world.hospital_admin):
        listed = api(user).get("/api/v1/clauses/")
        assert listed.status_code == 200
    forged = Clause.objects.get(key="forged", library=world.library)
    tender = tenders.tender_create(user=world.hospital_admin, organization=world.hospital, reference="AO", title="T")
    tenders.tender_clause_add(user=world.hospital_admin, tender=tender, clause=forged, parameters={})
    editor = page(world.hospital_admin).get(reverse("tenders:tender_editor", args=[tender.pk]))
    assert editor.status_code == 200
    article = tender_document(tender)["sections"][0]["articles"][0]
    assert "zqxclausierparam99zqx" in article["body_html"]


# Finding 5 (b): control characters ----------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": "Titre\x0bpiégé"}, "title"),
        ({"body": "Texte\x01 {{ fhir_version }} {{ delai_jours }}"}, "body"),
        ({"question": "Ques\x85tion"}, "question"),
        ({"legal_note": "Note\x1b"}, "legal_note"),
        ({"rubric": [{"score": 0, "description": "Rien\x0c"}]}, "rubric"),
        ({"references": [{"label": "FHIR\x7f", "url": "https://hl7.org/fhir/"}]}, "references"),
        ({"tags": ["dpi\x00"]}, "tags"),
        ({"tags": ["dpi\ufffe"]}, "tags"),
    ],
)
def test_the_api_refuses_control_characters_naming_the_field(world, overrides, field):
    response = api(world.curator).post(
        "/api/v1/clauses/", {"library": world.library.pk, "key": "ctrl", **clause_content(**overrides)}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Clause.objects.filter(key="ctrl").exists()


@pytest.mark.parametrize("key", ["label", "help"])
def test_the_api_refuses_control_characters_in_parameter_texts(world, key):
    parameters = clause_content()["parameters"]
    parameters[0] = {**parameters[0], key: "Version\x0b"}
    response = api(world.curator).patch(
        f"/api/v1/clauses/{world.clause.pk}/", {"parameters": parameters}, format="json"
    )
    assert response.status_code == 400
    assert "parameters" in response.json() and "U+000B" in json.dumps(response.json())
    assert Clause.objects.get(pk=world.clause.pk).current.number == 1


def test_the_form_refuses_control_characters_naming_the_field(world):
    content = clause_content()
    data = {
        **{k: v for k, v in content.items() if k not in ("parameters", "rubric", "references", "checks", "tags")},
        "title": "Titre\x0bpiégé",
        "parameters": json.dumps(content["parameters"]),
        "rubric": json.dumps(content["rubric"]),
        "references": json.dumps(content["references"]),
        "checks": "[]",
        "tags": "",
    }
    url = reverse("clause_library:clause_edit", args=[world.library.pk, world.clause.pk])
    response = page(world.curator).post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_title_error"' in html and "U+000B" in html
    assert Clause.objects.get(pk=world.clause.pk).current.number == 1


def test_the_import_refuses_control_characters_naming_the_path(world):
    data = library_export(world.library)
    data["clauses"][0]["rubric"][2]["description"] = "Niveau\x0b2"
    response = api(world.curator).post(
        "/api/v1/libraries/import/", {"organization": world.group.pk, "file": data}, format="json"
    )
    assert response.status_code == 400
    assert "$.clauses[0].rubric" in json.dumps(response.json())
    assert Library.objects.filter(organization=world.group).count() == 1


def test_control_characters_already_stored_do_not_break_pages_or_documents(world):
    """A version written before the rule (straight into the table) still renders everywhere."""
    content = clause_content(
        title="Titre\x0bpiégé",
        body="Texte\x0b{{ fhir_version }}\x01 {{ delai_jours }}",
        question="Question\x0c ?",
        references=[{"label": "Réf\x0b", "url": "https://hl7.org/fhir/"}],
    )
    version = ClauseVersion.objects.create(clause=world.clause, number=2, **content)
    Clause.objects.filter(pk=world.clause.pk).update(current=version)
    clause = Clause.objects.get(pk=world.clause.pk)
    tender = tenders.tender_create(user=world.hospital_admin, organization=world.hospital, reference="AO", title="T")
    tenders.tender_clause_add(user=world.hospital_admin, tender=tender, clause=clause, parameters={})

    assert api(world.curator).get(f"/api/v1/clauses/{clause.pk}/").status_code == 200
    detail = page(world.curator).get(reverse("clause_library:clause_detail", args=[world.library.pk, clause.pk]))
    assert detail.status_code == 200
    doc = tender_document(tender)
    article = doc["sections"][0]["articles"][0]
    assert article["title"] == "Titrepiégé" and "\x0b" not in article["body_markdown"]
    assert "\x0b" not in article["body_html"] and "\x01" not in article["body_html"]

    written = docx.Document(io.BytesIO(render_tender_docx(doc)))
    assert any("Titrepiégé" in paragraph.text for paragraph in written.paragraphs)
    workbook = openpyxl.load_workbook(io.BytesIO(render_questionnaire_xlsx(doc)))
    cells = [str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value]
    assert any("Question ?" in text for text in cells)


# Finding 5 (c): a diff with a cost bound ----------------------------------------------------


@pytest.fixture
def long_versions(world):
    lines = [f"Art. {n} : {n % 7}." for n in range(2_000)]  # 2,000 similar lines, under the size cap
    changed = [line.replace(":", "-") if n % 3 == 0 else line for n, line in enumerate(lines)]
    clause_update(user=world.curator, clause=world.clause, changes={"body": "\n".join(lines)})
    clause_update(user=world.curator, clause=world.clause, changes={"body": "\n".join(changed)})
    return world


@pytest.fixture
def comparisons(monkeypatch):
    """Every line comparison difflib is asked for (the product of the two sides' lengths)."""
    asked = []
    original = difflib.SequenceMatcher

    class Counting(original):
        def set_seqs(self, a, b):
            asked.append(len(a) * len(b))
            super().set_seqs(a, b)

    monkeypatch.setattr(difflib, "SequenceMatcher", Counting)
    return asked


def test_the_diff_of_two_long_versions_stays_within_its_cost_bound(long_versions, comparisons):
    old, new = long_versions.clause.versions.filter(number__in=(2, 3)).order_by("number")
    changes = dict(selectors.version_diff(old, new))
    assert changes["body"] is None  # too large to compare: reported, not computed
    assert sum(comparisons) <= selectors.MAX_DIFF_COST


def test_the_diff_page_says_too_large_and_offers_both_versions(long_versions, comparisons):
    world = long_versions
    client = page(world.hospital_admin)  # a reader of the shared library
    url = reverse("clause_library:clause_detail", args=[world.library.pk, world.clause.pk])
    html = client.get(url + "?from=2&to=3").content.decode()
    assert "Différence trop volumineuse" in html
    assert sum(comparisons) <= selectors.MAX_DIFF_COST
    for number in (2, 3):
        link = reverse("clause_library:clause_version_download", args=[world.library.pk, world.clause.pk, number])
        assert link in html
        download = client.get(link)
        assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
        assert json.loads(download.content)["version"] == number
        assert len(json.loads(download.content)["body"].splitlines()) == 2_000
        assert page(world.stranger_admin).get(link).status_code == 404


def test_a_small_diff_is_still_shown_line_by_line(world):
    clause_update(user=world.curator, clause=world.clause, changes={"body": "Première ligne.\nDeuxième ligne."})
    clause_update(user=world.curator, clause=world.clause, changes={"body": "Première ligne.\nTroisième ligne."})
    old, new = world.clause.versions.filter(number__in=(2, 3)).order_by("number")
    assert dict(selectors.version_diff(old, new))["body"] == [
        (" ", "Première ligne."),
        ("-", "Deuxième ligne."),
        ("+", "Troisième ligne."),
    ]


# Finding 13 (share part): no list of every organisation, no existence oracle -----------------


def test_the_share_page_offers_only_related_organisations(world):
    html = page(world.curator).get(reverse("clause_library:library_share", args=[world.library.pk])).content.decode()
    assert "CHU" in html  # already shared with (and forked by) it
    assert "CH Sans Relation" not in html


def test_an_unrelated_organisation_cannot_be_shared_with_and_the_answer_names_no_id(world):
    """Issue 28, F10: ticking an unrelated organisation or an id that does not exist reads the same."""
    url = reverse("clause_library:library_share", args=[world.library.pk])
    client = page(world.curator)
    answers = []
    for pk in (world.stranger.pk, 987654):
        response = client.post(url, {"visibility": "shared", "shared_with": [pk]})
        assert response.status_code == 200
        answers.append(re.findall(r"[^<>]*(?:sans lien|valid|inconnue)[^<>]*", response.content.decode()))
    assert any("sans lien avec la vôtre" in message for message in answers[0])
    assert answers[0] == answers[1]
    assert set(world.library.shared_with.all()) == {world.hospital}


@pytest.mark.parametrize(
    "url, body",
    [
        ("/api/v1/libraries/import/", lambda world, org: {"organization": org, "file": library_export(world.library)}),
        ("/api/v1/libraries/", lambda world, org: {"organization": org, "name": "Copie"}),
        (None, lambda world, org: {"organization": org}),  # fork
    ],
)
def test_the_organisation_field_answers_alike_for_unknown_and_foreign_ids(world, url, body):
    url = url or f"/api/v1/libraries/{world.library.pk}/fork/"
    client = api(world.hospital_admin)
    foreign = client.post(url, body(world, world.stranger.pk), format="json")
    unknown = client.post(url, body(world, world.stranger.pk + 1000), format="json")
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json() == unknown.json() == {"organization": ["Organisation inconnue."]}


def test_the_library_field_answers_alike_for_unknown_and_hidden_ids(world):
    hidden = Library.objects.create(organization=world.stranger, name="Privée")
    client = api(world.hospital_admin)
    answers = [
        client.post("/api/v1/clauses/", {"library": pk, "key": "x", **clause_content()}, format="json")
        for pk in (hidden.pk, hidden.pk + 1000)
    ]
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].json() == answers[1].json() == {"library": ["Bibliothèque inconnue."]}

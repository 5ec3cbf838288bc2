"""The library pages: list, detail with filters, export, import, fork, sharing, upstream updates."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clause_library.models import Clause, ClauseVersion, Library
from clause_library.services import clause_update, library_export, library_fork
from organizations.models import MemberOrganization

from ..factories import LibraryFactory, make_clause, member

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shared_library(library, hospital):
    library.visibility = Library.Visibility.SHARED
    library.save()
    library.shared_with.add(hospital)
    make_clause(library, key="api-fhir")
    make_clause(
        library,
        key="journal",
        category="security",
        requirement="mandatory",
        parameters=[],
        body="Journaliser les accès.",
        title="Journal des accès",
        tags=["audit", "securite"],
    )
    make_clause(
        library,
        key="export-masse",
        category="bulk_export",
        parameters=[],
        body="Export FHIR Bulk Data du dossier.",
        title="Export de masse",
        tags=["fhir"],
    )
    return library


def detail_url(library):
    return reverse("clause_library:library_detail", args=[library.pk])


# List -------------------------------------------------------------------------------------------


def test_it_lists_my_libraries_and_those_shared_with_me(shared_library, curator, buyer, outsider):
    own = client_for(curator).get("/libraries/")
    assert own.status_code == 200
    assert "Référence" in own.content.decode() and "Nouvelle bibliothèque" in own.content.decode()
    shared = client_for(buyer).get("/libraries/").content.decode()
    assert "Référence" in shared and "Groupement" in shared and "Partagée" in shared
    # A buyer curates nothing: no create or import buttons.
    assert "Nouvelle bibliothèque" not in shared and "Importer un fichier" not in shared
    assert "Référence" not in client_for(outsider).get("/libraries/").content.decode()


def test_it_shows_public_libraries_to_everyone(library, outsider):
    library.visibility = Library.Visibility.PUBLIC
    library.save()
    page = client_for(outsider).get("/libraries/").content.decode()
    assert "Référence" in page and "Publique" in page


def test_it_names_the_origin_of_a_fork_only_when_visible(shared_library, hospital, hospital_admin, outsider):
    fork = library_fork(user=hospital_admin, library=shared_library, organization=hospital, name="Copie CHU")
    page = client_for(hospital_admin).get("/libraries/").content.decode()
    assert "copie de" in page and detail_url(shared_library) in page
    fork.visibility = Library.Visibility.PUBLIC
    fork.save()
    page = client_for(outsider).get("/libraries/").content.decode()
    assert "Copie CHU" in page and "copie d'une autre bibliothèque" in page
    assert detail_url(shared_library) not in page


def test_the_login_is_required(shared_library):
    response = Client().get(detail_url(shared_library))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# Detail -----------------------------------------------------------------------------------------


def test_it_shows_a_librarys_clauses_to_owner_and_sharee(shared_library, curator, buyer):
    for user in (curator, buyer):
        page = client_for(user).get(detail_url(shared_library)).content.decode()
        assert "api-fhir" in page and "Journal des accès" in page and "Export de masse" in page
        assert "Exigence éliminatoire" in page and "Sécurité" in page


def test_it_hides_a_private_library_from_outsiders(library, outsider):
    clause = make_clause(library)
    client = client_for(outsider)
    urls = [
        detail_url(library),
        reverse("clause_library:library_export", args=[library.pk]),
        reverse("clause_library:library_fork", args=[library.pk]),
        reverse("clause_library:library_share", args=[library.pk]),
        reverse("clause_library:library_updates", args=[library.pk]),
        reverse("clause_library:clause_create", args=[library.pk]),
        reverse("clause_library:clause_detail", args=[library.pk, clause.pk]),
        reverse("clause_library:clause_edit", args=[library.pk, clause.pk]),
        reverse("clause_library:clause_delete", args=[library.pk, clause.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "x", "organization": 1, "clauses": [clause.pk]}).status_code == 404, url
    assert Library.objects.filter(origin=library).count() == 0
    assert Clause.objects.get(pk=clause.pk).current.number == 1


def test_it_gives_edit_buttons_only_to_editors(shared_library, curator, hospital_admin, buyer, evaluator):
    page = client_for(curator).get(detail_url(shared_library)).content.decode()
    assert "Nouvelle clause" in page and "Partage" in page
    for user in (hospital_admin, buyer, evaluator):
        page = client_for(user).get(detail_url(shared_library)).content.decode()
        assert (
            "Nouvelle clause" not in page
            and reverse("clause_library:library_share", args=[shared_library.pk]) not in page
        )
    # The hospital admin may copy it into the hospital; buyers and evaluators may not.
    fork_url = reverse("clause_library:library_fork", args=[shared_library.pk])
    assert fork_url in client_for(hospital_admin).get(detail_url(shared_library)).content.decode()
    assert fork_url not in client_for(buyer).get(detail_url(shared_library)).content.decode()


@pytest.mark.parametrize(
    "query, expected, absent",
    [
        ({"category": "security"}, ["journal"], ["api-fhir", "export-masse"]),
        ({"requirement": "scored"}, ["api-fhir", "export-masse"], ["journal"]),
        ({"tag": "audit"}, ["journal"], ["api-fhir", "export-masse"]),
        ({"q": "bulk"}, ["export-masse"], ["api-fhir", "journal"]),
        ({"category": "nonsense"}, ["api-fhir", "journal", "export-masse"], []),
    ],
)
def test_it_filters_clauses(shared_library, buyer, query, expected, absent):
    response = client_for(buyer).get(detail_url(shared_library), query)
    keys = [clause.key for clause in response.context["page"]]
    assert sorted(keys) == sorted(expected)
    for key in absent:
        assert f"<code>{key}</code>" not in response.content.decode()


def test_it_paginates_and_keeps_the_filters_in_page_links(library, curator):
    for n in range(55):
        make_clause(library, key=f"clause-{n:03}", category="security")
    response = client_for(curator).get(detail_url(library), {"category": "security"})
    page = response.content.decode()
    assert len(response.context["page"]) == 50 and "55 clauses" in page
    assert "?category=security&amp;page=2" in page
    second = client_for(curator).get(detail_url(library), {"category": "security", "page": 2})
    assert [c.key for c in second.context["page"]] == [f"clause-{n:03}" for n in range(50, 55)]


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill(library, start, stop, categories=("api_access", "security", "bulk_export")):
    for n in range(start, stop):
        make_clause(library, key=f"clause-{n:03}", category=categories[n % len(categories)], tags=[f"t{n % 4}"])


def test_list_and_detail_run_as_many_queries_with_200_clauses_as_with_5(
    shared_library, hospital, hospital_admin, group
):
    fork = library_fork(user=hospital_admin, library=shared_library, organization=hospital)
    client = client_for(hospital_admin)
    urls = [
        "/libraries/",
        detail_url(shared_library),
        detail_url(fork),
        detail_url(shared_library) + "?category=security&q=acc",
    ]
    _fill(shared_library, 0, 2)
    small = [_count_queries(client, url) for url in urls]
    _fill(shared_library, 2, 197)
    for n in range(20):
        other = LibraryFactory(organization=group, name=f"Autre {n}", visibility=Library.Visibility.PUBLIC)
        make_clause(other, key="x")
    library_fork(user=hospital_admin, library=shared_library, organization=hospital, name="Deuxième copie")
    assert shared_library.clauses.count() == 200
    large = [_count_queries(client, url) for url in urls]
    assert small == large
    # And the numbers stay small.
    assert max(large) <= 10


def test_the_list_page_query_count_is_pinned(shared_library, curator, django_assert_num_queries):
    client = client_for(curator)
    client.get("/libraries/")  # warm the session
    with django_assert_num_queries(4):  # session, user, memberships, libraries
        client.get("/libraries/")


# Export and import ------------------------------------------------------------------------------


def test_it_exports_the_library_file(shared_library, buyer):
    response = client_for(buyer).get(reverse("clause_library:library_export", args=[shared_library.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;") and ".json" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["format"] == "clausier-library/2"
    assert [c["key"] for c in data["clauses"]] == ["api-fhir", "export-masse", "journal"]


def _upload(data, name="bibliotheque.json"):
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def test_it_imports_a_library_file(shared_library, curator, group):
    data = library_export(shared_library)
    data["name"] = "Importée"
    response = client_for(curator).post(
        reverse("clause_library:library_import"), {"organization": group.pk, "file": _upload(data)}
    )
    imported = Library.objects.get(name="Importée")
    assert response.status_code == 302 and response["Location"] == detail_url(imported)
    assert imported.organization == group and imported.clauses.count() == 3


def test_it_lists_the_errors_of_a_bad_file_with_their_json_path_and_creates_nothing(shared_library, curator, group):
    client = client_for(curator)
    url = reverse("clause_library:library_import")
    before = (Library.objects.count(), Clause.objects.count(), ClauseVersion.objects.count())
    data = library_export(shared_library)
    data["clauses"][0]["category"] = "nope"
    del data["clauses"][2]["title"]
    page = client.post(url, {"organization": group.pk, "file": _upload(data)}).content.decode()
    assert "<code>$.clauses[0].category</code>" in page and "<code>$.clauses[2]</code>" in page
    assert "2 erreurs" in page
    # Rules beyond the schema (a placeholder nobody declared) are reported the same way.
    data = library_export(shared_library)
    data["clauses"][2]["body"] = "Texte avec {{ inconnu }}."
    page = client.post(url, {"organization": group.pk, "file": _upload(data)}).content.decode()
    assert "<code>$.clauses[2].body</code>" in page and "inconnu" in page
    assert (Library.objects.count(), Clause.objects.count(), ClauseVersion.objects.count()) == before


def test_it_refuses_a_file_that_is_not_json_or_too_big(curator, group, settings):
    client = client_for(curator)
    url = reverse("clause_library:library_import")
    page = client.post(url, {"organization": group.pk, "file": _upload(b"{not json")}).content.decode()
    assert "JSON invalide à la ligne 1, colonne 2 : un nom de champ" in page and 'aria-invalid="true"' in page
    page = client.post(url, {"organization": group.pk, "file": _upload(b"[" * 100000 + b"]" * 100000)}).content.decode()
    assert "imbriqué trop profondément" in page
    page = client.post(url, {"organization": group.pk, "file": _upload(b"\xff\xfe{}")}).content.decode()
    assert "UTF-8" in page
    settings.MAX_UPLOAD_BYTES = 100
    page = client.post(url, {"organization": group.pk, "file": _upload(b" " * 90 + b"{}" * 20)}).content.decode()
    assert "Fichier trop volumineux" in page
    assert Library.objects.count() == 0


def test_only_curators_and_admins_may_import_or_create(buyer, evaluator, hospital):
    for user in (buyer, evaluator):
        client = client_for(user)
        assert client.get(reverse("clause_library:library_import")).status_code == 403
        assert (
            client.post(
                reverse("clause_library:library_create"), {"organization": hospital.pk, "name": "x"}
            ).status_code
            == 403
        )
    assert Library.objects.count() == 0


def test_it_refuses_to_import_into_another_organisation(curator, other_hospital, library):
    data = library_export(library)
    response = client_for(curator).post(
        reverse("clause_library:library_import"), {"organization": other_hospital.pk, "file": _upload(data)}
    )
    assert response.status_code == 200 and "Choisissez une organisation" in response.content.decode()
    assert Library.objects.count() == 1


def test_it_creates_a_library(curator, group):
    response = client_for(curator).post(
        reverse("clause_library:library_create"),
        {"organization": group.pk, "name": "Nouvelle", "description": "", "language": "fr"},
    )
    library = Library.objects.get(name="Nouvelle")
    assert response.status_code == 302 and library.organization == group


# Fork, share and updates ------------------------------------------------------------------------


def test_a_hospital_admin_forks_a_shared_library(shared_library, hospital, hospital_admin):
    url = reverse("clause_library:library_fork", args=[shared_library.pk])
    client = client_for(hospital_admin)
    assert client.get(url).status_code == 200
    response = client.post(url, {"organization": hospital.pk, "name": ""})
    fork = Library.objects.get(origin=shared_library)
    assert response.status_code == 302 and response["Location"] == detail_url(fork)
    assert fork.organization == hospital and fork.name == "Référence" and fork.clauses.count() == 3


def test_a_buyer_cannot_fork(shared_library, hospital, buyer, hospital_admin):
    url = reverse("clause_library:library_fork", args=[shared_library.pk])
    assert client_for(buyer).post(url, {"organization": hospital.pk}).status_code == 403
    # An admin of the hospital cannot fork into an organisation they do not administer.
    group = shared_library.organization
    response = client_for(hospital_admin).post(url, {"organization": group.pk})
    assert response.status_code == 200 and "Choisissez une organisation" in response.content.decode()
    assert not Library.objects.filter(origin=shared_library).exists()


def test_the_curator_changes_sharing_and_others_cannot(
    shared_library, curator, hospital_admin, other_hospital, hospital
):
    url = reverse("clause_library:library_share", args=[shared_library.pk])
    assert client_for(hospital_admin).get(url).status_code == 403
    assert client_for(hospital_admin).post(url, {"visibility": "public"}).status_code == 403
    shared_library.refresh_from_db()
    assert shared_library.visibility == "shared"
    client = client_for(curator)
    assert client.get(url).status_code == 200
    # An organisation without any relation to the owner cannot be chosen (issue 28, F10); a member hospital can.
    response = client.post(url, {"visibility": "shared", "shared_with": [other_hospital.pk]})
    assert response.status_code == 200 and "sans lien avec la vôtre" in response.content.decode()
    assert list(shared_library.shared_with.all()) == [hospital]
    MemberOrganization.objects.create(group=shared_library.organization, member=other_hospital)
    response = client.post(url, {"visibility": "shared", "shared_with": [other_hospital.pk]})
    assert response.status_code == 302
    assert list(shared_library.shared_with.all()) == [other_hospital]


def test_a_fork_lists_upstream_updates_with_a_diff_and_pulls_the_checked_ones(
    shared_library, curator, hospital, hospital_admin, buyer
):
    fork = library_fork(user=hospital_admin, library=shared_library, organization=hospital)
    upstream = shared_library.clauses.get(key="journal")
    clause_update(user=curator, clause=upstream, changes={"body": "Journaliser tous les accès, 5 ans."})
    clause_update(
        user=curator, clause=shared_library.clauses.get(key="export-masse"), changes={"title": "Export massif"}
    )
    url = reverse("clause_library:library_updates", args=[fork.pk])
    assert "2 mises à jour amont" in client_for(hospital_admin).get(detail_url(fork)).content.decode()
    page = client_for(hospital_admin).get(url).content.decode()
    assert 'class="diff-add d-block"' in page and "Journaliser tous les accès, 5 ans." in page
    assert 'class="diff-del d-block"' in page and "Journaliser les accès." in page
    local = fork.clauses.get(key="journal")
    # A buyer may read the updates but not pull them.
    buyer_page = client_for(buyer).get(url).content.decode()
    assert 'name="clauses"' not in buyer_page
    assert client_for(buyer).post(url, {"clauses": [local.pk]}).status_code == 403
    response = client_for(hospital_admin).post(url, {"clauses": [local.pk]})
    assert response.status_code == 302
    local.refresh_from_db()
    assert (
        local.current.number == 2 and local.current.body == "Journaliser tous les accès, 5 ans." and local.based_on == 2
    )
    assert fork.clauses.get(key="export-masse").current.title == "Export de masse"
    assert "1 mise à jour amont" in client_for(hospital_admin).get(detail_url(fork)).content.decode()


def test_pulling_nothing_says_so(shared_library, hospital, hospital_admin):
    fork = library_fork(user=hospital_admin, library=shared_library, organization=hospital)
    url = reverse("clause_library:library_updates", args=[fork.pk])
    page = client_for(hospital_admin).post(url, {}).content.decode()
    assert "Cochez au moins une clause" in page
    local = fork.clauses.get(key="journal")
    page = client_for(hospital_admin).post(url, {"clauses": [local.pk]}).content.decode()
    assert "Pas de mise à jour disponible" in page
    assert local.versions.count() == 1


def test_a_member_of_the_owner_with_another_role_cannot_edit(shared_library, group):
    buyer_in_group = member(group, "buyer", username="group-buyer")
    client = client_for(buyer_in_group)
    assert client.get(detail_url(shared_library)).status_code == 200
    assert client.get(reverse("clause_library:clause_create", args=[shared_library.pk])).status_code == 403
    assert client.get(reverse("clause_library:library_share", args=[shared_library.pk])).status_code == 403

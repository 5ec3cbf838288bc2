"""Security round 3 (issue 28, item 3 and F12): one hostile test per finding, each failing on the code before.

F7 admin sign-in throttled per address, counters in a shared cache; F10 shared_with limited to related
organisations, one message for unknown and unrelated ids; F12 deeply nested JSON → 400 naming the field;
I2 reset links from SITE_URL, HSTS only when configured; I3 placeholders in link targets as text; I5 DEBUG
off by default, the development key refused, the OpenAPI docs signed-in in production; I6 long e-mails.
"""

import re
import runpy
import socket
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from rest_framework.test import APIClient

from clause_library.markdown import fill_text, render_html, tokens
from clause_library.models import Library
from organizations import services as org_services
from organizations.errors import ApplicationError
from organizations.models import AuditEntry, MemberOrganization, Organization
from scoring import services as scoring
from scoring.models import Answer, AuditEvent

from ..factories import PASSWORD, OrganizationFactory, member

pytestmark = pytest.mark.django_db
User = get_user_model()


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- F7: /admin/login/ throttled per address like /login/, lockout included ---------------------------


def test_f7_the_admin_sign_in_is_throttled_per_address_whatever_the_user_name():
    statuses = [
        Client(REMOTE_ADDR="203.0.113.70").post("/admin/login/", {"username": f"u{n}", "password": "x"}).status_code
        for n in range(40)
    ]
    assert statuses[0] == 200 and 429 in statuses
    # Another address is not held back.
    assert (
        Client(REMOTE_ADDR="203.0.113.71").post("/admin/login/", {"username": "u", "password": "x"}).status_code == 200
    )


def test_f7_the_app_and_the_admin_sign_in_share_one_budget_per_address():
    for n in range(30):
        Client(REMOTE_ADDR="203.0.113.72").post("/login/", {"username": f"u{n}", "password": "x"})
    response = Client(REMOTE_ADDR="203.0.113.72").post("/admin/login/", {"username": "root", "password": "x"})
    assert response.status_code == 429 and response["Retry-After"]


def test_f7_the_lockout_also_holds_on_the_admin_sign_in():
    admin = User.objects.create_superuser("superviseur", "s@x.test", PASSWORD)
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR="203.0.113.73").post("/admin/login/", {"username": admin.username, "password": f"g{n}"})
    locked = Client(REMOTE_ADDR="203.0.113.73").post(
        "/admin/login/", {"username": admin.username, "password": PASSWORD}
    )
    assert locked.status_code == 429 and "_auth_user_id" not in locked.client.session


# --- F7: throttle counters in a shared cache (Redis when configured) ------------------------------------


def settings_with(monkeypatch, **environment):
    for name in ("DEBUG", "SECRET_KEY", "CACHE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(django_settings.BASE_DIR) / "config" / "settings.py"))


def test_f7_the_cache_is_redis_whenever_redis_is_configured(monkeypatch):
    alone = settings_with(monkeypatch, DEBUG="True")
    assert alone["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    broker = settings_with(monkeypatch, DEBUG="True", CELERY_BROKER_URL="redis://redis.internal:6379/0")
    assert broker["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    # The broker keeps its database: clearing the cache never drops queued jobs.
    assert broker["CACHES"]["default"]["LOCATION"] == "redis://redis.internal:6379/1"
    explicit = settings_with(monkeypatch, DEBUG="True", CACHE_URL="redis://cache.internal:6379/3")
    assert explicit["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/3"
    with pytest.raises(ImproperlyConfigured):
        settings_with(monkeypatch, DEBUG="True", CACHE_URL="memcached://x")


def _redis_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_f7_with_redis_two_server_processes_count_together(settings):
    """Each gunicorn process has its own memory: the counter must live in Redis, seen by all of them."""
    import redis

    prefix = f"clausier-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
            "KEY_PREFIX": prefix,
        }
    }
    for n in range(3):
        Client(REMOTE_ADDR="203.0.113.74").post("/admin/login/", {"username": f"u{n}", "password": "x"})
    other_process = redis.Redis(host="127.0.0.1", port=6379, db=1)
    keys = other_process.keys(f"{prefix}:*signin*203.0.113.74*")
    try:
        assert keys, "the sign-in counter is not in Redis"
    finally:
        for key in other_process.keys(f"{prefix}:*"):
            other_process.delete(key)


# --- F10: shared_with ------------------------------------------------------------------------------------


@pytest.fixture
def sharing(group, curator, hospital, other_hospital):
    MemberOrganization.objects.create(group=group, member=hospital)
    library = Library.objects.create(organization=group, name="Clauses", visibility="private")
    return library


def test_f10_an_unrelated_or_unknown_organisation_gets_one_message(sharing, curator, group, other_hospital):
    client = api(curator)
    answers = []
    for ids in ([other_hospital.pk], [987654], ["x"]):
        response = client.patch(f"/api/v1/libraries/{sharing.pk}/", {"shared_with": ids}, format="json")
        assert response.status_code == 400, response.data
        answers.append(response.json())
    assert answers[0] == answers[1] == answers[2]
    assert "sans lien avec la vôtre" in answers[0]["shared_with"][0]
    assert not sharing.shared_with.exists()
    created = client.post(
        "/api/v1/libraries/",
        {"organization": group.pk, "name": "Autre", "visibility": "shared", "shared_with": [other_hospital.pk]},
        format="json",
    )
    assert created.status_code == 400 and created.json() == answers[0]
    assert not Library.objects.filter(name="Autre").exists()


def test_f10_member_hospitals_and_their_groups_are_related(sharing, curator, hospital, hospital_admin, group):
    response = api(curator).patch(f"/api/v1/libraries/{sharing.pk}/", {"shared_with": [hospital.pk]}, format="json")
    assert response.status_code == 200 and response.json()["shared_with"] == [hospital.pk]
    own = Library.objects.create(organization=hospital, name="Clauses du CHU")
    response = api(hospital_admin).patch(f"/api/v1/libraries/{own.pk}/", {"shared_with": [group.pk]}, format="json")
    assert response.status_code == 200 and response.json()["shared_with"] == [group.pk]


def test_f10_a_share_made_before_stays_until_unticked(sharing, curator, other_hospital):
    sharing.shared_with.add(other_hospital)  # shared before the rule, or before the hospital left the group
    response = api(curator).patch(
        f"/api/v1/libraries/{sharing.pk}/", {"shared_with": [other_hospital.pk], "description": "x"}, format="json"
    )
    assert response.status_code == 200


# --- F12: deeply nested JSON → 400 naming the field, never a RecursionError -------------------------------


def nested(levels, leaf="1"):
    return "[" * levels + leaf + "]" * levels


@pytest.fixture
def answered(dataset_a):
    return dataset_a


def test_f12_ten_thousand_levels_in_committed_values_is_a_400_naming_the_field(answered):
    events = AuditEvent.objects.count()
    body = '{"criterion": %d, "text": "x", "committed_values": {"v": %s}}' % (answered.criterion.pk, nested(10_000))
    response = api(answered.admin).post(
        f"/api/v1/bids/{answered.bid.pk}/answers/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["committed_values"] and "32" in response.json()["committed_values"][0]
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("levels", [33, 900, 10_000])
def test_f12_every_json_input_is_bounded(answered, levels):
    body = '{"clause": %d, "parameters": {"p": %s}}' % (answered.clause.pk, nested(levels))
    response = api(answered.admin).post(
        f"/api/v1/tenders/{answered.tender.pk}/clauses/", body, content_type="application/json"
    )
    assert response.status_code == 400 and list(response.json()) == ["parameters"]
    top = api(answered.admin).post("/api/v1/libraries/import/", nested(levels), content_type="application/json")
    assert top.status_code == 400 and "niveaux" in str(top.json())


def test_f12_nesting_inside_strings_does_not_count(answered):
    from organizations.jsondepth import text_too_deep

    assert text_too_deep('{"a": "' + "[" * 100 + '", "b": "\\"[[[["}') is None
    assert text_too_deep('{"a": [1], "b": ' + nested(40) + "}") == "b"


def test_f12_the_service_and_the_audit_trail_never_recurse(answered):
    deep = value = []
    for _ in range(10_000):
        value.append([])
        value = value[0]
    with pytest.raises(ApplicationError) as refused:
        scoring.answer_set(
            user=answered.admin, bid=answered.bid, criterion=answered.criterion, text="x", committed_values={"v": deep}
        )
    assert "committed_values" in refused.value.errors
    from scoring.services.trail import _bounded

    assert _bounded({"v": deep}) == {"omitted": "nested too deeply"}
    assert Answer.objects.get(bid=answered.bid, criterion=answered.criterion).committed_values in ({}, None)


# --- I2: password-reset links from SITE_URL; HSTS only when configured ------------------------------------


def test_i2_the_reset_link_ignores_the_request_host(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://clausier.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    member(OrganizationFactory(name="CHU R"), "buyer", username="reset", email="reset@chu.test")
    response = Client(HTTP_HOST="attacker.example").post("/password-reset/", {"email": "reset@chu.test"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert "https://clausier.example/password-reset/" in message.body
    assert "attacker.example" not in message.body


def test_i2_hsts_is_sent_over_https_only_when_configured(monkeypatch, settings):
    assert settings_with(monkeypatch, DEBUG="False", SECRET_KEY="k" * 50)["SECURE_HSTS_SECONDS"] == 0
    configured = settings_with(monkeypatch, DEBUG="False", SECRET_KEY="k" * 50, SECURE_HSTS_SECONDS="31536000")
    assert configured["SECURE_HSTS_SECONDS"] == 31536000
    settings.SECURE_HSTS_SECONDS = 0
    assert "Strict-Transport-Security" not in Client().get("/login/", secure=True)
    settings.SECURE_HSTS_SECONDS = 31536000
    assert Client().get("/login/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in Client().get("/login/")  # plain http: never


# --- I3: placeholders inside Markdown link targets --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[le portail]({{ url }})",
        '[le portail](https://{{ host }}/a "{{ url }}")',
        "<https://{{ host }}/b>",
        "![logo]({{ url }})",
    ],
)
def test_i3_a_placeholder_in_a_link_target_renders_as_text(body):
    values = {"url": 'javascript:alert(1)"><script>x</script>', "host": "h.fr"}
    html = render_html(body, values)
    assert not re.findall(r'="[^"]*<', html)  # no markup inside an attribute: the tag is whole
    assert "href" not in html and "<script" not in html
    if not body.startswith("!"):
        assert 'class="param"' in html  # the value is shown, as text (an image shows its alt text only)


def test_i3_fill_text_keeps_a_value_inside_its_link_target():
    filled = fill_text("Voir [le portail]({{ url }}) puis **la suite**.", {"url": "a b) [z](javascript:x)"})
    links = [t for block in tokens(filled) for t in (block.children or []) if t.type == "link_open"]
    assert len(links) == 1  # the value made no second link
    assert "**la suite**" in filled


# --- I5: DEBUG off by default, the development key refused, OpenAPI docs signed-in ------------------------


def test_i5_debug_is_off_unless_set_and_then_a_real_key_is_required(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required"):
        settings_with(monkeypatch)
    with pytest.raises(ImproperlyConfigured, match="development key"):
        settings_with(monkeypatch, SECRET_KEY="insecure-development-key-only-for-debug")
    with pytest.raises(ImproperlyConfigured, match="development key"):
        settings_with(monkeypatch, DEBUG="False", SECRET_KEY="django-insecure-abc")
    production = settings_with(monkeypatch, SECRET_KEY="k" * 50)
    assert production["DEBUG"] is False and production["SESSION_COOKIE_SECURE"] is True
    assert settings_with(monkeypatch, DEBUG="True")["DEBUG"] is True


def test_i5_the_api_docs_need_a_sign_in_in_production(settings, hospital_admin):
    settings.DEBUG = False
    assert APIClient().get("/api/schema/").status_code in (401, 403)
    docs = Client().get("/api/docs/")
    assert docs.status_code == 302 and "/login/" in docs["Location"]
    assert api(hospital_admin).get("/api/schema/").status_code == 200
    client = Client()
    client.force_login(hospital_admin)
    assert client.get("/api/docs/").status_code == 200
    settings.DEBUG = True
    assert APIClient().get("/api/schema/").status_code == 200


# --- I6: e-mails longer than a user name -------------------------------------------------------------------


def test_i6_an_invitation_to_a_254_character_address_is_accepted(hospital, hospital_admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    address = ("p" * 64) + "@" + ".".join(["d" * 60] * 3) + ".fr"
    assert len(address) > 150
    invitation = org_services.invitation_create(user=hospital_admin, organization=hospital, email=address, role="buyer")
    user = org_services.invitation_accept(
        invitation=invitation, first_name="Long", last_name="Nom", password="Une-phrase-2026!"
    )
    user.refresh_from_db()
    assert user.email == address and len(user.username) <= 150
    user.full_clean()  # what PostgreSQL's varchar(150) would refuse
    assert AuditEntry.objects.filter(action="invite_accept", target=address).exists()
    # A second account for the same address is refused, even with its user name derived.
    again = (
        org_services.invitation_create(
            user=hospital_admin, organization=OrganizationFactory(name="Autre"), email=address, role="buyer"
        )
        if False
        else None
    )
    assert again is None
    other = OrganizationFactory(name="Groupe L", kind=Organization.Kind.PURCHASING_GROUP)
    admin = member(other, "admin", username="admin-l")
    second = org_services.invitation_create(user=admin, organization=other, email=address, role="buyer")
    with pytest.raises(ApplicationError):
        org_services.invitation_accept(invitation=second, first_name="L", last_name="N", password="Une-phrase-2026!")


def test_f12_the_pages_json_boxes_and_the_library_file_upload_are_bounded_too(group):
    from django import forms
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clause_library.forms import JSONListField, LibraryImportForm

    with pytest.raises(forms.ValidationError, match="32"):
        JSONListField().clean(nested(10_000))
    assert JSONListField().clean(nested(3)) == [[[1]]]
    upload = SimpleUploadedFile("bibliotheque.json", nested(10_000).encode(), content_type="application/json")
    form = LibraryImportForm(data={}, files={"file": upload}, organizations=Organization.objects.filter(pk=group.pk))
    assert not form.is_valid() and "32" in str(form.errors["file"])


def test_i3_the_migration_renders_again_the_stored_previews_with_a_placeholder_in_a_link(group, curator):
    import importlib

    from django.apps import apps

    from clause_library.models import ClauseVersion

    from ..factories import make_clause

    migration = importlib.import_module("clause_library.migrations.0009_clause_preview_placeholders_in_links")
    library = Library.objects.create(organization=group, name="Liens")
    linked = make_clause(
        library,
        key="portail",
        user=curator,
        body="Voir [le portail](https://x.fr/{{ fhir_version }}) sous {{ delai_jours }} jours.",
    ).current
    plain = make_clause(library, key="sans-lien", user=curator).current
    broken = '<p><a href="https://x.fr/<span class="param">R4</span>">le portail</a></p>'
    ClauseVersion.objects.filter(pk=linked.pk).update(preview_html=broken)
    ClauseVersion.objects.filter(pk=plain.pk).update(preview_html="<p>inchangé</p>")
    migration.rerender_previews_with_placeholders_in_links(apps, None)
    preview = ClauseVersion.objects.get(pk=linked.pk).preview_html
    assert "href" not in preview and "le portail (https://x.fr/" in preview
    assert ClauseVersion.objects.get(pk=plain.pk).preview_html == "<p>inchangé</p>"


def test_f7_a_redis_outage_lets_sign_ins_through_and_the_lockout_still_holds(settings):
    """Nothing listens on port 1: the counters cannot be read. No 500; axes (database) still locks."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    member(OrganizationFactory(name="CHU P"), "buyer", username="panne")
    client = Client(REMOTE_ADDR="203.0.113.75")
    assert client.post("/login/", {"username": "panne", "password": PASSWORD}).status_code == 302
    token = APIClient().post("/api/v1/auth/token/", {"username": "panne", "password": PASSWORD}, format="json")
    assert token.status_code == 200
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        Client(REMOTE_ADDR="203.0.113.76").post("/login/", {"username": "panne", "password": f"g{n}"})
    locked = Client(REMOTE_ADDR="203.0.113.76").post("/login/", {"username": "panne", "password": PASSWORD})
    assert locked.status_code == 429

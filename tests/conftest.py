import asyncio
import os

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import override_settings
from rest_framework.test import APIClient

from organizations.models import Organization

from . import parallel, s3
from .factories import LibraryFactory, OrganizationFactory, member

# The project's own hashers (config/settings.py, else Django's defaults), read before the test session
# swaps them for the fast one below.
PRODUCTION_PASSWORD_HASHERS = list(django_settings.PASSWORD_HASHERS)
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    from config.celery import app

    parallel.use_own_broker(django_settings, app)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        _close_the_browser_loops_connections()


def _close_the_browser_loops_connections():
    """Playwright's sync API keeps an asyncio loop running in the main thread while a browser fixture is
    open, and while a loop runs Django keeps that thread's database connections apart from the ones
    pytest-django manages (asgiref's Local follows the loop). The connection a browser test's own code
    opened was never closed, and PostgreSQL refused to drop the test database at the end of the run
    ("is being accessed by other users"). Closed here once the test has run; outside a loop there is
    nothing to do (pytest-django's connection must stay open: it holds the test's transaction)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    connections.close_all()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Factories and the demo commands give every user a password: the production hasher (PBKDF2, ~0.4 s
    per password here) made up most of the suite's time. Tests where hashing is the point (sign-in,
    lockout, password change and reset) ask for `production_password_hashers`."""
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


@pytest.fixture
def production_password_hashers(settings):
    """The project's own password hashers for this test (sign-in, lockout, password change and reset)."""
    settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _no_prerender(settings):
    """No background pre-render of a draft's pieces after each edit (issue 29): with a real worker it would
    compete with the jobs a test waits for. tests/documents/test_prerender.py turns it on where it is the point."""
    settings.DOCUMENT_PRERENDER = False


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _document_storage(settings):
    """DOCUMENT_STORAGE=s3: every test's files go to a fresh bucket on the S3 test server
    (S3_TEST_ENDPOINT_URL) instead of a temporary folder, so the document tests run on both storages."""
    if os.environ.get("DOCUMENT_STORAGE", "filesystem") != "s3":
        yield
        return
    if not s3.endpoint_url():
        pytest.fail(f"DOCUMENT_STORAGE=s3 needs {s3.ENDPOINT_VARIABLE} (.ci/run starts moto's server and sets it)")
    bucket = s3.create_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_entry(bucket)}
    yield
    s3.delete_bucket(bucket)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache: one test's sign-ins must not throttle the next one's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _invitation_emails_in_process(monkeypatch):
    """Invitation e-mails are a worker's job (organizations.tasks); the tests run it in process, at once,
    its retries included, instead of leaving messages in the broker's queue folder."""
    from organizations.tasks import invitation_send

    monkeypatch.setattr(invitation_send, "apply_async", lambda args, **options: invitation_send.apply(args=args))


@pytest.fixture(autouse=True)
def _imports_in_process(monkeypatch):
    """Imports of a vendor's file are a worker's job (scoring.tasks); the tests run it in process, at once, so
    the request finds it finished. tests/scoring/test_import_jobs.py runs them with a real worker too."""
    from scoring.tasks import run_import

    monkeypatch.setattr(run_import, "apply_async", lambda args, **options: run_import.apply(args=args))


@pytest.fixture
def group():
    return OrganizationFactory(name="Groupement", kind=Organization.Kind.PURCHASING_GROUP)


@pytest.fixture
def hospital():
    return OrganizationFactory(name="CHU", kind=Organization.Kind.HOSPITAL)


@pytest.fixture
def other_hospital():
    return OrganizationFactory(name="CH Autre", kind=Organization.Kind.HOSPITAL)


@pytest.fixture
def curator(group):
    return member(group, "curator", username="curator")


@pytest.fixture
def hospital_admin(hospital):
    return member(hospital, "admin", username="chu-admin")


@pytest.fixture
def buyer(hospital):
    return member(hospital, "buyer", username="buyer")


@pytest.fixture
def evaluator(hospital):
    return member(hospital, "evaluator", username="eval1")


@pytest.fixture
def outsider(other_hospital):
    return member(other_hospital, "admin", username="outsider")


@pytest.fixture
def library(group):
    return LibraryFactory(organization=group, name="Référence")


def api_client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api():
    return api_client


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request sent in English leaves English active in the
    thread (LocaleMiddleware does not switch back), which would change the next test's messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def scoring_settled(monkeypatch):
    """Close-technical as if every cell were scored and every dispersed cell had its consensus: for tests
    whose subject is what follows a close (the refusal itself: tests/scoring/test_close_refusal.py)."""
    from scoring.services import evaluation

    monkeypatch.setattr(evaluation, "_open_scoring", lambda tender: [])

"""The processes of `make test` (pytest-xdist) each use a Redis broker database of their own."""

from types import SimpleNamespace

import pytest
from django.db import connection

from tests.parallel import broker_url_for_worker, use_own_broker, worker_index


def test_each_process_gets_the_next_redis_database():
    assert broker_url_for_worker("redis://127.0.0.1:6379/5", 0) == "redis://127.0.0.1:6379/5"
    assert broker_url_for_worker("redis://127.0.0.1:6379/5", 1) == "redis://127.0.0.1:6379/6"
    assert broker_url_for_worker("redis://:secret@redis.internal:6380", 2) == "redis://:secret@redis.internal:6380/2"
    assert broker_url_for_worker("rediss://127.0.0.1:6379/15", 1) == "rediss://127.0.0.1:6379/0"


def test_a_plain_run_and_other_brokers_keep_their_url():
    assert broker_url_for_worker("redis://127.0.0.1:6379/5", None) == "redis://127.0.0.1:6379/5"
    assert broker_url_for_worker("filesystem://", 3) == "filesystem://"


def test_the_worker_index_comes_from_pytest_xdist():
    assert worker_index({"PYTEST_XDIST_WORKER": "gw3"}) == 3
    assert worker_index({}) is None


def test_settings_the_celery_app_and_the_environment_follow():
    settings = SimpleNamespace(CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    app = SimpleNamespace(conf=SimpleNamespace(broker_url=settings.CELERY_BROKER_URL))
    environ = {"PYTEST_XDIST_WORKER": "gw1", "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    use_own_broker(settings, app, environ)
    assert settings.CELERY_BROKER_URL == app.conf.broker_url == environ["CELERY_BROKER_URL"]
    assert settings.CELERY_BROKER_URL == "redis://127.0.0.1:6379/1"


def test_this_process_uses_its_own_test_database(db):
    index = worker_index()
    if index is None or connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL run under pytest -n (SQLite's test database is in memory, one per process)")
    assert connection.settings_dict["NAME"].endswith(f"_gw{index}")

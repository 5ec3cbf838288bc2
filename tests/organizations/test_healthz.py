"""/healthz: 200 when the database, the broker and the storage answer; 503 naming the part that is down.
No authentication, no session cookie, no secret in the answer."""

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client

from config.s3 import s3_client_config

pytestmark = pytest.mark.django_db

CLOSED_PORT = 1  # nothing listens on tcpmux


def get_health():
    return Client().get("/healthz")


def test_it_answers_ok_with_each_check_to_anyone(django_assert_num_queries):
    with django_assert_num_queries(1):  # SELECT 1, nothing else: no session, no user
        response = get_health()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "storage": "ok"}}
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_it_names_the_broker_when_the_broker_port_is_closed(settings):
    settings.CELERY_BROKER_URL = f"redis://:s3cret-password@127.0.0.1:{CLOSED_PORT}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    response = get_health()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "down", "storage": "ok"}}
    assert b"s3cret" not in response.content and b"127.0.0.1" not in response.content


def test_it_names_the_database_when_its_cursor_fails():
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("password authentication failed")):
        response = get_health()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "down", "broker": "ok", "storage": "ok"}
    assert b"password" not in response.content


def test_it_names_the_storage_when_the_object_store_does_not_answer(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "clausier-documents",
                "endpoint_url": f"http://127.0.0.1:{CLOSED_PORT}",
                "access_key": "key-id",
                "secret_key": "secret-key-value",
                "region_name": "us-east-1",
                "client_config": s3_client_config(addressing_style="path", connect_timeout=1),
            },
        },
    }
    response = get_health()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "storage": "down"}
    assert b"secret" not in response.content and b"clausier-documents" not in response.content


def test_it_only_answers_reads():
    assert Client().post("/healthz").status_code == 405


def test_it_answers_over_plain_http_when_every_page_redirects_to_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert get_health().status_code == 200
    assert Client().get("/login/").status_code == 301

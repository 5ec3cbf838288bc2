"""Production serving: with DEBUG=False and the hashed, compressed storage that `collectstatic` fills,
WhiteNoise serves the styles and scripts a page links to, through the WSGI app (django.test.Client),
with a one-year immutable cache on the hashed names."""

import re

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

# Brotli at its best level takes minutes over the 22 MB of the admin's, the API docs' and every
# Bootstrap variant: the test collects what the login page links (and the maps those files name).
NOT_ON_THE_LOGIN_PAGE = [
    "admin",
    "rest_framework",
    "drf_spectacular_sidecar",
    "bootstrap-*",
    "*.rtl.*",
    "bootstrap.css*",
    "bootstrap.js*",
    "bootstrap.min.js*",
    "bootstrap.esm*",
    "bootstrap.bundle.js*",
    "jquery*",
]


@pytest.fixture
def production_static(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0, ignore_patterns=NOT_ON_THE_LOGIN_PAGE)
    # A fresh storage object reads the manifest collectstatic just wrote.
    settings.STORAGES = {**settings.STORAGES}
    return settings.STATIC_ROOT


def max_age(response):
    return int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))


def test_it_serves_a_page_and_its_hashed_stylesheet_and_script_without_debug(production_static):
    client = Client()  # its WSGI handler (and WhiteNoise) starts after collectstatic

    page = client.get("/login/")
    assert page.status_code == 200
    html = page.content.decode()
    stylesheet = re.search(r'href="(/static/css/clausier\.[0-9a-f]{12}\.css)"', html).group(1)
    script = re.search(r'src="(/static/bootstrap/js/bootstrap\.bundle\.min\.[0-9a-f]{12}\.js)"', html).group(1)
    assert 'href="/static/css/clausier.css"' not in html

    css = client.get(stylesheet)
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert "immutable" in css["Cache-Control"] and max_age(css) >= 31536000
    body = b"".join(css.streaming_content)
    assert body == (production_static / stylesheet.removeprefix("/static/")).read_bytes()
    assert b"{" in body  # a real stylesheet, the one in static/css

    js = client.get(script, HTTP_ACCEPT_ENCODING="gzip")
    assert js.status_code == 200
    assert js["Content-Encoding"] == "gzip"  # compressed once at collectstatic, not per request
    assert "immutable" in js["Cache-Control"] and max_age(js) >= 31536000

    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404


def test_the_development_storage_needs_no_collectstatic(settings):
    # DEBUG=True (make run): plain names, straight from static/ and the apps.
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
    assert storages["staticfiles"].url("css/clausier.css") == "/static/css/clausier.css"

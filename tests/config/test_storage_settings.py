"""STORAGE_BACKEND picks the file storage from the environment; the folder is the default."""

import json
import os
import subprocess
import sys

import pytest

SHOW_STORAGE = (
    "import json; from django.conf import settings; entry = settings.STORAGES['default']; "
    "options = {k: v for k, v in entry.get('OPTIONS', {}).items() if k != 'client_config'}; "
    "print(json.dumps({'backend': entry['BACKEND'], **options}))"
)


def settings_with(**variables):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_BACKEND"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **variables)
    return subprocess.run([sys.executable, "-c", SHOW_STORAGE], env=env, capture_output=True, text=True)


def test_without_variables_files_go_to_the_local_folder():
    shown = settings_with()
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout.splitlines()[-1])["backend"] == "django.core.files.storage.FileSystemStorage"


def test_s3_is_private_with_short_signed_urls():
    shown = settings_with(
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="clausier-documents",
        AWS_S3_ENDPOINT_URL="https://s3.example",
        AWS_S3_REGION_NAME="eu-west-3",
        AWS_QUERYSTRING_EXPIRE="120",
    )
    assert shown.returncode == 0, shown.stderr
    options = json.loads(shown.stdout.splitlines()[-1])
    assert options["backend"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "clausier-documents"
    assert options["endpoint_url"] == "https://s3.example"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 120
    assert options["file_overwrite"] is False


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"STORAGE_BACKEND": "s3"}, "AWS_STORAGE_BUCKET_NAME is required"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be 'filesystem' or 's3'"),
    ],
)
def test_a_wrong_storage_configuration_stops_the_start(variables, message):
    shown = settings_with(**variables)
    assert shown.returncode != 0
    assert message in shown.stderr

"""The organisation as a SMART client: signing keys encrypted at rest, rotation with a grace period, the JWKS
endpoint, and client assertions that verify with the published keys."""

from datetime import timedelta

import jwt
import pytest
from cryptography.fernet import InvalidToken
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from conformance import identity
from conformance.models import ClientKey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("algorithm", ["ES384", "RS384"])
def test_a_key_is_encrypted_at_rest_and_signs_an_assertion_the_jwks_verifies(hospital, algorithm):
    key = identity.create_key(hospital, algorithm)
    stored = ClientKey.objects.get(pk=key.pk).private_key_encrypted
    assert "PRIVATE KEY" not in stored and "BEGIN" not in stored
    published = identity.jwks(hospital)["keys"]
    assert [jwk["kid"] for jwk in published] == [key.kid]
    assert published[0]["alg"] == algorithm and published[0]["use"] == "sig"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(published[0])  # public members only
    assert published[0]["kid"] == identity.thumbprint(published[0])

    token_url = "https://sandbox.example.org/auth/token"
    assertion = identity.client_assertion(key, "clausier-chu", token_url)
    header = jwt.get_unverified_header(assertion)
    assert header["kid"] == key.kid and header["alg"] == algorithm
    public = jwt.PyJWK(published[0]).key
    claims = jwt.decode(assertion, public, algorithms=[algorithm], audience=token_url)
    assert claims["iss"] == claims["sub"] == "clausier-chu"
    assert 0 < claims["exp"] - claims["iat"] <= 300
    assert len(claims["jti"]) >= 32
    assert identity.client_assertion(key, "clausier-chu", token_url) != assertion  # a fresh jti each time


def test_the_key_cannot_be_read_with_another_secret(hospital):
    key = identity.create_key(hospital)
    with override_settings(SECRET_KEY="another-secret"), pytest.raises(InvalidToken):
        identity.private_key(key)


def test_rotation_keeps_the_old_key_published_for_the_grace_period_only(hospital, other_hospital):
    first = identity.active_key(hospital)
    second = identity.rotate_key(hospital, "RS384")
    assert identity.active_key(hospital) == second
    assert {jwk["kid"] for jwk in identity.jwks(hospital)["keys"]} == {first.kid, second.kid}
    # Past the grace period the retired key is no longer published.
    ClientKey.objects.filter(pk=first.pk).update(retired_at=timezone.now() - timedelta(days=8))
    with override_settings(PROBE_KEY_GRACE_DAYS=7):
        assert [jwk["kid"] for jwk in identity.jwks(hospital)["keys"]] == [second.kid]
    # Another organisation has keys of its own.
    assert second.kid not in {jwk["kid"] for jwk in identity.jwks(other_hospital)["keys"]}


def test_the_jwks_endpoint_is_public_and_gives_public_keys_only(client, hospital):
    response = client.get(f"/api/v1/organizations/{hospital.pk}/jwks/")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "EC" and "d" not in keys[0]
    assert client.get(f"/api/v1/organizations/{hospital.pk}/jwks/").json() == response.json()  # stable
    assert client.get("/api/v1/organizations/999999/jwks/").status_code == 404


def test_the_management_command_rotates(hospital, capsys):
    first = identity.active_key(hospital)
    call_command("probe_client_key", "rotate", str(hospital.pk), "--alg", "RS384")
    out = capsys.readouterr().out
    assert "RS384" in out and first.kid in out  # the old key is still published
    assert identity.active_key(hospital).algorithm == "RS384"

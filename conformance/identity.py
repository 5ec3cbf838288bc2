"""An organisation's identity as a SMART Backend Services client: its signing keys, their JWKS, the
`private_key_jwt` client assertion.

- Keys: ES384 (P-384) by default, or RS384 (RSA 3072). The private key is stored as PKCS#8 PEM encrypted with
  Fernet; the Fernet key is derived from SECRET_KEY with HKDF-SHA256 (salt and info fixed below), so a database
  dump alone does not give the keys. Changing SECRET_KEY makes the stored keys unreadable: rotate them then
  (`manage.py probe_client_key rotate`) and have the vendors register the new JWKS.
- Rotation creates a new active key and retires the previous one; a retired key stays in the JWKS for
  PROBE_KEY_GRACE_DAYS so a vendor that fetched the JWKS before the rotation can still verify, then drops out.
- `kid` is the RFC 7638 thumbprint of the public key.
"""

import base64
import hashlib
import json
import secrets
import time
from datetime import timedelta

import jwt
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import ClientKey

ALGORITHMS = ("ES384", "RS384")
ASSERTION_LIFETIME = 300  # seconds: SMART Backend Services asks for no more than five minutes
_HKDF_SALT = b"clausier-smart-client-keys"
_HKDF_INFO = b"fernet key for conformance.ClientKey.private_key_encrypted"


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_bytes(value, length=None):
    length = length or (value.bit_length() + 7) // 8
    return value.to_bytes(length, "big")


def _fernet():
    secret = settings.SECRET_KEY.encode("utf-8")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def _public_jwk(public_key):
    """The public JWK members (RFC 7517/7518) of an EC P-384 or RSA key, without kid/alg."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        return {"kty": "EC", "crv": "P-384", "x": _b64(_int_bytes(numbers.x, 48)), "y": _b64(_int_bytes(numbers.y, 48))}
    numbers = public_key.public_numbers()
    return {"kty": "RSA", "e": _b64(_int_bytes(numbers.e)), "n": _b64(_int_bytes(numbers.n))}


def thumbprint(jwk):
    """RFC 7638: SHA-256 of the required members in lexicographic order, no spaces."""
    required = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({key: jwk[key] for key in required}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode("utf-8")).digest())


def _generate(algorithm):
    if algorithm == "ES384":
        return ec.generate_private_key(ec.SECP384R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def create_key(organization, algorithm="ES384"):
    """A new active key for `organization`; the keys active until now are retired (kept for the grace period)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported algorithm {algorithm}")
    return store_key(organization, _generate(algorithm), algorithm)


def store_key(organization, private, algorithm):
    """Keep `private` (a cryptography EC P-384 or RSA private key) as the organisation's new active key."""
    jwk = _public_jwk(private.public_key())
    kid = thumbprint(jwk)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with transaction.atomic():
        ClientKey.objects.filter(organization=organization, retired_at__isnull=True).update(retired_at=timezone.now())
        return ClientKey.objects.create(
            organization=organization,
            kid=kid,
            algorithm=algorithm,
            public_jwk=jwk | {"kid": kid, "alg": algorithm, "use": "sig", "key_ops": ["verify"]},
            private_key_encrypted=_fernet().encrypt(pem).decode("ascii"),
        )


rotate_key = create_key


def active_key(organization, create=True):
    key = ClientKey.objects.filter(organization=organization, retired_at__isnull=True).first()
    if key is None and create:
        key = create_key(organization)
    return key


def published_keys(organization, now=None):
    """The active key and the keys retired less than PROBE_KEY_GRACE_DAYS ago, newest first."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PROBE_KEY_GRACE_DAYS)
    return list(
        ClientKey.objects.filter(organization=organization).filter(
            Q(retired_at__isnull=True) | Q(retired_at__gt=cutoff)
        )
    )


def jwks(organization):
    """The JWKS the vendor registers (public keys only). Creates the first key when there is none."""
    active_key(organization)
    return {"keys": [dict(key.public_jwk) for key in published_keys(organization)]}


def private_key(key):
    pem = _fernet().decrypt(key.private_key_encrypted.encode("ascii"))
    return serialization.load_pem_private_key(pem, password=None)


def client_assertion(key, client_id, token_url, now=None):
    """The signed JWT of `private_key_jwt` (RFC 7523) as SMART Backend Services asks: iss = sub = client_id,
    aud = the token URL, a fresh jti, exp at most five minutes ahead; kid in the header."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "jti": secrets.token_urlsafe(32),
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME,
    }
    return jwt.encode(claims, private_key(key), algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"})

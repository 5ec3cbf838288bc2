"""Clausier settings: one file, every knob from the environment.

With no environment at all the app runs as in production: DEBUG off, and SECRET_KEY is then required
(the development key is refused). `make run`, `make lint` and the tests (config/test_settings.py) set
DEBUG=True for themselves: SQLite file, a filesystem Celery broker, the development key.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    """A string setting; `NAME_FILE` (a path) wins, so secrets can come from files."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name, default):
    value = env(name)
    if value is None:
        return default
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be 'True' or 'False', got {value!r}")
    return value == "True"


def env_int(name, default):
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name, default):
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)  # on only when asked for (make run, tests): never by omission
# make run's demo sets FRIENDLY_404=True: unknown pages show templates/404.html even with DEBUG on.
FRIENDLY_404 = env_bool("FRIENDLY_404", False)
DEVELOPMENT_SECRET_KEY = "insecure-development-key-only-for-debug"
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG=False (development: set DEBUG=True)")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is a development key: give a random one when DEBUG=False")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",  # runserver serves static files the way production does
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "axes",
    "csp",
    "bootstrap",
    "organizations",
    "clause_library",
    "documents",
    "tenders",
    "scoring",
    "conformance",
    "contracts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files under gunicorn, before any session work
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "organizations.middleware.RequestSizeLimitMiddleware",
    "organizations.middleware.DatabaseUnavailableMiddleware",  # database lost mid-request: 503, not 500
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so the headers above (CSP, X-Frame-Options) still reach its page.
    "organizations.middleware.FriendlyNotFoundMiddleware",  # FRIENDLY_404: no URL list on a typo in demos
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that does not answer fails a request (and /healthz) in seconds, not after minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "organizations.oidc.Backend",  # single sign-on: only inside the OIDC callback
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our few departures from Django's locale data (French groups thousands with a narrow no-break space).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

# Files. Generated documents go through Django's storage API only: the local folder MEDIA_ROOT by
# default (no server), or an S3-compatible object store with STORAGE_BACKEND=s3. Documents are
# private: no public ACL, and any URL handed out is signed and short-lived.
STORAGE_BACKEND = env("STORAGE_BACKEND", "filesystem")
if STORAGE_BACKEND == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    from config.s3 import s3_storage

    if not env("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME is required when STORAGE_BACKEND=s3")
    DEFAULT_STORAGE = s3_storage(
        bucket_name=env("AWS_STORAGE_BUCKET_NAME"),
        endpoint_url=env("AWS_S3_ENDPOINT_URL"),  # unset: AWS itself
        region_name=env("AWS_S3_REGION_NAME"),
        access_key=env("AWS_ACCESS_KEY_ID"),  # unset: boto3's own chain (instance role…)
        secret_key=env("AWS_SECRET_ACCESS_KEY"),
        location=env("AWS_LOCATION", ""),
        url_expiry_seconds=env_int("AWS_QUERYSTRING_EXPIRE", 300),
        addressing_style=env("AWS_S3_ADDRESSING_STYLE"),  # "path" for most self-hosted stores
        connect_timeout=env_int("AWS_S3_CONNECT_TIMEOUT", 5),
        read_timeout=env_int("AWS_S3_READ_TIMEOUT", 30),
    )
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', got {STORAGE_BACKEND!r}")
# Downloads of generated documents go through the authorising view only (never a media route).
# In production the view may hand the bytes to the web server (nginx `internal` location mapped to
# this prefix, answered with X-Accel-Redirect) or, on an object store, redirect to a signed URL.
DOCUMENT_ACCEL_REDIRECT_PREFIX = env("DOCUMENT_ACCEL_REDIRECT_PREFIX", "")
DOCUMENT_DOWNLOAD_REDIRECT = env_bool("DOCUMENT_DOWNLOAD_REDIRECT", False)
STORAGES = {
    "default": DEFAULT_STORAGE,
    # Production (DEBUG=False, after `collectstatic`): hashed, compressed files that WhiteNoise serves
    # with a one-year immutable cache. In development the plain storage needs no collectstatic.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: library files and answer forms are small; anything bigger is refused early.
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
# The requirements × bids matrix posts three fields per cell (10 bids × 100 requirements: 3,000); Django's
# default of 1,000 would refuse a large tender's matrix with a 400.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000

# Security headers; cookies and HSTS turn strict whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# HSTS only when the deployment says it serves https (a proxy terminating TLS, TRUSTED_PROXY_COUNT set):
# a wrong HSTS header locks browsers out of a plain-http intranet host for its whole lifetime.
# SecurityMiddleware sends it on https responses only (request.is_secure()).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http inside the network

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Organisations, people and sign-in (issues 16 and 18: tokens, proxies, e-mail, SSO) ---------------
# Proxies in front of the app that set X-Forwarded-For/-Proto. 0 (default): both headers are ignored,
# the client address is REMOTE_ADDR (throttles, lockout) and https is what the server itself saw.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT > 0 else None
AXES_CLIENT_IP_CALLABLE = "organizations.client_ip.client_ip"
# API tokens expire; a password change, deactivation, removal or sign-out revokes them.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30)
# E-mail (invitations, password reset): SMTP from the environment; `make run` sets the console backend.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Clausier <no-reply@localhost>")
PASSWORD_RESET_TIMEOUT = 3600  # seconds: a reset link lives one hour
# Single sign-on, OpenID Connect (docs/SSO.md). OIDC_PROVIDERS=chu,psc then, for each id (upper case):
# OIDC_CHU_ISSUER, OIDC_CHU_CLIENT_ID, OIDC_CHU_CLIENT_SECRET, OIDC_CHU_SCOPES, OIDC_CHU_NAME,
# OIDC_CHU_SIGN_ALGO (RS256), OIDC_CHU_ACR_VALUES (sent as acr_values, e.g. Pro Santé Connect's eidas1),
# OIDC_CHU_DOMAINS (e-mail domains the provider is authoritative for: only these are linked to an existing
# account, accepted by domain or for an invitation; empty: it signs in only people already bound to it),
# OIDC_CHU_ORGANIZATIONS (ids of the organisations it may sign people into; empty: any).
OIDC_PROVIDERS = {}
for _provider in env_list("OIDC_PROVIDERS", []):
    _prefix = "OIDC_" + _provider.upper().replace("-", "_") + "_"
    OIDC_PROVIDERS[_provider] = {
        "name": env(_prefix + "NAME", _provider),
        "issuer": env(_prefix + "ISSUER"),
        "client_id": env(_prefix + "CLIENT_ID"),
        "client_secret": env(_prefix + "CLIENT_SECRET"),
        "scopes": env(_prefix + "SCOPES", "openid email profile"),
        "sign_algo": env(_prefix + "SIGN_ALGO", "RS256"),
        "extra_params": {"acr_values": env(_prefix + "ACR_VALUES")} if env(_prefix + "ACR_VALUES") else {},
        "domains": [domain.lower().lstrip("@") for domain in env_list(_prefix + "DOMAINS", [])],
        "organizations": [int(pk) for pk in env_list(_prefix + "ORGANIZATIONS", [])],
    }
    if not all(OIDC_PROVIDERS[_provider][key] for key in ("issuer", "client_id", "client_secret")):
        raise ImproperlyConfigured(f"{_prefix}ISSUER, {_prefix}CLIENT_ID and {_prefix}CLIENT_SECRET are required")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False  # organizations.services.sso_user decides, never the library
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_REDIRECT_REQUIRE_HTTPS = not DEBUG
# --- end of the organisations block -------------------------------------------------------------------


# Throttle counters (sign-in, password reset, admin sign-in, API) live in the cache: with several server
# processes they must be shared, or each process counts apart and an attacker gets N times the rate.
# CACHE_URL (redis://…) wins; else REDIS_URL; else a Redis Celery broker's server, database 1 (the broker
# keeps its own database: clearing the cache must never drop queued jobs). No Redis: memory per process.
def _cache_location():
    explicit = env("CACHE_URL") or env("REDIS_URL")
    if explicit:
        return explicit
    broker = env("CELERY_BROKER_URL", "")
    if broker.startswith(("redis://", "rediss://")):
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(broker)
        return urlunsplit(parts._replace(path="/1"))
    return None


CACHE_LOCATION = _cache_location()
if CACHE_LOCATION and not CACHE_LOCATION.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL / REDIS_URL must be a redis:// URL, got {CACHE_LOCATION!r}")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_LOCATION,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "clausier"),
            # A Redis outage must not hang every sign-in: fail within seconds.
            "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
        }
        if CACHE_LOCATION
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Lockout: 5 failures per user name and address, then 15 minutes of refusal.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_CALLABLE = "organizations.lockout.lockout_response"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a revoked or missing credential then answers 401 (WWW-Authenticate: Token), not 403.
        "organizations.tokens.ExpiringTokenAuthentication",  # expiring, revocable, last use kept
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "organizations.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "organizations.api.parsers.JSONParser",  # refuses too-deep JSON with a 400
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "organizations.api.metadata.Metadata",  # OPTIONS never looks objects up
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "organizations.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": "20/min", "signin": env("SIGNIN_RATE_PER_IP", "30/min")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # X-Forwarded-For only through trusted proxies (see below)
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clausier API",
    "DESCRIPTION": "Interoperability clauses, tenders and bid scoring for hospitals.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["organizations.api.permissions.SignedInUnlessDebug"],  # I5
    # Two choice sets share a field name with another app's: each gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ProcedureEnum": "tenders.models.Procedure",
        "ContractProcedureEnum": "contracts.models.Procedure",
        "OrganizationKindEnum": "organizations.models.Organization.Kind",
        "ExecutionRequestKindEnum": "contracts.models.ExecutionRequest.Kind",
        "ContractDocumentKindEnum": ["penalty_statement"],
    },
}

# Celery: the embedded default is kombu's filesystem transport, no server needed.
CELERY_DATA_DIR = Path(env("CELERY_DATA_DIR", str(BASE_DIR / "var" / "celery")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # Every countdown and retry backoff stays below this (PITFALLS: redelivery loops).
    else {"visibility_timeout": 3600}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for folder in ("queue", "processed", "control"):
        (CELERY_DATA_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 600_000)  # KiB
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Beat (config/celery.py) sends the requeue jobs this often; its schedule file lives beside the queue.
REQUEUE_EVERY_SECONDS = env_int("REQUEUE_EVERY_SECONDS", 180)
# A job running for longer than this is requeued when no live worker reports holding it (its worker
# died whole); when no worker answers, only after the hard time limit + 60 s (documents/jobs.py).
REQUEUE_RUNNING_GRACE_SECONDS = env_int("REQUEUE_RUNNING_GRACE_SECONDS", 60)
# Imports of a vendor's file (answer form, price schedule) run in the worker; the request waits this long
# for the answer, then gives the job's address (202). Jobs still queued after IMPORT_EXPIRY_SECONDS end failed.
IMPORT_WAIT_SECONDS = float(env("IMPORT_WAIT_SECONDS", "10"))
# A clause version's preview is rendered once, when it is written, and stored: a text whose rendering takes more
# CPU than this is refused (400 on `body`), so no author can make the server work for seconds per write.
CLAUSE_PREVIEW_BUDGET_SECONDS = float(env("CLAUSE_PREVIEW_BUDGET_SECONDS", "1.0"))
IMPORT_EXPIRY_SECONDS = env_int("IMPORT_EXPIRY_SECONDS", 24 * 3600)
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")

# The piece at the click (documents/prerender.py, docs/RENDERING.md): a draft's pieces are rendered in the
# background this many seconds after the last edit (each edit supersedes the run scheduled before it), and a
# request whose inputs did not change gets the stored file at once. "kind.format", in the order rendered.
DOCUMENT_PRERENDER = env_bool("DOCUMENT_PRERENDER", True)
DOCUMENT_PRERENDER_DELAY_SECONDS = env_int("DOCUMENT_PRERENDER_DELAY_SECONDS", 4)
DOCUMENT_PRERENDER_PIECES = (
    "annex.pdf",
    "annex.docx",
    "ccap.pdf",
    "rc.pdf",
    "questionnaire.xlsx",
    "price_schedule.xlsx",
)
DOCUMENT_REUSE = env_bool("DOCUMENT_REUSE", True)

# Conformance probe: hosts whose addresses are not checked and that may use plain http (tests only).
PROBE_ALLOWED_HOSTS = env_list("PROBE_ALLOWED_HOSTS", [])
# A CA bundle (PEM) trusted to verify vendors' sandboxes (a hospital's own authority); empty: system CAs.
PROBE_CA_FILE = env("PROBE_CA_FILE", "") or None
# Seconds one fetch may take in all: connect, TLS handshake, headers and body together.
PROBE_DEADLINE = env_int("PROBE_DEADLINE", 10)
# Live probe (conformance/live.py): a retired signing key stays in the organisation's JWKS this many days.
PROBE_KEY_GRACE_DAYS = env_int("PROBE_KEY_GRACE_DAYS", 7)
# Longest wait for a Bulk Data export (status polling, Retry-After honoured up to it), seconds.
PROBE_EXPORT_CEILING = env_int("PROBE_EXPORT_CEILING", 600)
# Whole live run: wall-clock limit (seconds) and request limit.
PROBE_LIVE_DEADLINE = env_int("PROBE_LIVE_DEADLINE", 900)
PROBE_LIVE_MAX_REQUESTS = env_int("PROBE_LIVE_MAX_REQUESTS", 200)
# One NDJSON file downloaded by the live probe: size cap in bytes.
PROBE_NDJSON_MAX_BYTES = env_int("PROBE_NDJSON_MAX_BYTES", 20 * 1024 * 1024)
# Probes run on a queue of their own so a slow vendor never delays documents (workers: `-Q celery,probes`).
CELERY_TASK_ROUTES = {"conformance.tasks.run_probe": {"queue": "probes"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# Open Contracting: every tender's ocid is this prefix, "-", then its own number. A publisher registers its
# own prefix with the Open Contracting Partnership; "ocds-213czf" is the one the standard's examples use,
# fine for tests and demonstrations, never for real publication.
OCDS_OCID_PREFIX = env("OCDS_OCID_PREFIX", "ocds-213czf")

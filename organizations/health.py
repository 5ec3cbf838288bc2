"""`/healthz`: can this process serve? For load balancers and the drills.

Three checks, each cheap and bounded by a short timeout: the database answers `SELECT 1`, the Celery
broker accepts a connection, the file storage answers. 200 with `{"status": "ok", "checks": {...}}`
when all pass, 503 naming each part that is down. The body never carries an error message (a broker
URL or a storage error can hold a password or a bucket name): the details go to the log. No
authentication, no session, no cookie: the load balancer knows nothing of either.
"""

import logging

from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection
from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker():
    """One connection to the broker Django's settings name, one attempt, no retry loop."""
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=BROKER_TIMEOUT_SECONDS,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)


def check_storage():
    """An object store: its bucket exists and our keys may read it. A folder: Django can look in it."""
    storage = storages["default"]
    if isinstance(storage, S3Storage):
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    else:
        storage.exists("healthz")


CHECKS = {"database": check_database, "broker": check_broker, "storage": check_storage}


@never_cache
@require_safe
def healthz(request):
    checks = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure means "down"; which one is for the log, not the answer
            logger.warning("healthz: %s is down", name, exc_info=True)
            checks[name] = "down"
        else:
            checks[name] = "ok"
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )

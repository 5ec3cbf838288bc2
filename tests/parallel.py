"""What keeps the processes of `pytest -n N` (pytest-xdist, `make test`) apart.

pytest-django gives each process a test database of its own (test_<name>_gw0, _gw1, …); code that
opens its own connections reads the name from `connection.settings_dict`, so it follows. The Celery
broker is shared unless told otherwise: each process gets a Redis database number of its own here.
"""

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis's default `databases`


def worker_index(environ=os.environ):
    """0, 1, … in the processes of `pytest -n N` (pytest-xdist names them gw0, gw1, …); None in a plain run."""
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") else None


def broker_url_for_worker(url, index):
    """The Redis broker URL of process `index`: the database number of `url` plus the index (redis://…/5 →
    5 for gw0, 6 for gw1, …), so a Celery worker started by one process never takes a task queued by another
    (it would look for its row in the wrong test database). Queues, bindings and broadcasts all follow the
    database number (kombu prefixes its broadcast channels with it). Other brokers are left as they are."""
    if index is None or not url.startswith(("redis://", "rediss://")):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + index) % REDIS_DATABASES}"))


def use_own_broker(settings, app, environ=os.environ):
    """Point Django's settings, the Celery app and the environment (for a worker a test starts as a separate
    process) at this process's broker."""
    url = broker_url_for_worker(settings.CELERY_BROKER_URL, worker_index(environ))
    if url != settings.CELERY_BROKER_URL:
        settings.CELERY_BROKER_URL = environ["CELERY_BROKER_URL"] = url
        app.conf.broker_url = url

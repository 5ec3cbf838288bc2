"""The settings the test suite runs with (pyproject.toml: DJANGO_SETTINGS_MODULE).

`config.settings` defaults to production (DEBUG off, SECRET_KEY required). The tests run as a developer's
machine does: DEBUG=True unless the environment says otherwise, so the development key is allowed. Set in
the environment, not only here, so the servers and workers some tests start inherit it.
"""

import os

os.environ.setdefault("DEBUG", "True")

from config.settings import *  # noqa: E402,F403

# A shared Redis cache (throttle counters) would be shared by the processes of `pytest -n N` too, and its
# `clear()` (every test's fresh throttles) flushes the whole Redis database: each process gets a database of
# its own, above the brokers' (tests/parallel.py gives process i the broker database base + i).
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    _index = int(_worker[2:]) if _worker.startswith("gw") else 0
    _parts = urlsplit(CACHES["default"]["LOCATION"])  # noqa: F405
    CACHES["default"]["LOCATION"] = urlunsplit(_parts._replace(path=f"/{10 + _index % 6}"))  # noqa: F405

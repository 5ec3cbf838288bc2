"""The settings the test suite runs with (pyproject.toml: DJANGO_SETTINGS_MODULE).

`config.settings` defaults to production (DEBUG off, SECRET_KEY required). The tests run as a developer's
machine does: DEBUG=True unless the environment says otherwise, so the development key is allowed. Set in
the environment, not only here, so the servers and workers some tests start inherit it.
"""

import os

os.environ.setdefault("DEBUG", "True")

from config.settings import *  # noqa: E402,F403

"""Data built once for a whole module, for fixtures whose tests only read what it gives.

pytest-django's `db` is per test: a module-scoped fixture reaches the database through
`django_db_setup` and `django_db_blocker` instead. It builds its rows and reads what the tests need
(rendered bytes, extracted text, plain values) inside `rolled_back`, so nothing it made outlives it
and every test still starts from an empty database.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.utils import translation


@contextmanager
def rolled_back(django_db_blocker):
    """Database access outside a test, in a transaction rolled back at the end, in the default language."""
    with django_db_blocker.unblock(), transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        yield
        transaction.set_rollback(True)

from contextlib import contextmanager

import pytest

from tenders.models import Tender, TenderClause

from ..factories import make_clause

CATEGORIES = [
    "api_access",
    "bulk_export",
    "standards",
    "replication",
    "anti_blocking",
    "documentation",
    "roadmap",
    "national_framework",
    "security",
    "portability",
]


SINGLE_LOT_REASON = "Prestation indivisible : un seul système d'information patient."


def make_tender(organization, user=None, **kwargs):
    kwargs.setdefault("reference", "AO-2026-014")
    kwargs.setdefault("title", "Dossier patient informatisé")
    # Not divided into lots: the buyer records why before publishing (L2113-11).
    kwargs.setdefault("single_lot_reason", SINGLE_LOT_REASON)
    return Tender.objects.create(organization=organization, created_by=user, **kwargs)


def add_clause(tender, clause, position=None, **parameters):
    if position is None:
        position = tender.clauses.count()
    return TenderClause.objects.create(
        tender=tender, clause=clause, version=clause.current, position=position, parameters=parameters
    )


def make_clauses(library, count, prefix="clause"):
    return [
        make_clause(
            library,
            key=f"{prefix}-{index}",
            title=f"Clause numéro {index}",
            category=CATEGORIES[index % len(CATEGORIES)],
            requirement=("mandatory", "scored", "informative")[index % 3],
            question=f"Question {index} au candidat ?",
        )
        for index in range(count)
    ]


@pytest.fixture
def tender(hospital, buyer):
    return make_tender(hospital, buyer)


@pytest.fixture
def other_tender(other_hospital, outsider):
    return make_tender(other_hospital, outsider, reference="AO-AUTRE")


@pytest.fixture
def clause(visible_library):
    return make_clause(visible_library)


@pytest.fixture
def visible_library(library, hospital):
    library.shared_with.add(hospital)
    library.visibility = "shared"
    library.save()
    return library


@contextmanager
def in_process_worker(app):
    """A Celery worker in a thread of this process (tests need `transaction=True`).

    Each task closes its thread's database connections when it ends, so the test database can be
    dropped at the end of the session (the worker thread's connection would otherwise linger).
    """
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    import documents.tasks  # noqa: F401  (registers the task on the app)

    def close_connections(**kwargs):
        connections.close_all()

    task_postrun.connect(close_connections, weak=False)
    app.conf.update(task_always_eager=False)
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
        ):
            yield
    finally:
        task_postrun.disconnect(close_connections)

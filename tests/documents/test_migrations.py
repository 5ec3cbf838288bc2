"""The Document model moved from tenders to documents without moving a row (same table, state only)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from documents.models import Document

BEFORE = [("tenders", "0002_completeness_annex"), ("documents", None)]
AFTER = [("tenders", "0003_move_document_to_documents_app"), ("documents", "0001_document_moved_from_tenders")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_keeps_its_documents_through_the_move(filled_tender):
    kept = Document.objects.create(tender=filled_tender, kind="tender", format="pdf", error="gardé")
    try:
        old_apps = _migrate(BEFORE)
        # As an install before the move sees it: the model in tenders, same table, same row.
        OldDocument = old_apps.get_model("tenders", "Document")
        assert OldDocument._meta.db_table == "tenders_document"
        assert OldDocument.objects.get(pk=kept.pk).error == "gardé"
        OldDocument.objects.create(tender_id=filled_tender.pk, kind="questionnaire", format="xlsx")
    finally:
        new_apps = _migrate(AFTER)
    try:
        NewDocument = new_apps.get_model("documents", "Document")
        assert sorted(NewDocument.objects.values_list("kind", "error")) == [
            ("questionnaire", ""),
            ("tender", "gardé"),
        ]
    finally:
        # Back to the latest schema (later migrations add columns), so the tests after this one see it.
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())
    assert Document.objects.get(pk=kept.pk).tender_id == filled_tender.pk
    assert {t for t in connection.introspection.table_names() if t.endswith("document")} == {"tenders_document"}

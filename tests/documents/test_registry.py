"""The builder registry: every kind the API offers has its builder, the job finds it by (kind, format)."""

import pytest

from contracts import acceptance_selectors
from documents import registry
from documents import services as jobs
from documents.models import Document
from scoring import selectors as scoring_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_builders", dict(registry._builders))


def test_every_kind_and_format_the_api_offers_has_a_builder():
    offered = sorted((kind, fmt) for kind, formats in Document.FORMATS.items() for fmt in formats)
    assert registry.registered() == offered


def test_it_renders_a_kind_through_the_builder_its_app_registered(filled_tender, clean_registry):
    calls = []

    def build(document, progress):
        calls.append(document.pk)
        progress(50)
        return b"%PDF- a rapport", None

    registry.register("test_kind", "pdf", build)
    document = Document.objects.create(tender=filled_tender, kind="test_kind", format="pdf")
    assert jobs.document_render(document_id=document.pk) == Document.Status.DONE
    document.refresh_from_db()
    assert calls == [document.pk]
    assert document.status == "done" and document.progress == 100 and document.size == len(b"%PDF- a rapport")
    with document.file.open("rb") as handle:
        assert handle.read() == b"%PDF- a rapport"
    # Without a digest from the builder, the content's own stands in (same bytes, same digest).
    assert len(document.inputs_digest) == 64


def test_it_fails_readably_a_kind_nobody_registered(filled_tender):
    document = Document.objects.create(tender=filled_tender, kind="tender", format="xlsx")
    assert jobs.document_render(document_id=document.pk) == Document.Status.FAILED
    document.refresh_from_db()
    assert document.error == "Ce type de document n'existe pas dans ce format." and not document.file


def test_it_refuses_a_second_builder_for_the_same_kind_and_format(clean_registry):
    registry.register("test_kind", "docx", print)
    registry.register("test_kind", "docx", print)  # the same one again (ready() run twice) is harmless
    with pytest.raises(ValueError):
        registry.register("test_kind", "docx", repr)


def test_only_the_evaluation_and_execution_documents_depend_on_more_than_the_tender():
    # The tender file's pieces are stale when the tender changes only; the report and letters also when
    # the evaluation does (scoring names its counter in its AppConfig.ready, documents never imports it);
    # the acceptance record when the contract's acceptance plan does, the penalty statement when the contract's
    # execution log does (contracts' AppConfig.ready).
    from contracts.documents import penalty_log_version

    sourced = {kind for kind in Document.FORMATS if registry.source_lookup(kind)}
    assert sourced == {
        "evaluation_report",
        "rejection_letters",
        "award_notice",
        "acceptance_report",
        "penalty_statement",
    }
    # The letters are not outdated by recording that they were sent (scoring.selectors.letters_version).
    assert registry.source_lookups() == {
        scoring_selectors.evaluation_version: ["evaluation_report"],
        scoring_selectors.letters_version: ["award_notice", "rejection_letters"],
        acceptance_selectors.acceptance_version: ["acceptance_report"],
        penalty_log_version: ["penalty_statement"],
    }
    with pytest.raises(ValueError):
        registry.set_source_version("evaluation_report", lambda tender_id: None, "")

import io
import zipfile

import pytest

from documents.rendering.zip import render_zip


def test_it_bundles_files_in_order_and_reads_back():
    data = render_zip([("dossier.pdf", b"%PDF-1.7 a"), ("annexes/formulaire.xlsx", b"PK x")], "2026-03-02")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["dossier.pdf", "annexes/formulaire.xlsx"]
        assert archive.read("annexes/formulaire.xlsx") == b"PK x"
        assert archive.getinfo("dossier.pdf").date_time == (2026, 3, 2, 0, 0, 0)


def test_the_same_files_give_the_same_bytes():
    entries = [("a.txt", b"un"), ("b.txt", b"deux")]
    assert render_zip(entries, "2026-03-02") == render_zip(entries, "2026-03-02")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "a/../../b", "a\\b", "", "./a"])
def test_it_refuses_a_name_that_would_escape_the_folder(name):
    with pytest.raises(ValueError):
        render_zip([(name, b"x")], "2026-03-02")


def test_it_refuses_a_duplicate_name():
    with pytest.raises(ValueError, match="duplicate"):
        render_zip([("a.txt", b"1"), ("a.txt", b"2")], "2026-03-02")

"""The complexity budget `make lint` runs (tools/complexity.py): what it measures and when it fails."""

from tools import complexity


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def branches(name, count):
    """A function of complexity count + 1 (each `if` adds one)."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(count))
    return f"def {name}(x):\n{body}    return -1\n"


def test_it_measures_functions_and_methods_and_skips_migrations_tests_and_the_virtualenv(tmp_path):
    write(
        tmp_path / "app" / "views.py",
        branches("busy", 24)
        + "\n\nclass Page:\n"
        + branches("render", 21).replace("\n", "\n    ").replace("def render(x)", "    def render(self, x)", 1),
    )
    for skipped in ("app/migrations/0001_initial.py", "tests/test_app.py", ".venv/lib/site.py"):
        write(tmp_path / skipped, branches("ignored", 40))
    assert complexity.measure(tmp_path) == [(25, "app/views.py:1 busy"), (22, "app/views.py:54 Page.render")]


def test_it_fails_above_the_ceiling_and_past_the_allowed_count():
    assert complexity.verdict([(30, "a.py:1 f")] * complexity.ALLOWED_HIGH) == []
    [breach] = complexity.verdict([(31, "a.py:1 f")])
    assert "a.py:1 f" in breach and "above 30" in breach
    [breach] = complexity.verdict([(21, "a.py:1 f")] * (complexity.ALLOWED_HIGH + 1))
    assert "11 functions" in breach

"""The complexity budget (`make lint`): radon's cyclomatic complexity of every function in the code.

It fails when a function is above CEILING, or when more than ALLOWED_HIGH functions reach HIGH.
New code stays at 20 or below (docs/ARCHITECTURE.md, "Complexity budget"); the few functions at 21 to
30 are the ones still to split, and the budget only lets their number shrink.
Migrations, tests and the virtualenv are not measured.

    python tools/complexity.py        # the functions at HIGH or above, then the verdict
"""

import sys
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Class

ROOT = Path(__file__).resolve().parent.parent
EXCLUDED = {".venv", "migrations", "tests", "node_modules", "var", "media", "staticfiles"}
CEILING = 30  # no function above
HIGH = 21  # radon's grade D and worse
ALLOWED_HIGH = 10


def source_files(root=ROOT):
    for path in sorted(root.rglob("*.py")):
        if not EXCLUDED.intersection(path.relative_to(root).parts):
            yield path


def functions(path):
    """(name, line, complexity) of each function and method in a file (`Class.method`). radon lists a class
    too, scored from its methods: it is skipped, its methods are already there."""
    for block in cc_visit(path.read_text(encoding="utf-8")):
        if not isinstance(block, Class):
            yield block.fullname, block.lineno, block.complexity


def measure(root=ROOT):
    """[(complexity, "path:line name")] of every function at HIGH or above, most complex first."""
    high = [
        (complexity, f"{path.relative_to(root)}:{line} {name}")
        for path in source_files(root)
        for name, line, complexity in functions(path)
        if complexity >= HIGH
    ]
    return sorted(high, key=lambda item: (-item[0], item[1]))


def verdict(high) -> list[str]:
    """The budget's breaches, in words (empty when within budget)."""
    breaches = [f"{where}: complexity {cc} is above {CEILING}" for cc, where in high if cc > CEILING]
    if len(high) > ALLOWED_HIGH:
        breaches.append(f"{len(high)} functions at complexity {HIGH} or more; at most {ALLOWED_HIGH} are allowed")
    return breaches


def main() -> int:
    high = measure()
    for complexity, where in high:
        print(f"{complexity:4d}  {where}")
    breaches = verdict(high)
    for breach in breaches:
        print(f"complexity budget: {breach}", file=sys.stderr)
    if not breaches:
        print(f"complexity budget: {len(high)} of {ALLOWED_HIGH} allowed at {HIGH}+, none above {CEILING}")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())

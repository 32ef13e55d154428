"""Dead-code check (``make lint``): functions, methods, classes and imports nobody uses.

Runs vulture over the code and everything that may use it (tests, bench, tools, migrations,
templates' filters are registered by decorator). Declarative class attributes (model columns,
schema fields) are left out: they are read by SQLAlchemy and marshmallow, not by name. Names that
frameworks call are listed, with the reason, in ``tools/deadcode-allow.txt``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import vulture

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("market", "ledger", "search")
USERS = ("migrations", "tests", "bench", "tools")
KINDS = {"function", "method", "class", "property", "import", "unreachable_code"}
DECORATORS = [
    "@*.route", "@*.get", "@*.post", "@*.command", "@*.group", "@*.errorhandler",
    "@*.after_request", "@*.teardown_request", "@*.context_processor", "@*.listens_for",
    "@*.app_template_filter", "@*.app_template_global", "@*.arguments", "@*.response",
    "@pre_load", "@post_load", "@pre_dump", "@post_dump", "@validates", "@validates_schema",
    "@pytest.fixture", "@rule", "@invariant", "@initialize", "@precondition",
]  # fmt: skip


ALLOWED = ROOT / "tools" / "deadcode-allow.txt"


def allowed_names() -> list[str]:
    """The allow-list: one name a line; ``#`` starts a comment."""
    lines = (line.partition("#")[0].strip() for line in ALLOWED.read_text().splitlines())
    return [line for line in lines if line]


def main() -> int:
    finder = vulture.Vulture(ignore_names=allowed_names(), ignore_decorators=DECORATORS)
    finder.scavenge(
        [str(ROOT / name) for name in CHECKED + USERS],
        exclude=[str(ROOT / ".venv"), "*/translations/*"],
    )
    dead = [
        item
        for item in finder.get_unused_code(min_confidence=60)
        if item.typ in KINDS and Path(item.filename).resolve().relative_to(ROOT).parts[0] in CHECKED
    ]
    for item in sorted(dead, key=lambda item: (str(item.filename), item.first_lineno)):
        print(item.get_report(add_size=False))
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(main())

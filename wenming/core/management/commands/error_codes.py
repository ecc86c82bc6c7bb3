from importlib import import_module
from pathlib import Path

from django.core.management.base import BaseCommand

import wenming
from wenming.core.errors import ErrorCode


def error_code_table() -> str:
    """Markdown table of every error code of every app (docs/errors.md is this output)."""
    _import_error_modules()
    lines = ["# Error codes", "", "Every API error is `{\"code\", \"message\"}` with the HTTP status below.",
             "Messages with `{…}` are filled in with the offending value (never personal data).", "",
             "| code | HTTP | message |", "|---|---|---|"]
    seen = set()
    for enum in _subclasses(ErrorCode):
        for member in enum:
            if member.code not in seen:
                seen.add(member.code)
                lines.append(f"| `{member.code}` | {member.status} | {member.template} |")
    return "\n".join(lines) + "\n"


def _import_error_modules() -> None:
    """Import every `*errors.py` under the wenming package, so the table never depends on
    which modules happen to be loaded already."""
    root = Path(wenming.__file__).parent
    for path in sorted(root.rglob("*errors.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        import_module("wenming." + ".".join(path.relative_to(root).with_suffix("").parts))


def _subclasses(cls):
    for sub in sorted(cls.__subclasses__(), key=lambda c: (c.__module__, c.__name__)):
        yield sub
        yield from _subclasses(sub)


class Command(BaseCommand):
    help = "列出全部错误代码（Markdown），用于 docs/errors.md"

    def handle(self, *args, **options):
        self.stdout.write(error_code_table(), ending="")

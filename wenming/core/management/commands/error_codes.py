from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand

from wenming.core.errors import ErrorCode


def error_code_table() -> str:
    """Markdown table of every error code of every app (docs/errors.md is this output)."""
    for config in apps.get_app_configs():
        for module in ("errors", "roster.errors"):
            name = f"{config.name}.{module}"
            if config.name.startswith("wenming") and find_spec(config.name) and _exists(name):
                import_module(name)
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


def _exists(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _subclasses(cls):
    for sub in sorted(cls.__subclasses__(), key=lambda c: (c.__module__, c.__name__)):
        yield sub
        yield from _subclasses(sub)


class Command(BaseCommand):
    help = "列出全部错误代码（Markdown），用于 docs/errors.md"

    def handle(self, *args, **options):
        self.stdout.write(error_code_table(), ending="")

"""Benchmark scenarios by name. `wenming bench import --rows 100000` runs bench/import_roster.py.

A scenario is a module with HELP (one line), add_arguments(parser) and run(**options) -> int
(an exit code: 0 when its targets hold). Add a line to SCENARIOS to add one (e.g. signup, dashboard).
"""

import argparse
import importlib
import sys

SCENARIOS: dict[str, str] = {
    "import": "bench.import_roster",
    "certificates": "bench.certificates",
    "signup": "bench.signup",
    "match": "bench.match",
    "dashboard": "bench.dashboard",
    "topology": "bench.topology",
    "evaluation": "bench.evaluation",
    "vote": "bench.vote",
}


def load(name: str):
    return importlib.import_module(SCENARIOS[name])


def add_scenarios(parser: argparse.ArgumentParser, **subparser_kwargs) -> None:
    """One sub-command per scenario, each with its own options."""
    sub = parser.add_subparsers(dest="scenario", metavar="SCENARIO", required=True, **subparser_kwargs)
    for name in SCENARIOS:
        module = load(name)
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))


def run(name: str, **options) -> int:
    return load(name).run(**options)


def main(argv: list[str] | None = None) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    django.setup()
    parser = argparse.ArgumentParser(prog="python -m bench.runner", description=__doc__)
    add_scenarios(parser)
    options = vars(parser.parse_args(argv))
    return run(options.pop("scenario"), **options)


if __name__ == "__main__":
    sys.exit(main())

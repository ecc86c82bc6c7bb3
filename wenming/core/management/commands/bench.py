"""`wenming bench SCENARIO [options]`: run a benchmark scenario from bench/ (see bench/runner.py)."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _runner():
    try:
        from bench import runner
    except ImportError:  # bench/ sits at the repository root, beside the wenming package
        sys.path.insert(0, str(settings.BASE_DIR))
        from bench import runner
    return runner


class Command(BaseCommand):
    help = "性能基准测试：wenming bench import [--rows 100000]（在专用的测试数据库上运行）"

    def add_arguments(self, parser):
        _runner().add_scenarios(parser)

    def handle(self, *args, scenario: str, **options):
        keep = {k: v for k, v in options.items()
                if k not in ("verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color",
                             "skip_checks")}
        code = _runner().run(scenario, **keep)
        if code:
            raise CommandError("基准未达标 benchmark targets not met", returncode=code)

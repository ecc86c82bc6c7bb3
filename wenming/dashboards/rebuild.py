"""Recompute every summary from the raw rows (`wenming manage rebuild_figures [--check]`).

Each registered source yields node-level values (the node where the data lives); they are
rolled up through the materialized paths and compared with what the summaries say (folded
rows plus pending deltas). Without --check the summaries are replaced, under a lock that
keeps writers' new deltas out until the new figures are in (PostgreSQL: a SHARE ROW
EXCLUSIVE lock on the delta table — a writer's delta insert waits; SQLite serializes
writers), so nothing is counted twice or lost.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from wenming.orgs.models import Node
from wenming.orgs.tree import ancestor_paths

from . import summary
from .apps import load_figure_modules
from .metrics import SOURCES
from .models import Figure, FigureDelta

Key = tuple[int, str, date]
CENT = Decimal("0.01")


def figures_from_rows() -> dict[Key, Decimal]:
    """What every node's figures should be, from the raw rows."""
    load_figure_modules()
    own: dict[Key, Decimal] = defaultdict(Decimal)
    for source in SOURCES:
        for node_id, metric, period, value in source():
            own[(node_id, metric, period)] += Decimal(str(value))
    paths = dict(Node.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    rolled: dict[Key, Decimal] = defaultdict(Decimal)
    for (node_id, metric, period), value in own.items():
        for path in ancestor_paths(paths[node_id]):
            rolled[(by_path[path], metric, period)] += value
    return {k: v.quantize(CENT) for k, v in rolled.items() if v}


def figures_kept() -> dict[Key, Decimal]:
    """What the summaries say now: folded rows plus pending deltas, rolled up."""
    kept: dict[Key, Decimal] = defaultdict(Decimal)
    for node_id, metric, period, value in Figure.objects.values_list("node_id", "metric", "period", "value"):
        kept[(node_id, metric, period)] += Decimal(str(value))
    pending = list(FigureDelta.objects.values_list("node_id", "metric", "period", "value"))
    if pending:
        paths = dict(Node.objects.values_list("pk", "path"))
        by_path = {path: pk for pk, path in paths.items()}
        for node_id, metric, period, value in pending:
            for path in ancestor_paths(paths[node_id]):
                kept[(by_path[path], metric, period)] += Decimal(str(value))
    return {k: v.quantize(CENT) for k, v in kept.items() if v.quantize(CENT)}


def differences() -> list[tuple[Key, Decimal, Decimal]]:
    """(key, kept, from rows) wherever they disagree."""
    want, have = figures_from_rows(), figures_kept()
    return sorted(((k, have.get(k, Decimal(0)), want.get(k, Decimal(0))) for k in set(want) | set(have)
                   if have.get(k, Decimal(0)) != want.get(k, Decimal(0))), key=lambda r: (r[0][1], r[0][0], r[0][2]))


def rebuild_figures() -> int:
    """Replace the summaries with figures recomputed from the raw rows; returns the row count."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("LOCK TABLE dashboards_figuredelta IN SHARE ROW EXCLUSIVE MODE")
        summary._folder_lock()
        want = figures_from_rows()
        FigureDelta.objects.all().delete()
        Figure.objects.all().delete()
        Figure.objects.bulk_create([Figure(node_id=n, metric=m, period=p, value=v) for (n, m, p), v in want.items()],
                                   batch_size=2000)
    return len(want)

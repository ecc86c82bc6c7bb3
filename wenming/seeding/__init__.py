"""Synthetic data: the demo county (秭归县, `seed_demo`) and a prefecture city (衡阳市, `seed_city`).

Everything here is deterministic for a given seed and writes rows shaped exactly like the
product's own services would (same paths, same encryption, blind indexes and masks).
"""


class SeedRefused(Exception):
    """Seeding would mix synthetic data into a database that already holds a tree."""

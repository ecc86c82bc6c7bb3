"""Places → the points of the map's SVG: an equirectangular projection around the centre
(longitude scaled by cos(latitude)), good to a few metres over a county. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.urls import reverse

from ..venue import KM_PER_DEGREE_LAT
from .selectors import Center, Place

SIZE = 360  # the SVG's viewBox is SIZE × SIZE
MARGIN = 14
RING = SIZE / 2 - MARGIN  # the radius, in SVG units, of the circle that holds the list
CLUSTER = 20  # numbered markers closer than this share one marker (pins have r=10: none overlap)


@dataclass
class Marker:
    x: float
    y: float
    kind: str  # "project", "node"
    label: str  # the number(s) shown on it; "" for a plain dot
    title: str
    href: str


def place_url(place: Place) -> str:
    if place.kind == "project":
        return reverse("service_pages:project", args=[place.pk])
    return reverse("nearby:place", args=[place.pk])


def distance_text(km: float) -> str:
    if km < 1:
        return f"{max(10, round(km * 100) * 10)} 米"
    if km == int(km):
        return f"{int(km)} 公里"
    return f"{km:.1f} 公里" if km < 100 else f"{round(km)} 公里"


def project(center: Center, radius_km: float, lat: float, lon: float) -> tuple[float, float]:
    scale = RING / radius_km
    dx = (lon - center.lon) * math.cos(math.radians(center.lat)) * KM_PER_DEGREE_LAT
    dy = (lat - center.lat) * KM_PER_DEGREE_LAT
    return round(SIZE / 2 + dx * scale, 1), round(SIZE / 2 - dy * scale, 1)


def _inside(x: float, y: float) -> bool:
    return 0 <= x <= SIZE and 0 <= y <= SIZE


def markers(center: Center, radius_km: float, listed: list[Place], others: list[Place]) -> list[Marker]:
    """Plain dots for the others first, then the numbered places on top; numbered places at
    (almost) the same spot share one marker, which leads to the first of them in the list."""
    out = []
    for place in others:
        x, y = project(center, radius_km, place.lat, place.lon)
        if _inside(x, y):
            out.append(Marker(x, y, place.kind, "", f"{place.name}（{place.label}）", place_url(place)))
    groups: list[list] = []  # [x, y, places]
    for place in listed:
        x, y = project(center, radius_km, place.lat, place.lon)
        for group in groups:
            if math.hypot(group[0] - x, group[1] - y) < CLUSTER:
                group[2].append(place)
                break
        else:
            groups.append([x, y, [place]])
    for x, y, members in groups:
        first = members[0]
        kind = "project" if any(p.kind == "project" for p in members) else "node"
        names = "；".join(f"{p.number}. {p.name}" for p in members[:5])
        if len(members) > 5:
            names += f" 等 {len(members)} 处"
        href = place_url(first) if len(members) == 1 else f"#place-{first.number}"
        label = str(first.number) + ("+" if len(members) > 1 else "")
        out.append(Marker(x, y, kind, label, names, href))
    return out


def rings(radius_km: float) -> list[dict]:
    """Distance rings at half the radius and at the radius, with their labels."""
    return [{"r": round(RING * f, 1), "label": distance_text(radius_km * f), "label_y": round(SIZE / 2 - RING * f + 11, 1)}
            for f in (0.5, 1.0)]

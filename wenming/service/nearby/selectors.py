"""Reads of the map of nearby activities and stations (附近的活动和阵地). Public rows only:
recruiting projects of nodes that are not archived, and open, non-archived practice places
(center, sub-centers, institutes, stations, points; never grids or offices). No person
appears: no contact names or phones, no volunteer positions. The visitor's own position
comes from the browser in the query string, is rounded to ~100 m and never stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from wenming.accounts.models import RoleAssignment
from wenming.orgs.models import Node, NodeKind, NodeStatus
from wenming.orgs.tree import ancestor_paths
from wenming.volunteers.selectors import volunteer_for_user

from ..models import Project, ProjectStatus, Shift
from ..venue import bounding_box, distance_m

PLACE_KINDS = (NodeKind.CENTER, NodeKind.SUBCENTER, NodeKind.INSTITUTE, NodeKind.STATION, NodeKind.POINT)
RADII_KM = (1, 3, 10, 30, 50)
NEAR_RADIUS_KM = 3  # around the visitor or their home node
COUNTY_RADIUS_KM = 10  # around the county
LIST_LIMIT = 40  # numbered on the map and listed below it
PROJECT_LIMIT = 30  # of which at most this many activities
DRAW_LIMIT = 300  # further places inside the map's square, drawn as plain dots
POSITION_DECIMALS = 3  # ~100 m: what the list needs, no more


@dataclass
class Center:
    lat: float
    lon: float
    source: str  # "position" (the browser's), "node" (one asked for), "home", "county"
    label: str  # "您的位置", the node's name …
    node_id: int | None = None


@dataclass
class Place:
    kind: str  # "project" or "node"
    pk: int
    name: str
    label: str  # the project's category, or the node's kind
    lat: float
    lon: float
    address: str = ""
    distance_km: float = 0.0
    estimated: bool = False  # a project without its own coordinates, placed at its node
    node_name: str = ""
    next_shift: Shift | None = None
    number: int = 0
    url: str = ""  # filled by the page (drawing.place_url)
    distance_label: str = ""


# ---- input ---------------------------------------------------------------------------------

def parse_position(raw_lat, raw_lon) -> tuple[float, float] | None:
    """The browser's position from the query string, rounded; None unless both are numbers
    in range ("abc", "NaN", "1e999", a 10 000-digit string: all ignored)."""
    values = []
    for raw, limit in ((raw_lat, 90.0), (raw_lon, 180.0)):
        text = str(raw or "").strip()
        if not text or len(text) > 32:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
        if not math.isfinite(value) or not -limit <= value <= limit:
            return None
        values.append(round(value, POSITION_DECIMALS))
    return values[0], values[1]


def parse_radius(raw, default: int) -> int:
    text = str(raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 4 and int(text) in RADII_KM else default


# ---- where the map is centred -------------------------------------------------------------

def public_nodes():
    """Practice places the public may find: open, not archived, with coordinates."""
    return Node.objects.filter(kind__in=PLACE_KINDS, status=NodeStatus.OPEN, archived_at__isnull=True,
                               lat__isnull=False, lon__isnull=False)


def public_node_get(node_id) -> Node | None:
    if not isinstance(node_id, int) or isinstance(node_id, bool) or not 0 < node_id < 10**18:
        return None
    return public_nodes().select_related("parent").filter(pk=node_id).first()


def _located(path: str) -> Node | None:
    """The node at `path`, or its nearest ancestor with coordinates (not archived)."""
    return (Node.objects.filter(path__in=ancestor_paths(path), lat__isnull=False, lon__isnull=False,
                                archived_at__isnull=True).order_by("-depth").first())


def home_node_for(user) -> Node | None:
    """A signed-in visitor's own place: a volunteer's home node, else the node of their most
    local role (a resident's station, a manager's node), else nothing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    volunteer = volunteer_for_user(user)
    paths = [volunteer.home_node.path] if volunteer is not None else []
    if not paths:
        paths = sorted(RoleAssignment.objects.filter(user=user).values_list("node__path", flat=True),
                       key=len, reverse=True)[:1]
    return _located(paths[0]) if paths else None


def county_node() -> Node | None:
    """The county the platform serves (the first county office with coordinates), else the
    highest located node."""
    located = Node.objects.filter(archived_at__isnull=True, lat__isnull=False, lon__isnull=False)
    return located.filter(kind=NodeKind.COUNTY).order_by("path").first() or located.order_by("depth", "path").first()


def map_center(*, user, position: tuple[float, float] | None, at_node: Node | None = None,
               county: bool = False) -> Center | None:
    if position is not None:
        return Center(position[0], position[1], "position", "您的位置")
    if at_node is not None:
        return Center(float(at_node.lat), float(at_node.lon), "node", at_node.name, at_node.pk)
    home = None if county else home_node_for(user)
    if home is not None:
        return Center(float(home.lat), float(home.lon), "home", home.name, home.pk)
    found = county_node()
    if found is None:
        return None
    return Center(float(found.lat), float(found.lon), "county", found.name, found.pk)


# ---- places --------------------------------------------------------------------------------

def _boxed(field_lat: str, field_lon: str, box) -> Q:
    lat_lo, lat_hi, lon_lo, lon_hi = box
    return Q(**{f"{field_lat}__gte": lat_lo, f"{field_lat}__lte": lat_hi,
                f"{field_lon}__gte": lon_lo, f"{field_lon}__lte": lon_hi})


def recruiting_projects(box, now: datetime) -> list[Place]:
    """Recruiting projects inside the box, at their own coordinates or, without them, at their
    node's; each with its next shift that has not started."""
    upcoming = Shift.objects.filter(starts_at__gt=now).order_by("starts_at", "id")
    qs = (Project.objects.filter(status=ProjectStatus.RECRUITING, node__archived_at__isnull=True)
          .filter(_boxed("lat", "lon", box) | (Q(lat__isnull=True) & _boxed("node__lat", "node__lon", box)))
          .select_related("category", "node").prefetch_related(Prefetch("shifts", queryset=upcoming,
                                                                        to_attr="upcoming"))
          .only("id", "title", "address", "lat", "lon", "category__name", "node__name", "node__lat",
                "node__lon"))
    out = []
    for p in qs:
        own = p.lat is not None and p.lon is not None
        lat, lon = (p.lat, p.lon) if own else (p.node.lat, p.node.lon)
        if lat is None or lon is None:
            continue
        out.append(Place("project", p.pk, p.title, p.category.name, float(lat), float(lon),
                         address=p.address, estimated=not own, node_name=p.node.name,
                         next_shift=p.upcoming[0] if p.upcoming else None))
    return out


def practice_places(box) -> list[Place]:
    qs = public_nodes().filter(_boxed("lat", "lon", box)).only("id", "name", "kind", "address", "lat", "lon")
    return [Place("node", n.pk, n.name, n.get_kind_display(), float(n.lat), float(n.lon), address=n.address)
            for n in qs]


@dataclass
class MapPlaces:
    listed: list[Place]  # nearest first, numbered
    others: list[Place]  # further places inside the map's square, drawn as plain dots
    projects_total: int  # recruiting projects within the radius
    nodes_total: int  # practice places within the radius


def map_places(center: Center, radius_km: float, *, show: str = "all") -> MapPlaces:
    """The places within `radius_km` of the centre, nearest first and numbered: every
    recruiting project (up to PROJECT_LIMIT, so the many practice places of a county seat
    never push the activities off the list) and the nearest practice places up to
    LIST_LIMIT in all; then the rest inside the map's square (at most DRAW_LIMIT).
    `show`: "all", "projects" or "nodes"."""
    box = bounding_box(center.lat, center.lon, radius_km)
    found: list[Place] = []
    if show in ("all", "projects"):
        found += recruiting_projects(box, timezone.now())
    if show in ("all", "nodes"):
        found += practice_places(box)
    for place in found:
        place.distance_km = distance_m(center.lat, center.lon, place.lat, place.lon) / 1000
    # nearest first; at the same spot, activities before places, then by name
    found.sort(key=lambda p: (round(p.distance_km, 3), p.kind != "project", p.name, p.pk))
    within = [p for p in found if p.distance_km <= radius_km]
    projects = [p for p in within if p.kind == "project"]
    nodes = [p for p in within if p.kind == "node"]
    chosen = {id(p) for p in projects[:PROJECT_LIMIT]}
    chosen |= {id(p) for p in nodes[:LIST_LIMIT - len(chosen)]}
    listed = [p for p in within if id(p) in chosen]
    for n, place in enumerate(listed, start=1):
        place.number = n
    others = [p for p in found if id(p) not in chosen][:DRAW_LIMIT]
    return MapPlaces(listed, others, len(projects), len(nodes))


def node_projects(node: Node, now: datetime | None = None) -> list[Project]:
    """Recruiting projects of a practice place and the places under it, with their next shift."""
    upcoming = Shift.objects.filter(starts_at__gt=now or timezone.now()).order_by("starts_at", "id")
    return list(Project.objects.filter(status=ProjectStatus.RECRUITING, node__path__startswith=node.path,
                                       node__archived_at__isnull=True)
                .select_related("category", "node")
                .prefetch_related(Prefetch("shifts", queryset=upcoming, to_attr="upcoming"))
                .order_by("-published_at", "-id")[:20])

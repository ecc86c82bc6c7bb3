"""Which station answers a request: by grid, by position, by address, else up the tree.

1. grid — a grid belongs to exactly one station (its parent chain); the station answers.
2. position — the nearest active station within ROUTE_RADIUS_KM of the resident's coarse
   position (indexed lat/lon box, then exact distance).
3. address — a station whose name (without the 新时代文明实践站 suffix) appears in the
   address, within `within` (the node the form was opened for) when given.
4. fallback — `within` itself, or the top node of the tree (the county's office), whose
   dispatchers pass it on by hand.
"""

from django.db.models import Q

from wenming.orgs.models import Node, NodeKind
from wenming.service.venue import bounding_box, distance_m

ROUTE_RADIUS_KM = 3
STATION_SUFFIXES = ("新时代文明实践站", "实践站", "文明实践站")


def _station_of(node: Node) -> Node | None:
    """The station a node (a grid or point) lies under, or the node itself if it is one."""
    paths = [node.path[:i] for i in range(4, len(node.path) + 1, 4)]
    return (Node.objects.filter(path__in=paths, kind=NodeKind.STATION, archived_at__isnull=True)
            .order_by("-depth").first())


def _stations(within: Node | None):
    qs = Node.objects.filter(kind=NodeKind.STATION, archived_at__isnull=True)
    return qs.filter(path__startswith=within.path) if within is not None else qs


def _by_position(lat: float, lon: float, within: Node | None) -> Node | None:
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(lat, lon, ROUTE_RADIUS_KM)
    near = _stations(within).filter(lat__gte=lat_lo, lat__lte=lat_hi, lon__gte=lon_lo, lon__lte=lon_hi)
    best, best_m = None, ROUTE_RADIUS_KM * 1000.0
    for station in near:
        metres = distance_m(lat, lon, station.lat, station.lon)
        if metres <= best_m:
            best, best_m = station, metres
    return best


def _short(name: str) -> str:
    for suffix in STATION_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _by_address(address: str, within: Node | None) -> Node | None:
    """The station whose short name occurs in the address; the longest match wins (so
    金缸城社区 beats 金缸城)."""
    if not address:
        return None
    found = None
    for station in _stations(within).only("pk", "name", "path", "depth"):
        short = _short(station.name)
        if len(short) >= 2 and short in address and (found is None or len(short) > len(_short(found.name))):
            found = station
    return found


def route(*, grid: Node | None = None, lat=None, lon=None, address: str = "",
          within: Node | None = None) -> tuple[Node, str]:
    """(responsible node, how it was chosen)."""
    if grid is not None:
        station = _station_of(grid)
        if station is not None:
            return station, "grid"
    if lat is not None and lon is not None:
        station = _by_position(float(lat), float(lon), within)
        if station is not None:
            return station, "position"
    station = _by_address(address, within)
    if station is not None:
        return station, "address"
    if within is not None:
        return within, "fallback"
    top = Node.objects.filter(Q(parent__isnull=True), archived_at__isnull=True).order_by("path").first()
    return top, "fallback"

"""The public map of nearby activities and stations, and a practice place's public page.

Both are open to everyone (residents without an account too) and show public rows only.
The visitor's position arrives in the query string when they tap “定位我的位置” (rounded to
~100 m, used for this page only, never stored)."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wenming.core.decorators import error_page
from wenming.core.errors import CoreError
from wenming.core.params import parse_pk

from . import drawing, selectors

SHOW = {"all": "全部", "projects": "招募中的活动", "nodes": "实践阵地"}


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


@never_cache
@require_GET
def nearby_map(request):
    position = selectors.parse_position(request.GET.get("lat"), request.GET.get("lon"))
    at_node = selectors.public_node_get(parse_pk(request.GET.get("at"))) if position is None else None
    county = request.GET.get("center") == "county"
    center = selectors.map_center(user=request.user, position=position, at_node=at_node, county=county)
    show = request.GET.get("show") if request.GET.get("show") in SHOW else "all"
    shown = show if show != "all" else ""  # the filter in the links ("" for all)
    default_radius = selectors.COUNTY_RADIUS_KM if center and center.source == "county" else selectors.NEAR_RADIUS_KM
    radius = selectors.parse_radius(request.GET.get("r"), default_radius)

    # what keeps the centre when the radius or the filter changes
    keep = {"lat": f"{position[0]:.3f}" if position else "", "lon": f"{position[1]:.3f}" if position else "",
            "at": at_node.pk if at_node else "", "center": "county" if county and not position and not at_node else ""}
    found = selectors.map_places(center, radius, show=show) if center else selectors.MapPlaces([], [], 0, 0)
    listed = found.listed
    markers = drawing.markers(center, radius, listed, found.others) if center else []
    wider = next((r for r in selectors.RADII_KM if r > radius), None)
    context = {
        "center": center, "radius": radius, "show": show, "listed": listed,
        "projects_count": found.projects_total, "nodes_count": found.nodes_total,
        "shortened": len(listed) < found.projects_total + found.nodes_total,
        "dots": [m for m in markers if not m.label], "pins": [m for m in markers if m.label],
        "rings": drawing.rings(radius), "size": drawing.SIZE, "half": drawing.SIZE / 2,
        "radius_text": f"{radius} 公里",
        "radii": [(r, f"{r} 公里", _query(**keep, show=shown, r=r))
                  for r in selectors.RADII_KM],
        "tabs": [(key, label, _query(**keep, r=radius, show=key if key != "all" else "")) for key, label in SHOW.items()],
        "wider_url": _query(**keep, show=shown, r=wider) if wider else "",
        "county_url": _query(center="county", show=shown), "home_url": _query(show=shown),
        "lat": keep["lat"], "lon": keep["lon"], "show_param": shown,
    }
    for place in listed:
        place.url = drawing.place_url(place)
        place.distance_label = drawing.distance_text(place.distance_km)
    return render(request, "service/nearby/map.html", context)


@require_GET
def place_detail(request, node_id: str):
    """A practice place's public page: what it is, where, and its recruiting activities."""
    node = selectors.public_node_get(parse_pk(node_id))
    if node is None:
        return error_page(request, CoreError.NOT_FOUND.error())
    return render(request, "service/nearby/place.html", {
        "node": node, "projects": selectors.node_projects(node),
        "map_url": _query(at=node.pk),
    })

"""Venue-code (场所码) check-in building blocks: rotating signed tokens, the QR image, the geofence.

Pure functions on plain values (a shift id, coordinates, a radius); the check-in service
loads the shift and records only the outcome. Design notes and settings: docs/checkin.md.
"""

from __future__ import annotations

import base64
import hmac
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import segno
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .venue_errors import VenueError

# ---------------------------------------------------------------------------------------
# Rotating venue tokens
#
# Token = "<shift id, base36>.<window index, base36>.<signature>", e.g. "2n9.yc7q1s.Qx3…".
# The window index is floor(unix time / period). The signature is HMAC-SHA256 over the
# exact text before it, keyed by SECRET_KEY with a purpose salt, truncated to 96 bits and
# base64url-encoded (16 characters, no padding). All characters are URL-unreserved, so the
# token goes into `?t=` unescaped and the QR code stays small (~35 characters).
#
# 96 bits is far beyond what can be guessed online against a code that lives a minute; it
# is the shortest length that base64url encodes without padding bits (so every character
# of the signature matters).
# ---------------------------------------------------------------------------------------

_SALT = "wenming.service.venue.token"
_SIG_BYTES = 12
_MAX_TOKEN_LEN = 64
_TOKEN_RE = re.compile(r"([0-9a-z]{1,13}\.[0-9a-z]{1,13})\.([A-Za-z0-9_-]{16})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Tokens are minted by our own servers; one window ahead is tolerated so that app servers
# whose clocks differ by a little do not refuse each other's codes at a window boundary.
# Anything further ahead cannot come from a correct server and is refused.
FUTURE_WINDOWS = 1


def token_period() -> int:
    period = int(getattr(settings, "VENUE_TOKEN_PERIOD_SECONDS", 30))
    if period < 1:
        raise ValueError("VENUE_TOKEN_PERIOD_SECONDS must be at least 1")
    return period


def token_grace() -> int:
    grace = int(getattr(settings, "VENUE_TOKEN_GRACE_WINDOWS", 1))
    if grace < 0:
        raise ValueError("VENUE_TOKEN_GRACE_WINDOWS must not be negative")
    return grace


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return timezone.now()
    return now if timezone.is_aware(now) else timezone.make_aware(now)


def token_window(now: datetime | None = None) -> int:
    """Index of the rotation window containing `now` (exact integer arithmetic, no floats)."""
    return (_aware(now) - _EPOCH) // timedelta(seconds=token_period())


def seconds_until_rotation(now: datetime | None = None) -> float:
    """When the venue page should fetch the next code: the end of the current window."""
    now = _aware(now)
    period = token_period()
    next_start = _EPOCH + timedelta(seconds=period * (token_window(now) + 1))
    return (next_start - now).total_seconds()


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _sign(payload: str) -> str:
    digest = salted_hmac(_SALT, payload, algorithm="sha256").digest()[:_SIG_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def venue_token(shift_id: int, now: datetime | None = None) -> str:
    """The code shown at the venue for `shift_id` during the window containing `now`."""
    if isinstance(shift_id, bool) or not isinstance(shift_id, int) or shift_id < 1:
        raise ValueError(f"shift_id must be a positive int, got {shift_id!r}")
    payload = f"{_b36(shift_id)}.{_b36(token_window(now))}"
    return f"{payload}.{_sign(payload)}"


def verify_venue_token(token: str, shift_id: int, now: datetime | None = None) -> None:
    """Accept a token iff it is genuine, names `shift_id`, and its window w satisfies
    current - grace <= w <= current + FUTURE_WINDOWS; otherwise raise a VenueError."""
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_LEN:
        raise VenueError.TOKEN_INVALID.error()
    match = _TOKEN_RE.fullmatch(token)
    # The signature covers the exact payload text, so no re-encoding (leading zeros,
    # case) of a genuine token verifies; only then are its fields trusted.
    if match is None or not hmac.compare_digest(match[2], _sign(match[1])):
        raise VenueError.TOKEN_INVALID.error()
    token_shift, window = (int(part, 36) for part in match[1].split("."))
    if token_shift != shift_id:
        raise VenueError.TOKEN_WRONG_SHIFT.error()
    current = token_window(now)
    if window < current - token_grace():
        raise VenueError.TOKEN_EXPIRED.error()
    if window > current + FUTURE_WINDOWS:
        raise VenueError.TOKEN_NOT_YET_VALID.error()


def venue_qr_svg(url: str, *, scale: int = 8) -> str:
    """Inline <svg> of a QR code for `url` (the full check-in link with its token).

    Error correction M survives glare on a phone-photographed screen; the light background
    is painted so the code scans on dark pages; the size is left to CSS (viewBox only).
    """
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(scale=scale, border=4, dark="#000", light="#fff", omitsize=True)


# ---------------------------------------------------------------------------------------
# Geofence
#
# Coordinates are WGS-84 as given by the browser's navigator.geolocation; the venue's
# coordinates are stored as entered and must be WGS-84 too (convert map-picker input with
# gcj02_to_wgs84). Only the outcome (pass/fail, rounded distance) is kept, never the fix.
# ---------------------------------------------------------------------------------------

EARTH_RADIUS_M = 6371008.8  # IUGG mean radius of the WGS-84 ellipsoid
# GPS accuracy (the radius of the browser's 68 % confidence circle) is credited against
# the distance, up to this cap: an honest but poor fix at the edge of the fence passes,
# while a fix reporting "±5 km" cannot pass from kilometres away.
ACCURACY_CAP_M = 100.0

Number = float | int | Decimal | str


@dataclass(frozen=True)
class GeofenceResult:
    passed: bool
    distance_m: int  # rounded to the metre; the only location fact the platform stores


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres on a sphere of the WGS-84 mean radius.

    At most ~0.5 % off the ellipsoidal distance: well under a metre at geofence scale.
    """
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lon2) - float(lon1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


KM_PER_DEGREE_LAT = 111.32


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(lat_lo, lat_hi, lon_lo, lon_hi) around a point: an indexed pre-filter before the exact
    distance. Stored coordinates have 3 decimals, so the box is widened by one unit."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    dlon = radius_km / (KM_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat - 0.001, lat + dlat + 0.001, lon - dlon - 0.001, lon + dlon + 0.001


def _accuracy_credit(accuracy_m: Number | None) -> float:
    # Missing, negative or NaN accuracy earns no credit; infinite earns the cap.
    if accuracy_m is None:
        return 0.0
    try:
        accuracy = float(accuracy_m)
    except (TypeError, ValueError):
        return 0.0
    if math.isnan(accuracy) or accuracy <= 0:
        return 0.0
    return min(accuracy, ACCURACY_CAP_M)


def check_geofence(
    *,
    lat: Number,
    lon: Number,
    center_lat: Number,
    center_lon: Number,
    radius_m: Number,
    accuracy_m: Number | None = None,
) -> GeofenceResult:
    """Pass iff distance - min(accuracy, ACCURACY_CAP_M) <= radius."""
    radius = float(radius_m)
    if not radius > 0:
        raise ValueError(f"radius_m must be positive, got {radius_m!r}")
    distance = distance_m(lat, lon, center_lat, center_lon)
    passed = distance - _accuracy_credit(accuracy_m) <= radius
    return GeofenceResult(passed=passed, distance_m=round(distance))


def parse_coordinates(lat: Number | None, lon: Number | None) -> tuple[float, float]:
    """Validate a position from a form or the API: missing → location_required,
    unparsable or out of range → coordinates_invalid."""
    if lat in (None, "") or lon in (None, ""):
        raise VenueError.LOCATION_REQUIRED.error()
    try:
        flat, flon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise VenueError.COORDINATES_INVALID.error() from None
    # NaN fails both comparisons, so it is refused too.
    if not (-90 <= flat <= 90 and -180 <= flon <= 180):
        raise VenueError.COORDINATES_INVALID.error()
    return flat, flon


def require_within_geofence(
    *,
    lat: Number | None,
    lon: Number | None,
    center_lat: Number,
    center_lon: Number,
    radius_m: Number,
    accuracy_m: Number | None = None,
) -> GeofenceResult:
    """check_geofence on user input; raises venue.outside_geofence with the rounded distance."""
    flat, flon = parse_coordinates(lat, lon)
    result = check_geofence(lat=flat, lon=flon, center_lat=center_lat, center_lon=center_lon,
                            radius_m=radius_m, accuracy_m=accuracy_m)
    if not result.passed:
        raise VenueError.OUTSIDE_GEOFENCE.error(distance=result.distance_m, radius=round(float(radius_m)))
    return result


# ---------------------------------------------------------------------------------------
# GCJ-02 ("Mars coordinates")
#
# Map SDKs and pickers in China (AMap/高德, Tencent, WeChat's getLocation type "gcj02")
# return GCJ-02, offset from WGS-84 by a few hundred metres; browsers' geolocation returns
# WGS-84. Comparing one with the other would put honest volunteers outside a 100 m fence.
# The forward transform is the published one; the inverse has no closed form, so the
# usual one-step approximation (~1-2 m off) is refined by a few fixed-point iterations.
# ---------------------------------------------------------------------------------------

_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323


def _out_of_china(lat: float, lon: float) -> bool:
    # The customary bounding box; outside it GCJ-02 equals WGS-84.
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_delta(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _KRASOVSKY_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    lat, lon = float(lat), float(lon)
    if _out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_delta(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) in WGS-84 for a GCJ-02 point; identity outside China. Error < 1 mm."""
    lat, lon = float(lat), float(lon)
    if _out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_delta(lat, lon)
    wlat, wlon = lat - dlat, lon - dlon  # the standard one-step inverse
    for _ in range(5):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        elat, elon = glat - lat, glon - lon
        wlat, wlon = wlat - elat, wlon - elon
        if abs(elat) < 1e-10 and abs(elon) < 1e-10:  # ~0.01 mm
            break
    return wlat, wlon

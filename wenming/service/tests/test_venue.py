import math
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.test import override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from wenming.core.errors import DomainError
from wenming.service.venue import (
    ACCURACY_CAP_M,
    EARTH_RADIUS_M,
    check_geofence,
    distance_m,
    gcj02_to_wgs84,
    require_within_geofence,
    seconds_until_rotation,
    token_window,
    venue_qr_svg,
    venue_token,
    verify_venue_token,
    wgs84_to_gcj02,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The first second of a 30-second window, so offsets below read as "seconds into it".
T0 = datetime(2024, 3, 5, 9, 0, 0, tzinfo=UTC)
SHIFT = 4711
METRES_PER_DEGREE_LAT = 2 * math.pi * EARTH_RADIUS_M / 360  # 111 194.93 m


def code_of(token, shift_id=SHIFT, now=T0):
    try:
        verify_venue_token(token, shift_id, now)
    except DomainError as exc:
        return exc.code
    return "ok"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- tokens -------------------------------------------------------------------------------


def test_token_is_short_and_url_safe():
    token = venue_token(2_147_483_647, T0)
    assert quote(token, safe="") == token
    assert len(token) <= 40


def test_token_verifies_within_its_window_and_the_grace_window():
    token = venue_token(SHIFT, at(29.9))  # issued at the very end of window w
    assert code_of(token, now=at(29.9)) == "ok"
    assert code_of(token, now=at(30)) == "ok"  # w + 1: the grace window
    assert code_of(token, now=at(59.999)) == "ok"
    assert code_of(token, now=at(60)) == "venue.token_expired"


def test_screenshot_stops_working_after_period_times_grace_plus_one():
    token = venue_token(SHIFT, T0)  # issued at the very start of window w
    assert code_of(token, now=at(59.999999)) == "ok"
    assert code_of(token, now=at(60)) == "venue.token_expired"
    assert code_of(token, now=at(3600)) == "venue.token_expired"


@override_settings(VENUE_TOKEN_PERIOD_SECONDS=10, VENUE_TOKEN_GRACE_WINDOWS=0)
def test_period_and_grace_come_from_settings():
    token = venue_token(SHIFT, T0)
    assert code_of(token, now=at(9.999)) == "ok"
    assert code_of(token, now=at(10)) == "venue.token_expired"


@override_settings(VENUE_TOKEN_GRACE_WINDOWS=3)
def test_longer_grace_keeps_the_code_valid_longer():
    token = venue_token(SHIFT, T0)
    assert code_of(token, now=at(119.9)) == "ok"
    assert code_of(token, now=at(120)) == "venue.token_expired"


def test_token_for_another_shift_is_refused():
    assert code_of(venue_token(SHIFT + 1, T0)) == "venue.token_wrong_shift"


def test_token_one_window_ahead_is_tolerated_for_server_clock_skew():
    assert code_of(venue_token(SHIFT, at(30))) == "ok"


def test_token_from_the_future_beyond_one_window_is_refused():
    assert code_of(venue_token(SHIFT, at(60))) == "venue.token_not_yet_valid"
    assert code_of(venue_token(SHIFT, at(86400))) == "venue.token_not_yet_valid"


def test_token_signed_with_another_secret_key_is_refused():
    with override_settings(SECRET_KEY="another-deployment-" + "x" * 40):
        foreign = venue_token(SHIFT, T0)
    assert code_of(foreign) == "venue.token_invalid"


@pytest.mark.parametrize("garbage", ["", "abc", "1.2", "1.2.3", "a" * 500, None, 42, "é.1.AAAAAAAAAAAAAAAA"])
def test_malformed_tokens_are_invalid(garbage):
    assert code_of(garbage) == "venue.token_invalid"


def test_reencoded_genuine_token_is_refused():
    shift, window, sig = venue_token(SHIFT, T0).split(".")
    assert code_of(f"0{shift}.{window}.{sig}") == "venue.token_invalid"
    assert code_of(f"{shift.upper()}.{window}.{sig}") == "venue.token_invalid"


def test_token_refuses_non_positive_shift_ids():
    for bad in (0, -1, True, "12", 1.0):
        with pytest.raises(ValueError):
            venue_token(bad, T0)


_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_."


@given(position=st.integers(min_value=0, max_value=200), replacement=st.sampled_from(_ALPHABET))
def test_any_single_character_change_is_refused(position, replacement):
    token = venue_token(SHIFT, T0)
    i = position % len(token)
    if token[i] == replacement:
        replacement = "Z" if replacement != "Z" else "Y"
    tampered = token[:i] + replacement + token[i + 1:]
    assert code_of(tampered) == "venue.token_invalid"


def window(t: datetime, period: int) -> int:
    return (t - EPOCH) // timedelta(seconds=period)


_instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC))
_offsets = st.timedeltas(min_value=timedelta(minutes=-5), max_value=timedelta(minutes=5))


@example(shift=1, issued=T0, delta=timedelta(seconds=60), period=30, grace=1)  # expired at period*(grace+1)
@example(shift=1, issued=T0, delta=timedelta(seconds=59.999999), period=30, grace=1)
@example(shift=1, issued=T0, delta=timedelta(seconds=-30), period=30, grace=1)  # one window ahead
@example(shift=1, issued=T0, delta=timedelta(seconds=-30.000001), period=30, grace=1)  # two ahead
@given(
    shift=st.integers(min_value=1, max_value=10**9),
    issued=_instants,
    delta=_offsets,
    period=st.sampled_from([1, 7, 30, 60]),
    grace=st.integers(min_value=0, max_value=3),
)
def test_property_exact_acceptance_rule(shift, issued, delta, period, grace):
    """Accepted iff current - grace <= issued window <= current + 1; hence, in seconds:
    always accepted for -period <= d <= period*grace, never for d >= period*(grace+1)
    (the longest a screenshot can live) or d < -2*period."""
    with override_settings(VENUE_TOKEN_PERIOD_SECONDS=period, VENUE_TOKEN_GRACE_WINDOWS=grace):
        checked = issued + delta
        result = code_of(venue_token(shift, issued), shift, checked)
    lag = window(checked, period) - window(issued, period)
    expected = "venue.token_expired" if lag > grace else "venue.token_not_yet_valid" if lag < -1 else "ok"
    assert result == expected
    d = delta.total_seconds()
    if -period <= d <= period * grace:
        assert result == "ok"
    if d >= period * (grace + 1) or d < -2 * period:
        assert result != "ok"


@override_settings(TIME_ZONE="Asia/Shanghai")
def test_naive_now_is_read_in_the_current_time_zone():
    local = datetime(2024, 3, 5, 17, 0, 0)
    assert token_window(local) == token_window(T0)


def test_seconds_until_rotation_counts_down_to_the_window_end():
    assert seconds_until_rotation(T0) == 30
    assert seconds_until_rotation(at(29.5)) == 0.5


# --- QR -----------------------------------------------------------------------------------


def test_qr_is_an_inline_svg_sized_by_css():
    url = "https://wenming.example.cn/service/checkin/4711/?t=" + venue_token(SHIFT, T0)
    svg = venue_qr_svg(url)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "viewBox" in svg and "<?xml" not in svg and 'width="' not in svg
    assert venue_qr_svg(url) == svg  # deterministic: the page can compare and skip redraws
    assert venue_qr_svg(url + "x") != svg


# --- distances ----------------------------------------------------------------------------


def test_one_degree_of_latitude_is_about_111_2_km():
    assert distance_m(30, 110, 31, 110) == pytest.approx(METRES_PER_DEGREE_LAT, abs=0.01)
    assert METRES_PER_DEGREE_LAT == pytest.approx(111_195, abs=1)


def test_points_100_m_apart():
    lat, lon = 30.8300, 110.9770  # 秭归 county seat, 茅坪
    assert distance_m(lat, lon, lat + 100 / METRES_PER_DEGREE_LAT, lon) == pytest.approx(100, abs=0.01)
    east = 100 / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    assert distance_m(lat, lon, lat, lon + east) == pytest.approx(100, abs=0.01)


def test_antipodes_are_half_a_circumference_apart():
    # asin near 1 loses precision (~0.2 m here), irrelevant at geofence scale.
    assert distance_m(10, 20, -10, -160) == pytest.approx(math.pi * EARTH_RADIUS_M, abs=1)


_lat = st.floats(min_value=-90, max_value=90)
_lon = st.floats(min_value=-180, max_value=180)


@given(_lat, _lon, _lat, _lon)
def test_property_distance_is_symmetric_and_bounded(lat1, lon1, lat2, lon2):
    d = distance_m(lat1, lon1, lat2, lon2)
    assert 0 <= d <= math.pi * EARTH_RADIUS_M + 1e-6
    assert d == pytest.approx(distance_m(lat2, lon2, lat1, lon1), abs=1e-6)


# --- geofence -----------------------------------------------------------------------------

CENTER = (30.8300, 110.9770)


def north_of_center(metres: float) -> tuple[float, float]:
    return CENTER[0] + metres / METRES_PER_DEGREE_LAT, CENTER[1]


def fence(metres, radius=150, accuracy=None):
    lat, lon = north_of_center(metres)
    return check_geofence(lat=lat, lon=lon, center_lat=CENTER[0], center_lon=CENTER[1],
                          radius_m=radius, accuracy_m=accuracy)


def test_geofence_passes_inside_and_on_the_edge_and_fails_outside():
    assert fence(100).passed and fence(100).distance_m == 100
    assert fence(149.99).passed
    failed = fence(200)
    assert not failed.passed and failed.distance_m == 200


def test_accuracy_is_credited_against_the_distance():
    assert not fence(200).passed
    assert fence(199.99, accuracy=50).passed  # 199.99 - 50 <= 150
    assert not fence(200.01, accuracy=50).passed
    assert not fence(199.99, accuracy=49.9).passed
    assert fence(200, accuracy=60).distance_m == 200  # the stored distance is never adjusted


def test_accuracy_credit_is_capped_so_a_vague_fix_cannot_pass_from_far_away():
    assert fence(149.99 + ACCURACY_CAP_M, accuracy=5000).passed
    assert not fence(150.01 + ACCURACY_CAP_M, accuracy=5000).passed
    assert not fence(3000, accuracy=float("inf")).passed


@pytest.mark.parametrize("bogus", [-500, float("nan"), "abc", 0])
def test_bogus_accuracy_earns_no_credit(bogus):
    assert not fence(160, accuracy=bogus).passed


def test_geofence_accepts_decimal_and_string_coordinates():
    from decimal import Decimal

    result = check_geofence(lat="30.8300", lon=Decimal("110.9770"), center_lat=Decimal("30.8300"),
                            center_lon=110.977, radius_m=Decimal("50"))
    assert result.passed and result.distance_m == 0


def test_geofence_needs_a_positive_radius():
    with pytest.raises(ValueError):
        fence(0, radius=0)


def test_outside_geofence_error_names_distance_and_radius_in_metres():
    lat, lon = north_of_center(1234.4)
    with pytest.raises(DomainError) as exc:
        require_within_geofence(lat=lat, lon=lon, center_lat=CENTER[0], center_lon=CENTER[1], radius_m=200)
    assert exc.value.code == "venue.outside_geofence"
    assert exc.value.status == 422
    assert exc.value.message == "您当前位置距活动地点约 1234 米，超出签到范围（200 米）"


def test_require_within_geofence_returns_the_result_when_inside():
    lat, lon = north_of_center(30)
    result = require_within_geofence(lat=lat, lon=lon, center_lat=CENTER[0], center_lon=CENTER[1],
                                     radius_m=100, accuracy_m=12)
    assert result.passed and result.distance_m == 30


@pytest.mark.parametrize(("lat", "lon", "code"), [
    (None, 110.9, "venue.location_required"),
    (30.8, "", "venue.location_required"),
    (91, 110.9, "venue.coordinates_invalid"),
    (30.8, -180.5, "venue.coordinates_invalid"),
    (float("nan"), 110.9, "venue.coordinates_invalid"),
    ("北纬30度", 110.9, "venue.coordinates_invalid"),
])
def test_missing_or_invalid_position_is_refused(lat, lon, code):
    with pytest.raises(DomainError) as exc:
        require_within_geofence(lat=lat, lon=lon, center_lat=CENTER[0], center_lon=CENTER[1], radius_m=100)
    assert exc.value.code == code


# --- GCJ-02 -------------------------------------------------------------------------------

# Reference values published with the widely used coordtransform library (lon, lat there).
TIANANMEN = (39.915, 116.404)


def test_wgs84_to_gcj02_matches_published_reference_points():
    assert wgs84_to_gcj02(*TIANANMEN) == pytest.approx((39.91640428150164, 116.41024449916938), abs=1e-12)
    assert wgs84_to_gcj02(31.242, 121.491) == pytest.approx((31.240013408324618, 121.49546460985425), abs=1e-12)


def test_gcj02_to_wgs84_in_beijing_moves_the_point_about_555_m_south_west():
    wgs = gcj02_to_wgs84(*TIANANMEN)
    # The one-step inverse published with coordtransform: ours refines it by a few centimetres.
    assert distance_m(*wgs, 39.91359571849836, 116.39775550083061) < 0.5
    assert wgs[0] < TIANANMEN[0] and wgs[1] < TIANANMEN[1]
    assert distance_m(*TIANANMEN, *wgs) == pytest.approx(555, abs=2)


def test_gcj02_offset_in_zigui_is_hundreds_of_metres():
    gcj = (30.8300, 110.9770)
    offset = distance_m(*gcj, *gcj02_to_wgs84(*gcj))
    assert 100 < offset < 1000


@given(st.floats(min_value=18.0, max_value=53.0), st.floats(min_value=74.0, max_value=134.0))
def test_property_gcj02_to_wgs84_inverts_the_forward_transform(lat, lon):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
    assert distance_m(lat, lon, *back) < 0.001


def test_points_outside_china_are_unchanged():
    for point in ((35.6812, 139.7671), (51.5007, -0.1246), (-33.8568, 151.2153)):
        assert gcj02_to_wgs84(*point) == point
        assert wgs84_to_gcj02(*point) == point

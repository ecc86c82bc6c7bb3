from wenming.core.errors import ErrorCode


class VenueError(ErrorCode):
    """Venue-code (场所码) check-in and geofence refusals; see docs/checkin.md."""

    TOKEN_INVALID = ("venue.token_invalid", "场所码无效，请扫描活动现场的二维码", 400)
    TOKEN_EXPIRED = ("venue.token_expired", "场所码已过期，请扫描现场最新的二维码", 400)
    TOKEN_NOT_YET_VALID = ("venue.token_not_yet_valid", "场所码尚未生效，请稍后重新扫描", 400)
    TOKEN_WRONG_SHIFT = ("venue.token_wrong_shift", "该场所码不属于本次活动", 400)
    LOCATION_REQUIRED = ("venue.location_required", "签到需要获取您的当前位置，请允许定位后重试", 422)
    COORDINATES_INVALID = ("venue.coordinates_invalid", "定位结果无效（经纬度超出范围），请重新定位", 422)
    OUTSIDE_GEOFENCE = (
        "venue.outside_geofence",
        "您当前位置距活动地点约 {distance} 米，超出签到范围（{radius} 米）",
        422,
    )

"""Check-in/out by venue code, manual attendance, the attendance roster and the venue code
itself for a leader's app (SPEC 4.4; design in docs/checkin.md).

Answers carry the geofence outcome (pass/fail, distance in metres), never coordinates:
the position sent with a check-in is used for the test and then dropped.
"""

from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema

from wenming.volunteers.selectors import volunteer_for_user

from . import attendance_services, record_selectors, selectors
from .errors import ServiceError
from .hours_services import attendance_hours
from .models import Attendance
from .venue import seconds_until_rotation, token_period, venue_token

router = Router(tags=["签到签退"])


class AttendanceOut(Schema):
    id: int
    enrollment_id: int
    shift_id: int
    volunteer_id: int
    volunteer_no: str
    volunteer_name: str
    check_in_at: datetime
    check_out_at: datetime | None
    method: str
    geofence_passed: bool | None  # None: the project has no coordinates, or a manual entry
    distance_m: int | None
    out_geofence_passed: bool | None  # the check-out's result, kept the same way
    out_distance_m: int | None
    auto_closed: bool
    status: str  # checked_in | checked_out | auto_closed
    hours: Decimal  # computed from the shift window; what verifying would write
    verified: bool

    @staticmethod
    def resolve_shift_id(obj: Attendance) -> int:
        return obj.enrollment.shift_id

    @staticmethod
    def resolve_volunteer_id(obj: Attendance) -> int:
        return obj.enrollment.volunteer_id

    @staticmethod
    def resolve_volunteer_no(obj: Attendance) -> str:
        return obj.enrollment.volunteer.volunteer_no

    @staticmethod
    def resolve_volunteer_name(obj: Attendance) -> str:
        return obj.enrollment.volunteer.name

    @staticmethod
    def resolve_status(obj: Attendance) -> str:
        if obj.check_out_at is None:
            return "checked_in"
        return "auto_closed" if obj.auto_closed else "checked_out"

    @staticmethod
    def resolve_hours(obj: Attendance) -> Decimal:
        return attendance_hours(obj)

    @staticmethod
    def resolve_verified(obj: Attendance) -> bool:
        return bool(getattr(obj, "verified", False))


class CheckInIn(Schema):
    token: str
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None


class ManualIn(Schema):
    check_in_at: datetime
    check_out_at: datetime | None = None
    reason: str  # why by hand (e.g. 手机没电): kept in the audit log


class VenueTokenOut(Schema):
    shift_id: int
    token: str
    checkin_url: str
    period_seconds: int
    seconds_until_rotation: float


def _reload(attendance: Attendance) -> Attendance:
    # The services return the bare row; reload it with the verified flag and its relations.
    return record_selectors.attendance_for_enrollment(attendance.enrollment)


def _tap(request, shift_id: int, payload: CheckInIn, service) -> Attendance:
    shift = selectors.shift_get_for_actor(actor=request.auth, shift_id=shift_id)
    if volunteer_for_user(request.auth) is None:  # a clearer refusal than "not enrolled"
        raise ServiceError.NOT_A_VOLUNTEER.error()
    return _reload(service(actor=request.auth, shift=shift, **payload.dict()))


@router.post("/shifts/{shift_id}/check-in", response=AttendanceOut,
             summary="扫场所码签到（本人；重复提交只记一次）")
def check_in(request, shift_id: int, payload: CheckInIn):
    return _tap(request, shift_id, payload, attendance_services.attendance_check_in)


@router.post("/shifts/{shift_id}/check-out", response=AttendanceOut, summary="扫场所码签退（本人）")
def check_out(request, shift_id: int, payload: CheckInIn):
    return _tap(request, shift_id, payload, attendance_services.attendance_check_out)


@router.post("/enrollments/{enrollment_id}/attendance", response=AttendanceOut,
             summary="队长/工作人员补签（手工录入签到签退时间）")
def manual_attendance(request, enrollment_id: int, payload: ManualIn):
    enrollment = record_selectors.enrollment_get_runnable(actor=request.auth, enrollment_id=enrollment_id)
    return _reload(attendance_services.attendance_manual(actor=request.auth, enrollment=enrollment,
                                                         **payload.dict()))


@router.get("/shifts/{shift_id}/attendances", response=list[AttendanceOut], summary="班次签到名单")
def list_attendances(request, shift_id: int):
    shift = record_selectors.shift_get_runnable(actor=request.auth, shift_id=shift_id)
    return list(record_selectors.attendance_list_for_actor(actor=request.auth, shift=shift))


@router.get("/shifts/{shift_id}/venue-token", response=VenueTokenOut,
            summary="当前场所码（队长端展示二维码，到期前重新获取）")
def get_venue_token(request, shift_id: int, response: HttpResponse):
    shift = record_selectors.shift_get_runnable(actor=request.auth, shift_id=shift_id)
    now = timezone.now()  # one instant for the code and its countdown
    token = venue_token(shift.pk, now)
    response["Cache-Control"] = "no-store"  # a cached code would be stale within a period
    url = request.build_absolute_uri(reverse("service_pages:checkin", args=[shift.pk]) + "?t=" + token)
    return {"shift_id": shift.pk, "token": token, "checkin_url": url, "period_seconds": token_period(),
            "seconds_until_rotation": round(seconds_until_rotation(now), 3)}

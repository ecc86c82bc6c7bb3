"""Volunteer-facing pages (mobile first): recruiting projects, sign-up, my shifts, the venue
code page a leader shows on site, and the check-in page its QR code opens."""

import math

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from wenming.core.decorators import error_page, login_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.volunteer_record import honours_of
from wenming.volunteers.selectors import volunteer_for_user

from . import selectors
from .attendance_services import attendance_check_in, attendance_check_out
from .enrollment_services import enrollment_cancel, enrollment_create
from .errors import ServiceError
from .models import Attendance, EnrollmentStatus, VolunteerStats
from .refusals import refusal_fix, refusal_html
from .state_selectors import my_enrollments, prefetch_shifts_with_state, requirements_for, shifts_with_state
from .venue import seconds_until_rotation, token_period, venue_qr_svg, venue_token

# states of a sign-up that belong under 往期 even before the shift has ended
PAST_KEYS = ("cancelled", "absent", "past")


def _coordinate(raw, limit: float) -> float | None:
    """A latitude/longitude from the query string, or None when missing or out of range."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def project_list(request):
    """Public: recruiting projects, by category; nearest first when the browser gave lat/lon."""
    category = request.GET.get("category", "")
    lat, lon = _coordinate(request.GET.get("lat"), 90), _coordinate(request.GET.get("lon"), 180)
    nearby = lat is not None and lon is not None
    if nearby:
        projects = selectors.project_nearby_list(lat=lat, lon=lon, category=category)
    else:
        projects = list(selectors.project_public_list(category=category)[:100])
    # each shift with the volunteer's own state (已报名 / 候补第 N 位 / 已满 …), one query
    prefetch_shifts_with_state(projects, volunteer_for_user(request.user))
    return render(request, "service/pages/project_list.html", {
        "projects": projects, "categories": selectors.category_list(), "category": category,
        "nearby": nearby, "lat": request.GET.get("lat", "") if nearby else "",
        "lon": request.GET.get("lon", "") if nearby else "",
    })


def project_detail(request, project_id: int):
    try:
        project = selectors.project_get_for_actor(actor=request.user, project_id=project_id)
    except DomainError as exc:
        return error_page(request, exc)
    volunteer = volunteer_for_user(request.user)
    shifts = shifts_with_state(project=project, volunteer=volunteer)
    skills = list(project.required_skills.all())
    courses = [pc.course for pc in project.required_courses.select_related("course")]
    return render(request, "service/pages/project_detail.html", {
        "project": project, "shifts": shifts, "skills": [s.name for s in skills], "courses": courses,
        "volunteer": volunteer,
        "requirements": requirements_for(project=project, volunteer=volunteer, shifts=shifts, skills=skills,
                                         course_ids=[c.pk for c in courses]),
    })


@require_POST
@login_page
def sign_up(request, shift_id: int):
    shift = selectors.shift_get_for_actor(actor=request.user, shift_id=shift_id)
    volunteer = volunteer_for_user(request.user)
    if volunteer is None:
        exc = ServiceError.NOT_A_VOLUNTEER.error()
        messages.error(request, refusal_html(exc, refusal_fix(exc)))
        return redirect("service_pages:project", project_id=shift.project_id)
    try:
        enrollment = enrollment_create(actor=request.user, shift=shift, volunteer=volunteer)
    except DomainError as exc:
        # the refusal links to where the volunteer can fix what it asks for (no dead end)
        messages.error(request, refusal_html(exc, refusal_fix(exc, project=shift.project, volunteer=volunteer)))
    else:
        if enrollment.status == EnrollmentStatus.CONFIRMED:
            messages.success(request, f"报名成功：{shift.project.title} · {shift.title}")
        else:
            messages.info(request, "名额已满，您已进入候补，有人取消时将按顺序自动递补")
    return redirect(f"{reverse('service_pages:project', args=[shift.project_id])}#shift-{shift.pk}")


@never_cache
@login_page
def my_shifts(request):
    volunteer = volunteer_for_user(request.user)
    enrollments = my_enrollments(volunteer=volunteer)
    now = timezone.now()
    stats = VolunteerStats.objects.filter(volunteer=volunteer).first() if volunteer else None
    return render(request, "service/pages/my_shifts.html", {
        "volunteer": volunteer, "stats": stats, "honours": honours_of(volunteer),
        "upcoming": [e for e in enrollments if e.shift.ends_at > now and e.state.key not in PAST_KEYS],
        "past": [e for e in enrollments if e.shift.ends_at <= now or e.state.key in PAST_KEYS],
    })


@require_POST
@login_page
def cancel(request, enrollment_id: int):
    enrollment = selectors.enrollment_get_for_actor(actor=request.user, enrollment_id=enrollment_id)
    try:
        enrollment_cancel(actor=request.user, enrollment=enrollment, reason=request.POST.get("reason", ""))
        messages.success(request, f"已取消报名：{enrollment.shift.project.title} · {enrollment.shift.title}")
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.POST.get("back") == "project":  # the button was on the project page: back to it
        return redirect(f"{reverse('service_pages:project', args=[enrollment.shift.project_id])}"
                        f"#shift-{enrollment.shift_id}")
    return redirect("service_pages:my_shifts")


@never_cache
@login_page
def venue(request, shift_id: int):
    """The page a leader shows at the venue: a QR code that rotates every period."""
    shift = selectors.shift_get_for_actor(actor=request.user, shift_id=shift_id)
    scope_ok = selectors.project_list_for_actor(actor=request.user, mine_only=True).filter(pk=shift.project_id)
    if not scope_ok.exists():
        raise CoreError.NOT_FOUND.error()
    url = request.build_absolute_uri(reverse("service_pages:checkin", args=[shift.pk]) + "?t=" + venue_token(shift.pk))
    return render(request, "service/pages/venue.html", {
        "shift": shift, "qr": venue_qr_svg(url), "url": url, "period": token_period(),
        "refresh": max(1, int(seconds_until_rotation()) + 1),
    })


@never_cache
@login_page
def checkin(request, shift_id: int):
    """Opened from the venue QR code; the browser adds its position (only pass/fail and the
    distance are kept)."""
    shift = selectors.shift_get_for_actor(actor=request.user, shift_id=shift_id)
    token = request.POST.get("t") or request.GET.get("t", "")
    attendance = Attendance.objects.filter(enrollment__shift=shift, enrollment__volunteer__user=request.user).first()
    result = None
    if request.method == "POST":
        action = attendance_check_out if request.POST.get("mode") == "out" else attendance_check_in
        try:
            attendance = action(actor=request.user, shift=shift, token=token, lat=request.POST.get("lat") or None,
                                lon=request.POST.get("lon") or None, accuracy_m=request.POST.get("accuracy") or None)
            result = "签退成功" if action is attendance_check_out else "签到成功"
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(request, "service/pages/checkin.html", {"shift": shift, "token": token,
                                                          "attendance": attendance, "result": result})

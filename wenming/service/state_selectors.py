"""What a volunteer sees of shifts and of their own sign-ups: the state in words and the one
next step it allows (issue 15: 已报名 / 候补第 N 位 / 已满 / 已开始 … instead of a 报名 button
that answers 您已报名该班次).

The volunteer's enrollment, waitlist place, attendance and verified hours come in the same
query as the shifts or enrollments (correlated subqueries), so a page of any length costs
the same few queries; `describe_*` then only reads those values and the clock. The rules are
the services' own: sign-up only while the project is recruiting and the shift has not
started (enrollment_services._check_requirements), self-cancellation only until
`cancel_before_minutes` before the start (enrollment_cancel).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import LIVE_STATUSES, Enrollment, EnrollmentStatus, Project, ProjectStatus, ServiceRecord, Shift


@dataclass(frozen=True)
class State:
    """`key` names the CSS class (tag state-<key>); `label` is what the volunteer reads;
    `sign_up` the button's text when a sign-up is possible; `cancel` whether the volunteer may
    cancel themself now; `note` the next step in words."""

    key: str
    label: str
    sign_up: str = ""
    cancel: bool = False
    note: str = ""
    enrollment_id: int | None = None


def _waitlist_place() -> Subquery:
    """For an Enrollment queryset: 1 + the waitlisted enrollments of the same shift ahead of
    this one (promotion order: created_at, id)."""
    ahead = (Enrollment.objects.filter(shift_id=OuterRef("shift_id"), status=EnrollmentStatus.WAITLISTED)
             .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lte=OuterRef("id")))
             .order_by().values("shift_id").annotate(n=Count("id")).values("n")[:1])
    return Subquery(ahead)


def with_my_enrollment(qs: QuerySet, volunteer) -> QuerySet:
    """Annotate a Shift queryset with the volunteer's live enrollment on each shift:
    my_enrollment_id, my_status, my_place (waitlist place, else None)."""
    if volunteer is None:
        return qs
    mine = Enrollment.objects.filter(shift_id=OuterRef("pk"), volunteer_id=volunteer.pk, status__in=LIVE_STATUSES)
    return qs.annotate(
        my_enrollment_id=Subquery(mine.values("id")[:1]),
        my_status=Subquery(mine.values("status")[:1]),
        my_place=Subquery(mine.filter(status=EnrollmentStatus.WAITLISTED).annotate(place=_waitlist_place())
                          .values("place")[:1]),
    )


def _cancel_deadline(shift: Shift, project: Project):
    return shift.starts_at - timedelta(minutes=project.cancel_before_minutes)


def _live_state(*, status: str, place, shift: Shift, project: Project, enrollment_id: int, now) -> State:
    """A live (confirmed or waitlisted) enrollment of a shift not yet started."""
    may_cancel = now <= _cancel_deadline(shift, project)
    too_late = "" if may_cancel else f"开始前 {project.cancel_before_minutes} 分钟内不能自行取消，如有变化请联系队长。"
    if status == EnrollmentStatus.WAITLISTED:
        return State("waitlisted", f"候补第 {place or 1} 位", cancel=may_cancel, enrollment_id=enrollment_id,
                     note=too_late or "有人取消时按顺序自动递补，递补成功会通知您。")
    return State("enrolled", "已报名", cancel=may_cancel, enrollment_id=enrollment_id,
                 note=too_late or "请按时到岗，到场后扫场所码签到。")


def describe_shift(shift: Shift, project: Project, now=None) -> State:
    """A shift as the (possibly anonymous) volunteer sees it on a project page or list."""
    now = now or timezone.now()
    status = getattr(shift, "my_status", None)
    enrollment_id = getattr(shift, "my_enrollment_id", None)
    started, ended = now >= shift.starts_at, now >= shift.ends_at
    if status == EnrollmentStatus.CONFIRMED:
        if ended:
            return State("past", "已报名 · 已结束", enrollment_id=enrollment_id, note="签到和时长见“我的服务”。")
        if started:
            return State("started", "已报名 · 进行中", enrollment_id=enrollment_id, note="请到现场扫场所码签到。")
    if status == EnrollmentStatus.WAITLISTED and started:
        return State("past", "候补未递补", enrollment_id=enrollment_id, note="班次已开始，候补已结束。")
    if status in LIVE_STATUSES:
        return _live_state(status=status, place=getattr(shift, "my_place", None), shift=shift, project=project,
                           enrollment_id=enrollment_id, now=now)
    if ended:
        return State("past", "已结束")
    if started:
        return State("started", "已开始", note="班次已开始，不能再报名。")
    if project.status != ProjectStatus.RECRUITING:
        return State("closed", "未在招募", note="项目招募开始后才能报名。")
    if shift.taken < shift.capacity:
        return State("open", "可报名", sign_up="报名")
    if project.allow_waitlist:
        return State("full", "已满", sign_up="候补报名", note="名额已满，可以候补：有人取消时按顺序自动递补。")
    return State("full", "已满", note="名额已满，该项目不设候补。")


def shifts_with_state(*, project: Project, volunteer, now=None) -> list[Shift]:
    """The project's shifts, each with `.state` (one query)."""
    now = now or timezone.now()
    shifts = list(with_my_enrollment(Shift.objects.filter(project=project), volunteer).order_by("starts_at", "id"))
    for shift in shifts:
        shift.project = project
        shift.state = describe_shift(shift, project, now)
    return shifts


def prefetch_shifts_with_state(projects, volunteer) -> None:
    """For a list of projects: their shifts with the volunteer's enrollment, in one query,
    each with `.state`."""
    from django.db.models import prefetch_related_objects

    projects = list(projects)
    prefetch_related_objects(projects, Prefetch(
        "shifts", queryset=with_my_enrollment(Shift.objects.order_by("starts_at", "id"), volunteer)))
    now = timezone.now()
    for project in projects:
        for shift in project.shifts.all():
            shift.state = describe_shift(shift, project, now)


# ---- the volunteer's own sign-ups (我的服务) ---------------------------------------------


def _verified_hours() -> Coalesce:
    """Hours in the ledger for the enrollment's attendance: its AUTO entry plus corrections."""
    records = (ServiceRecord.objects.filter(Q(attendance_id=OuterRef("attendance__id"))
                                            | Q(corrects__attendance_id=OuterRef("attendance__id")))
               .order_by().values("volunteer_id").annotate(total=Sum("hours")).values("total")[:1])
    return Subquery(records, output_field=DecimalField(max_digits=9, decimal_places=2))


def my_enrollments(*, volunteer, limit: int = 100) -> list[Enrollment]:
    """The volunteer's sign-ups, newest shift first, each with `.state` (one query)."""
    if volunteer is None:
        return []
    qs = (Enrollment.objects.filter(volunteer=volunteer).select_related("shift__project", "attendance")
          .annotate(place=_waitlist_place(), hours=_verified_hours())
          .order_by("-shift__starts_at", "-id")[:limit])
    now = timezone.now()
    out = list(qs)
    for enrollment in out:
        enrollment.state = describe_enrollment(enrollment, now)
    return out


def _attendance_of(enrollment: Enrollment):
    try:
        return enrollment.attendance
    except Enrollment.attendance.RelatedObjectDoesNotExist:
        return None


def describe_enrollment(enrollment: Enrollment, now=None) -> State:
    """A sign-up on 我的服务: future ones may be cancelled (within the rule); past ones say
    what happened (已完成 with hours, 已签到, 未签到) and offer nothing they cannot do."""
    now = now or timezone.now()
    shift = enrollment.shift
    project = shift.project
    status = enrollment.status
    if status == EnrollmentStatus.CANCELLED:
        reason = f"（{enrollment.cancel_reason}）" if enrollment.cancel_reason else ""
        return State("cancelled", "已取消", note=f"已于 {timezone.localtime(enrollment.cancelled_at):%m月%d日 %H:%M} 取消{reason}。"
                     if enrollment.cancelled_at else "")
    if status == EnrollmentStatus.NO_SHOW:
        return State("absent", "未到岗", note="该班次被标记为未到岗，如有异议请联系队长。")
    if project.status == ProjectStatus.CANCELLED:
        return State("cancelled", "项目已取消", note=project.cancel_reason or "")
    started, ended = now >= shift.starts_at, now >= shift.ends_at
    if status == EnrollmentStatus.WAITLISTED:
        if started:
            return State("past", "候补未递补", note="班次开始前没有空出名额。")
        return _live_state(status=status, place=getattr(enrollment, "place", None), shift=shift, project=project,
                           enrollment_id=enrollment.pk, now=now)
    attendance = _attendance_of(enrollment)
    if not started:
        return _live_state(status=status, place=None, shift=shift, project=project, enrollment_id=enrollment.pk,
                           now=now)
    hours = getattr(enrollment, "hours", None)
    if attendance is None:
        if ended:
            return State("absent", "未签到", note="没有签到记录。如确已到岗，请联系队长补签。")
        return State("started", "进行中 · 未签到", note="请到现场扫场所码签到。")
    checked_in = f"{timezone.localtime(attendance.check_in_at):%H:%M} 签到"
    if attendance.check_out_at is None:
        if ended:
            return State("checked-in", "已签到", note=f"{checked_in}，未签退；时长待队长核定。")
        return State("started", "已签到 · 进行中", note=f"{checked_in}，结束时请扫码签退。")
    if hours is not None and hours > Decimal(0):
        return State("done", f"已完成 · {hours.normalize():f} 小时",
                     note=f"{checked_in}，{timezone.localtime(attendance.check_out_at):%H:%M} 签退，时长已核定。")
    return State("checked-in", "已签到", note=f"{checked_in}，{timezone.localtime(attendance.check_out_at):%H:%M} 签退；时长待队长核定。")


# ---- what the volunteer still needs before signing up ------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One of the project's conditions as it stands for this volunteer; when not met, where
    to fix it (`link`, `link_label`) and the state of a fix already submitted (`pending`)."""

    key: str
    ok: bool
    text: str
    link: str = ""
    link_label: str = ""
    pending: str = ""


def requirements_for(*, project: Project, volunteer, shifts: list[Shift], skills: list, course_ids: list[int],
                     today=None) -> list[Requirement]:
    """The project's sign-up conditions checked against the volunteer's confirmed record (the
    same data the sign-up checks read; an update waiting for staff does not count yet)."""
    from django.urls import reverse

    from wenming.core.dates import age_on
    from wenming.mobilization.models import CourseCompletion
    from wenming.volunteers.change_selectors import changes_of_volunteer, latest_by_kind

    if volunteer is None:
        return []
    today = today or timezone.localdate()
    here = reverse("service_pages:project", args=[project.pk])
    out: list[Requirement] = []
    if volunteer.status != "active":
        out.append(Requirement("status", False, f"您的志愿者状态为“{volunteer.get_status_display()}”，不能报名；"
                                                 f"如需恢复，请联系所属阵地（{volunteer.home_node.name}）。"))
    upcoming = [s for s in shifts if s.starts_at > timezone.now()]
    if upcoming and project.min_age:
        first = timezone.localtime(min(s.starts_at for s in upcoming)).date()
        if age_on(volunteer.birth_date, first) < project.min_age:
            out.append(Requirement("age", False, f"该项目要求年满 {project.min_age} 周岁。"))
    latest = latest_by_kind(changes_of_volunteer(volunteer)) if (project.requires_insurance or skills) else {}

    def pending_of(kind: str) -> str:
        change = latest.get(kind)
        if change is None or change.status == "confirmed":
            return ""
        if change.status == "rejected":
            return f"您上次提交的更新已退回：{change.reject_reason}"
        return "您提交的更新待审核，确认后即可报名。"

    if project.requires_insurance:
        valid = volunteer.insurance_valid_until
        needed = max((timezone.localtime(s.ends_at).date() for s in upcoming), default=today)
        if valid is not None and valid >= needed:
            out.append(Requirement("insurance", True, f"保险有效期至 {valid:%Y-%m-%d}，覆盖服务日期。"))
        else:
            have = f"有效期至 {valid:%Y-%m-%d}" if valid else "未登记"
            out.append(Requirement("insurance", False, f"须在保险有效期内：您的保险{have}，不能覆盖服务日期（{needed:%Y-%m-%d}）。",
                                   link=f"{reverse('volunteers:my_insurance')}?next={here}", link_label="更新保险信息",
                                   pending=pending_of("insurance")))
    if skills:
        held = set(volunteer.skills.values_list("pk", flat=True))
        missing = [s.name for s in skills if s.pk not in held]
        if missing:
            out.append(Requirement("skills", False, f"还缺少技能：{'、'.join(missing)}。",
                                   link=f"{reverse('volunteers:my_skills')}?next={here}", link_label="更新技能特长",
                                   pending=pending_of("skills")))
        else:
            out.append(Requirement("skills", True, "所需技能已具备。"))
    if course_ids:
        done = set(CourseCompletion.objects.filter(volunteer=volunteer, course_id__in=course_ids)
                   .values_list("course_id", flat=True))
        left = [pk for pk in course_ids if pk not in done]
        if left:
            out.append(Requirement("courses", False, f"还有 {len(left)} 门岗前培训未完成（见上方培训列表）。",
                                   link=f"{reverse('mobilization:course', args=[left[0]])}?next={here}",
                                   link_label="去完成培训"))
        else:
            out.append(Requirement("courses", True, "岗前培训已完成。"))
    return out

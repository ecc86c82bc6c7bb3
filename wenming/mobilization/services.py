"""Writes for training courses and calls to the reserve (招募令).

Answer links carry a signed token (django.core.signing, salted) holding only the response
id: answering needs no login and the link reveals no personal data. A volunteer who is
logged in can also answer through the API without a token.
"""

from datetime import datetime
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.errors import CoreError
from wenming.core.notify import Message, notify_each
from wenming.service.enrollment_services import enrollment_create
from wenming.service.models import EnrollmentSource
from wenming.service.venue import bounding_box, distance_m
from wenming.volunteers.models import Volunteer, VolunteerStatus

from .errors import MobilizationError as E
from .models import Answer, Call, CallResponse, CallStatus, Course, CourseCompletion, ProjectCourse

TOKEN_SALT = "wenming.mobilization.answer"
ANSWER_PATH = "/mobilization/answer/?token="
KM_PER_DEGREE_LAT = 111.32


def _check_edit(actor, node) -> None:
    if not scope_for(actor).allows(Perm.PROJECT_EDIT, node.path):
        raise CoreError.NOT_FOUND.error()


# ---- training courses -------------------------------------------------------------------


def _validate_quiz(quiz) -> list[dict]:
    if not isinstance(quiz, list):
        raise E.QUIZ_INVALID.error("quiz", detail="应为题目列表")
    clean = []
    for n, item in enumerate(quiz, start=1):
        if not isinstance(item, dict):
            raise E.QUIZ_INVALID.error("quiz", detail=f"第 {n} 题格式错误")
        question, options, answer = item.get("question"), item.get("options"), item.get("answer")
        if not isinstance(question, str) or not question.strip():
            raise E.QUIZ_INVALID.error("quiz", detail=f"第 {n} 题缺少题干")
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) for o in options):
            raise E.QUIZ_INVALID.error("quiz", detail=f"第 {n} 题至少需要两个选项")
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(options):
            raise E.QUIZ_INVALID.error("quiz", detail=f"第 {n} 题的正确答案序号超出选项范围")
        clean.append({"question": question.strip(), "options": options, "answer": answer})
    return clean


def course_create(*, actor, node, title: str, material: str = "", quiz=None, pass_score: int = 60) -> Course:
    _check_edit(actor, node)
    quiz = _validate_quiz(quiz or [])
    if not 0 <= pass_score <= 100:
        raise E.PASS_SCORE.error("pass_score")
    title = title.strip()
    if not title:
        raise CoreError.INVALID_INPUT.error("title", detail="请填写课程名称")
    with transaction.atomic():
        course = Course.objects.create(node=node, title=title[:100], material=material, quiz=quiz,
                                       pass_score=pass_score, created_by=actor)
        audit_record(actor=actor, action="course.create", obj=course, node_path=node.path,
                     changes={"title": course.title, "questions": len(quiz)})
    return course


def project_course_require(*, actor, project, course: Course) -> ProjectCourse:
    """Make a course a sign-up requirement of a project (idempotent)."""
    _check_edit(actor, project.node)
    with transaction.atomic():
        link, created = ProjectCourse.objects.get_or_create(project=project, course=course)
        if created:
            audit_record(actor=actor, action="project.require_course", obj=project, node_path=project.node.path,
                         changes={"course": course.pk})
    return link


def course_complete(*, actor, course: Course, volunteer, answers: list[int] | None = None) -> dict:
    """Score the volunteer's quiz answers; a pass records (or improves) the completion.
    The volunteer themself, or staff over their node recording an offline session."""
    own = volunteer.user_id is not None and volunteer.user_id == getattr(actor, "pk", None)
    if not own and not scope_for(actor).allows(Perm.VOLUNTEER_EDIT, volunteer.home_node.path):
        raise CoreError.NOT_FOUND.error()
    quiz = course.quiz or []
    answers = list(answers or [])
    if quiz and len(answers) != len(quiz):
        raise E.ANSWERS_INVALID.error("answers", count=len(quiz))
    correct = sum(1 for q, a in zip(quiz, answers, strict=True) if a == q["answer"])
    score = round(100 * correct / len(quiz)) if quiz else 100
    passed = score >= course.pass_score
    if passed:
        with transaction.atomic():
            done, created = CourseCompletion.objects.get_or_create(
                course=course, volunteer=volunteer, defaults={"score": score, "completed_at": timezone.now()})
            if not created and score > done.score:
                CourseCompletion.objects.filter(pk=done.pk, score__lt=score).update(score=score)
            audit_record(actor=actor, action="course.complete", obj=course, node_path=volunteer.home_node.path,
                         changes={"volunteer": volunteer.pk, "score": score})
        message = f"恭喜您通过“{course.title}”培训，得分 {score} 分"
    else:
        message = f"未通过“{course.title}”培训：得分 {score} 分，及格线 {course.pass_score} 分，请复习后重试"
    return {"passed": passed, "score": score, "pass_score": course.pass_score, "message": message}


# ---- calls to the reserve ---------------------------------------------------------------


def call_create(*, actor, node, shift, title: str, needed: int, deadline: datetime, description: str = "",
                skills=(), availability_mask: int = 0, center_lat: Decimal | None = None,
                center_lon: Decimal | None = None, radius_km: Decimal | None = None) -> Call:
    _check_edit(actor, node)
    _check_edit(actor, shift.project.node)
    now = timezone.now()
    area = (center_lat, center_lon, radius_km)
    if any(v is not None for v in area) and not all(v is not None for v in area):
        raise E.CALL_FIELDS.error("radius_km", detail="按距离召集须同时填写中心纬度、经度和半径")
    if radius_km is not None and not (0 < radius_km <= 1000):
        raise E.CALL_FIELDS.error("radius_km", detail="半径须在 0 到 1000 公里之间")
    if center_lat is not None and not (-90 <= center_lat <= 90 and -180 <= center_lon <= 180):
        raise E.CALL_FIELDS.error("center_lat", detail="中心坐标超出范围")
    if not 0 <= availability_mask <= 15:
        raise E.CALL_FIELDS.error("availability_mask", detail="可服务时间取值为 0–15")
    if needed <= 0:
        raise E.CALL_FIELDS.error("needed", detail="需要人数须为正整数")
    if deadline <= now or deadline > shift.starts_at:
        raise E.CALL_FIELDS.error("deadline", detail="截止时间须晚于现在且不晚于班次开始")
    if not title.strip():
        raise E.CALL_FIELDS.error("title", detail="请填写标题")
    with transaction.atomic():
        call = Call.objects.create(
            node=node, shift=shift, title=title.strip()[:100], description=description, needed=needed,
            deadline=deadline, availability_mask=availability_mask, center_lat=center_lat, center_lon=center_lon,
            radius_km=radius_km, created_by=actor,
        )
        call.skills.set(skills)
        audit_record(actor=actor, action="call.create", obj=call, node_path=node.path,
                     changes={"title": call.title, "needed": needed})
    return call


def call_candidates(*, call: Call) -> list[int]:
    """Ids of reserve volunteers matching the call: subtree, all skills, availability, radius."""
    qs = Volunteer.objects.filter(is_reserve=True, status=VolunteerStatus.ACTIVE,
                                  home_node__path__startswith=call.node.path)
    for skill_id in call.skills.values_list("pk", flat=True):
        qs = qs.filter(skills__pk=skill_id)
    if call.availability_mask:
        qs = qs.annotate(_avail=F("availability").bitand(call.availability_mask)).filter(_avail__gt=0)
    if call.radius_km is None:
        return list(qs.values_list("pk", flat=True).distinct())
    lat, lon, radius_m = float(call.center_lat), float(call.center_lon), float(call.radius_km) * 1000
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(lat, lon, float(call.radius_km))
    boxed = qs.filter(lat__gte=lat_lo, lat__lte=lat_hi, lon__gte=lon_lo, lon__lte=lon_hi)
    return [pk for pk, vlat, vlon in boxed.values_list("pk", "lat", "lon").distinct()
            if distance_m(lat, lon, vlat, vlon) <= radius_m]


def answer_token(response: CallResponse) -> str:
    return signing.dumps({"r": response.pk}, salt=TOKEN_SALT, compress=True)


def response_from_token(token: str) -> CallResponse:
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        raise E.BAD_TOKEN.error() from None
    response = CallResponse.objects.filter(pk=data.get("r") if isinstance(data, dict) else None).select_related(
        "call__shift__project", "call__node", "volunteer__home_node").first()
    if response is None:
        raise E.BAD_TOKEN.error()
    return response


def _check_open(call: Call) -> None:
    if call.status != CallStatus.OPEN:
        raise E.CALL_CLOSED.error()
    if timezone.now() > call.deadline:
        raise E.DEADLINE_PASSED.error()


def call_target(*, actor, call: Call) -> int:
    """Add the matching reserve volunteers not yet targeted and send each a personal answer
    link (on commit). Running it again only reaches newcomers. Returns how many were added."""
    _check_edit(actor, call.node)
    _check_open(call)
    with transaction.atomic():
        # One targeting run per call at a time: a double click waits here and then finds
        # everyone already targeted, so nobody gets the message twice.
        Call.objects.select_for_update().filter(pk=call.pk).values_list("pk").first()
        ids = set(call_candidates(call=call))
        ids -= set(CallResponse.objects.filter(call=call).values_list("volunteer_id", flat=True))
        CallResponse.objects.bulk_create([CallResponse(call=call, volunteer_id=pk) for pk in sorted(ids)],
                                         ignore_conflicts=True, batch_size=500)
        responses = list(CallResponse.objects.filter(call=call, volunteer_id__in=ids)
                         .select_related("volunteer"))
        when = timezone.localtime(call.shift.starts_at)
        notify_each([
            Message(user_id=r.volunteer.user_id, volunteer_id=r.volunteer_id, subject=f"招募令：{call.title}"[:200],
                    body=f"{call.node.name}召集应急储备志愿者，{when:%m月%d日 %H:%M} 集结，"
                         f"请于 {timezone.localtime(call.deadline):%m月%d日 %H:%M} 前响应。",
                    link=ANSWER_PATH + answer_token(r))
            for r in responses
        ])
        audit_record(actor=actor, action="call.target", obj=call, node_path=call.node.path,
                     changes={"added": len(responses)})
    return len(responses)


def call_target_volunteers(*, call: Call, volunteers) -> list[CallResponse]:
    """Make chosen volunteers targets of the call (a unit answering with its team:
    evaluation.services.units, which checks who may and tells them) inside the caller's
    transaction; returns their responses still waiting for an answer, each to be sent its
    personal link (ANSWER_PATH + answer_token)."""
    CallResponse.objects.bulk_create([CallResponse(call=call, volunteer=v) for v in volunteers],
                                     ignore_conflicts=True, batch_size=500)
    return list(CallResponse.objects.filter(call=call, volunteer__in=volunteers, answer=Answer.PENDING)
                .select_related("volunteer").order_by("volunteer_id"))


def call_answer(*, actor, response: CallResponse, answer: str) -> CallResponse:
    """Record the volunteer's first answer. Yes signs them up on the call's shift (confirmed
    while slots last, then waitlisted); a refused sign-up (e.g. missing training) rolls the
    answer back and says why. A second answer changes nothing. `actor` is None for a token."""
    if answer not in (Answer.YES, Answer.NO):
        raise E.BAD_ANSWER.error("answer")
    call = response.call
    volunteer = response.volunteer
    if actor is not None and getattr(actor, "is_authenticated", False) and volunteer.user_id != actor.pk:
        raise E.NOT_TARGETED.error()
    if response.answer != Answer.PENDING:
        return response
    _check_open(call)
    with transaction.atomic():
        if not CallResponse.objects.filter(pk=response.pk, answer=Answer.PENDING).update(
                answer=answer, answered_at=timezone.now()):
            response.refresh_from_db()
            return response  # a concurrent tap answered first
        if answer == Answer.YES:
            # The volunteer's own account signs them up; without one, the call's issuer does.
            on_behalf = volunteer.user if volunteer.user_id else call.created_by
            enrollment = enrollment_create(actor=on_behalf, shift=call.shift, volunteer=volunteer,
                                           source=EnrollmentSource.MOBILIZATION)
            CallResponse.objects.filter(pk=response.pk).update(enrollment=enrollment)
        audit_record(actor=actor, action="call.answer", obj=response, node_path=call.node.path,
                     changes={"answer": answer, "via": "token" if actor is None else "login"})
    response.refresh_from_db()
    return response


def call_close(*, actor, call: Call) -> Call:
    _check_edit(actor, call.node)
    with transaction.atomic():
        if Call.objects.filter(pk=call.pk, status=CallStatus.OPEN).update(status=CallStatus.CLOSED):
            audit_record(actor=actor, action="call.close", obj=call, node_path=call.node.path)
    call.refresh_from_db()
    return call

"""Reads for calls and courses, and the course gate used by service sign-up.

Staff see calls and courses of their subtrees (project.view); a volunteer sees the calls
they were targeted by and the courses published at their home node or above it.
Out-of-scope and missing answer the same 404.
"""

from django.db.models import Count, Q, QuerySet

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.orgs.models import PATH_STEP
from wenming.service.models import EnrollmentStatus, ProjectStatus

from .errors import MobilizationError
from .models import Answer, Call, CallResponse, Course, ProjectCourse


def _own_volunteer_id(actor) -> int | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    from wenming.volunteers.models import Volunteer

    return Volunteer.objects.filter(user=actor).values_list("pk", flat=True).first()


def call_list_for_actor(*, actor, status: str = "") -> QuerySet:
    q = scope_for(actor).q(Perm.PROJECT_VIEW, "node__path")
    vol_id = _own_volunteer_id(actor)
    if vol_id is not None:
        q |= Q(pk__in=CallResponse.objects.filter(volunteer_id=vol_id).values("call_id"))
    qs = Call.objects.filter(q).select_related("node", "shift__project")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def call_get_for_actor(*, actor, call_id: int) -> Call:
    call = call_list_for_actor(actor=actor).filter(pk=call_id).first()
    if call is None:
        raise CoreError.NOT_FOUND.error()
    return call


def call_response_for_volunteer(*, call: Call, volunteer) -> CallResponse:
    response = CallResponse.objects.filter(call=call, volunteer=volunteer).select_related(
        "call__shift__project", "volunteer__home_node").first()
    if response is None:
        raise MobilizationError.NOT_TARGETED.error()
    return response


def call_tally(*, call: Call) -> dict:
    """Live counts straight from the response rows (an indexed GROUP BY per call)."""
    counts = CallResponse.objects.filter(call=call).aggregate(
        targeted=Count("pk"),
        yes=Count("pk", filter=Q(answer=Answer.YES)),
        no=Count("pk", filter=Q(answer=Answer.NO)),
        pending=Count("pk", filter=Q(answer=Answer.PENDING)),
        confirmed=Count("pk", filter=Q(enrollment__status=EnrollmentStatus.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(enrollment__status=EnrollmentStatus.WAITLISTED)),
    )
    return {"needed": call.needed, **counts}


def course_list_for_actor(*, actor) -> QuerySet:
    q = scope_for(actor).q(Perm.PROJECT_VIEW, "node__path")
    vol_id = _own_volunteer_id(actor)
    if vol_id is not None:
        from wenming.volunteers.models import Volunteer

        home = Volunteer.objects.filter(pk=vol_id).values_list("home_node__path", flat=True).first() or ""
        ancestors = [home[:i] for i in range(PATH_STEP, len(home) + 1, PATH_STEP)]
        q |= Q(node__path__in=ancestors)
    if getattr(actor, "is_authenticated", False):
        # a course a recruiting project requires is open to whoever may sign up for it
        q |= Q(pk__in=ProjectCourse.objects.filter(project__status=ProjectStatus.RECRUITING).values("course_id"))
    return Course.objects.filter(q).select_related("node").order_by("-id")


def course_get_for_actor(*, actor, course_id: int) -> Course:
    course = course_list_for_actor(actor=actor).filter(pk=course_id).first()
    if course is None:
        raise CoreError.NOT_FOUND.error()
    return course


def missing_courses(project, volunteer) -> list[str]:
    """Titles of the project's required courses the volunteer has not passed."""
    return list(
        ProjectCourse.objects.filter(project=project)
        .exclude(course__completions__volunteer=volunteer)
        .order_by("course__title")
        .values_list("course__title", flat=True)
    )


def require_courses(*, project, volunteer) -> None:
    """The sign-up gate (called from the sign-up's requirement checks)."""
    missing = missing_courses(project, volunteer)
    if missing:
        raise MobilizationError.COURSE_REQUIRED.error(courses="、".join(missing))

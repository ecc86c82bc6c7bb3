"""Training pages (岗前培训) for volunteers: the courses open to them, and one course's
material with its quiz. A pass is recorded by `course_complete`, which the sign-up gate of
projects requiring the course reads."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from wenming.core.decorators import login_page
from wenming.core.errors import DomainError
from wenming.service.errors import ServiceError
from wenming.service.refusals import safe_next_url
from wenming.volunteers.selectors import volunteer_for_user

from .models import CourseCompletion
from .selectors import course_get_for_actor, course_list_for_actor
from .services import course_complete


@login_page
def course_list(request):
    volunteer = volunteer_for_user(request.user)
    done = set(CourseCompletion.objects.filter(volunteer=volunteer).values_list("course_id", flat=True)) \
        if volunteer else set()
    courses = list(course_list_for_actor(actor=request.user)[:100])
    return render(request, "mobilization/course_list.html", {"courses": courses, "done": done})


def _answers(request, quiz: list) -> list[int] | None:
    """The chosen option of every question, or None when one is unanswered or not a choice."""
    answers = []
    for n, question in enumerate(quiz):
        raw = request.POST.get(f"q{n}", "")
        if not (raw.isascii() and raw.isdigit() and int(raw) < len(question["options"])):
            return None
        answers.append(int(raw))
    return answers


@never_cache
@login_page
def course_detail(request, course_id: int):
    course = course_get_for_actor(actor=request.user, course_id=course_id)
    volunteer = volunteer_for_user(request.user)
    result, error = None, ""
    if request.method == "POST":
        answers = _answers(request, course.quiz or [])
        if volunteer is None:
            error = ServiceError.NOT_A_VOLUNTEER.error().message
        elif answers is None:
            error = "请回答每一道题"
        else:
            try:
                result = course_complete(actor=request.user, course=course, volunteer=volunteer, answers=answers)
            except DomainError as exc:
                error = exc.message
    completion = CourseCompletion.objects.filter(course=course, volunteer=volunteer).first() if volunteer else None
    return render(request, "mobilization/course_detail.html", {
        "course": course, "questions": [(n, q["question"], list(enumerate(q["options"])))
                                        for n, q in enumerate(course.quiz or [])],
        "result": result, "error": error, "completion": completion, "next": safe_next_url(request),
    }, status=422 if error else 200)

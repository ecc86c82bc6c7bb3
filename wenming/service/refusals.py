"""No dead ends: a refusal that asks the volunteer to do something links to where they can
do it (issue 15). The codes are the sign-up checks' own (enrollment_services, and the course
gate in mobilization); a refusal that asks nothing (名额已满, 已开始 …) gets no link.

    fix = refusal_fix(exc, project=shift.project, volunteer=volunteer)
    messages.error(request, refusal_html(exc, fix))
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from wenming.core.errors import DomainError


@dataclass(frozen=True)
class Fix:
    url: str
    label: str


def _with_next(url: str, back: str) -> str:
    return f"{url}?{urlencode({'next': back})}" if back else url


def refusal_fix(exc: DomainError, *, project=None, volunteer=None) -> Fix | None:
    """Where the volunteer can do what the refusal asks, or None when it asks nothing."""
    back = reverse("service_pages:project", args=[project.pk]) if project is not None else ""
    code = exc.code
    if code == "service.insurance_required":
        return Fix(_with_next(reverse("volunteers:my_insurance"), back), "去更新保险信息")
    if code == "service.skills_missing":
        return Fix(_with_next(reverse("volunteers:my_skills"), back), "去更新技能特长")
    if code == "mobilization.course_required":
        course_id = _first_missing_course(project, volunteer)
        if course_id is not None:
            return Fix(_with_next(reverse("mobilization:course", args=[course_id]), back), "去完成岗前培训")
        return Fix(reverse("mobilization:courses"), "去完成岗前培训")
    if code in ("service.time_clash", "service.already_enrolled"):
        return Fix(reverse("service_pages:my_shifts"), "查看我的服务")
    if code == "service.not_a_volunteer":
        return Fix(reverse("volunteers:register"), "志愿者注册")
    if code == "service.volunteer_inactive":
        return Fix(reverse("volunteers:me"), "查看我的志愿者信息")
    return None


def _first_missing_course(project, volunteer) -> int | None:
    if project is None or volunteer is None:
        return None
    from wenming.mobilization.models import ProjectCourse

    return (ProjectCourse.objects.filter(project=project).exclude(course__completions__volunteer=volunteer)
            .order_by("course__title").values_list("course_id", flat=True).first())


def refusal_html(exc: DomainError, fix: Fix | None):
    """The message with its link, escaped (a flash message that keeps its link)."""
    if fix is None:
        return exc.message
    return format_html('{} <a href="{}" class="fix-link">{}</a>', exc.message, fix.url, fix.label)


def safe_next_url(request) -> str:
    """The ?next= (or POSTed next) a fix page goes back to once done: a path on this site
    only, else ""."""
    raw = request.POST.get("next") or request.GET.get("next") or ""
    if raw.startswith("/") and not raw.startswith("//") and "\x00" not in raw and len(raw) <= 500 \
            and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return raw
    return ""

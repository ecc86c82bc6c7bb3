"""Staff pages for volunteer-service projects: list, editor, detail with shifts and the
workflow buttons, shift rosters (page and Excel), and the claim board for team leaders.

Visibility comes from the scoped selectors (staff_selectors, `mine_only`); every write goes
through a service, which checks the scope again and writes the audit row.
"""

from io import BytesIO

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.decorators import form_submit, staff_required, user_error
from wenming.core.errors import CoreError, DomainError
from wenming.core.excel import safe_row
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor
from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import skill_list

from . import project_services as ps
from .enrollment_services import enrollment_cancel, enrollment_mark_no_show
from .models import LIVE_STATUSES, EnrollmentStatus, ProjectStatus
from .permissions import may_run_project
from .project_services import TRANSITIONS
from .selectors import category_list, enrollment_get_for_actor, enrollment_list_for_actor
from .staff_forms import CancelProjectForm, CapacityForm, ClaimForm, ProjectFilterForm, ProjectForm, ShiftForm
from .staff_selectors import (
    claim_board_for_actor,
    claim_teams_for_actor,
    claimable_by_team,
    staff_project_get,
    staff_project_list,
    staff_shift_get,
)

PAGE_SIZE = 20
CAPACITY_INVALID = "请填写正确的名额（正整数）"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VIEWERS = (Perm.PROJECT_VIEW,)
CLOSED = (ProjectStatus.FINISHED, ProjectStatus.CANCELLED)
# Workflow button → (label, service, target status, may a claiming team's leader press it?)
MOVES = {
    "publish": ("发布", ps.project_publish, ProjectStatus.PUBLISHED, False),
    "recruit": ("开始招募", ps.project_open_recruiting, ProjectStatus.RECRUITING, True),
    "start": ("项目开始", ps.project_start, ProjectStatus.ONGOING, False),
    "finish": ("项目结束", ps.project_finish, ProjectStatus.FINISHED, False),
    "cancel": ("取消项目", ps.project_cancel, ProjectStatus.CANCELLED, False),
}


def _can_edit(actor, project) -> bool:
    return scope_for(actor).allows(Perm.PROJECT_EDIT, project.node.path)


def _editable_node_choices(actor, *, selected_id: int | None) -> list[tuple[str, str]]:
    """Nodes where the actor may create projects (project.edit), grids excluded."""
    return node_choices_for_actor(actor=actor, perm=Perm.PROJECT_EDIT, exclude_kinds=[NodeKind.GRID],
                                  selected_id=selected_id, strict_selected=True)


# ---- project list and editor -------------------------------------------------------------

@staff_required(*VIEWERS, leaders=True)
def project_list(request):
    actor = request.user
    filters = ProjectFilterForm(
        request.GET or None,
        node_choices=node_choices_for_actor(actor=actor, exclude_kinds=[NodeKind.POINT, NodeKind.GRID],
                                            selected_id=parse_pk(request.GET.get("node"))))
    qs = staff_project_list(actor=actor, **(filters.selector_kwargs() if filters.is_valid() else {}))
    if filters.is_bound and not filters.is_valid():
        qs = qs.none()  # e.g. a node outside the actor's scope: nothing, not everything
    return render(request, "service/staff/project_list.html", {
        "filters": filters, "page": paginate(qs, request.GET.get("page", 1), PAGE_SIZE),
        "can_create": scope_for(actor).has(Perm.PROJECT_EDIT),
    })


def _project_values(data: dict) -> dict:
    """Editor values → service keyword arguments (category and skills looked up here)."""
    values = {f: data[f] for f in ("title", "description", "risk_disclosure", "requires_insurance", "min_age",
                                   "address", "lat", "lon", "geofence_radius_m", "cancel_before_minutes",
                                   "allow_waitlist")}
    values["category"] = category_list().get(code=data["category"])
    values["skills"] = list(skill_list().filter(code__in=data["skills"]))
    return values


def _project_initial(project) -> dict:
    initial = {f: getattr(project, f) for f in ("title", "description", "risk_disclosure", "requires_insurance",
                                                "min_age", "address", "lat", "lon", "geofence_radius_m",
                                                "cancel_before_minutes", "allow_waitlist")}
    initial |= {"node": project.node_id, "category": project.category.code,
                "skills": list(project.required_skills.values_list("code", flat=True))}
    return initial


@staff_required(Perm.PROJECT_EDIT)
def project_new(request):
    actor = request.user
    post = request.POST if request.method == "POST" else None
    raw_node = (post or request.GET).get("node") or ""
    form = ProjectForm(post, initial={"node": raw_node} if raw_node else None,
                       node_choices=_editable_node_choices(actor, selected_id=parse_pk(raw_node)))
    def create(d):
        node = node_get_for_actor(actor=actor, node_id=d["node"])
        return ps.project_create(actor=actor, node=node, **_project_values(d))

    sent = form_submit(request, form, create,
                       success=lambda p: f"已新建项目“{p.title}”（草稿），请添加岗位班次后发布")
    if sent.done:
        return redirect("service_staff:project", project_id=sent.value.pk)
    return render(request, "service/staff/project_form.html", {"form": form, "project": None}, status=sent.status)


@staff_required(Perm.PROJECT_EDIT)
def project_edit(request, project_id: int):
    actor = request.user
    project = staff_project_get(actor=actor, project_id=project_id)
    if not _can_edit(actor, project):
        raise CoreError.FORBIDDEN.error()
    post = request.POST if request.method == "POST" else None
    form = ProjectForm(post, initial=_project_initial(project), editing=True,
                       node_choices=_editable_node_choices(actor, selected_id=project.node_id))
    def save(d):
        values = _project_values(d)
        return ps.project_update(actor=actor, project=project, category_id=values.pop("category").pk, **values)

    sent = form_submit(request, form, save, success="已保存")
    if sent.done:
        return redirect("service_staff:project", project_id=project.pk)
    return render(request, "service/staff/project_form.html", {"form": form, "project": project}, status=sent.status)


# ---- project detail: shifts and workflow -------------------------------------------------

def _moves_for(actor, project) -> list[tuple[str, str]]:
    """(action, label) of the workflow buttons this actor may press in the current state."""
    edit, run = _can_edit(actor, project), may_run_project(actor, project)
    return [(name, label) for name, (label, _, target, leader_ok) in MOVES.items()
            if target in TRANSITIONS[project.status] and (edit or (leader_ok and run))]


def _detail(request, project, *, shift_form=None, cancel_form=None, status=200):
    actor = request.user
    can_edit = _can_edit(actor, project) and project.status not in CLOSED
    moves = _moves_for(actor, project)
    shifts = project.shifts.annotate(
        waitlisted=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)))
    return render(request, "service/staff/project_detail.html", {
        "project": project, "shifts": list(shifts), "can_edit": can_edit,
        "skills": [s.name for s in project.required_skills.all()],
        "moves": [m for m in moves if m[0] != "cancel"], "can_cancel": ("cancel", "取消项目") in moves,
        "public": project.status != ProjectStatus.DRAFT,
        "shift_form": shift_form or ShiftForm(), "cancel_form": cancel_form or CancelProjectForm(),
    }, status=status)


@staff_required(*VIEWERS, leaders=True)
def project_detail(request, project_id: int):
    return _detail(request, staff_project_get(actor=request.user, project_id=project_id))


@require_POST
@staff_required(Perm.PROJECT_EDIT)
def shift_new(request, project_id: int):
    project = staff_project_get(actor=request.user, project_id=project_id)
    form = ShiftForm(request.POST)
    sent = form_submit(request, form, lambda d: ps.shift_add(actor=request.user, project=project, **d),
                       success=lambda shift: f"已添加岗位班次“{shift.title}”")
    if sent.done:
        return redirect("service_staff:project", project_id=project.pk)
    return _detail(request, project, shift_form=form, status=sent.status)


@require_POST
@staff_required(Perm.PROJECT_EDIT)
def shift_capacity(request, shift_id: int):
    shift = staff_shift_get(actor=request.user, shift_id=shift_id)
    form = CapacityForm(request.POST)
    if not form.is_valid():  # empty, not a number, below 1: the service's "below taken" does not apply
        messages.error(request, CAPACITY_INVALID)
    else:
        try:
            shift = ps.shift_set_capacity(actor=request.user, shift=shift, capacity=form.cleaned_data["capacity"])
            messages.success(request, f"“{shift.title}”名额已改为 {shift.capacity}")
        except DomainError as exc:
            user_error(request, exc)
    return redirect("service_staff:project", project_id=shift.project_id)


@require_POST
@staff_required(*VIEWERS, leaders=True)
def project_move(request, project_id: int, action: str):
    actor = request.user
    project = staff_project_get(actor=actor, project_id=project_id)
    if action not in MOVES:
        raise CoreError.NOT_FOUND.error()
    service = MOVES[action][1]
    kwargs = {}
    if action == "cancel":
        form = CancelProjectForm(request.POST)
        if not form.is_valid():
            return _detail(request, project, cancel_form=form, status=422)
        kwargs["reason"] = form.cleaned_data["reason"]
    try:
        project = service(actor=actor, project=project, **kwargs)
        messages.success(request, f"项目状态已改为“{project.get_status_display()}”")
    except DomainError as exc:
        user_error(request, exc)
    return redirect("service_staff:project", project_id=project.pk)


# ---- shift roster ------------------------------------------------------------------------

def _roster_rows(actor, shift) -> list:
    """Enrollments in sign-up order, each waitlisted one with its place in the queue."""
    rows = list(enrollment_list_for_actor(actor=actor, shift=shift).select_related("attendance"))
    place = 0
    for e in rows:
        if e.status == EnrollmentStatus.WAITLISTED:
            place += 1
            e.waitlist_place = place
        e.checkin = getattr(e, "attendance", None)  # reverse one-to-one: None when absent
    return rows


@staff_required(*VIEWERS, leaders=True)
def roster(request, shift_id: int):
    actor = request.user
    shift = staff_shift_get(actor=actor, shift_id=shift_id)
    rows = _roster_rows(actor, shift)
    counts = {s: sum(1 for e in rows if e.status == s) for s in EnrollmentStatus.values}
    return render(request, "service/staff/roster.html", {
        "shift": shift, "project": shift.project, "rows": rows, "counts": counts,
        "can_run": may_run_project(actor, shift.project), "started": shift.starts_at <= timezone.now(),
        "live": LIVE_STATUSES,
    })


def _enrollment_for_runner(request, enrollment_id: int):
    """An enrollment of a shift the actor runs (not merely their own sign-up)."""
    enrollment = enrollment_get_for_actor(actor=request.user, enrollment_id=enrollment_id)
    shift = staff_shift_get(actor=request.user, shift_id=enrollment.shift_id)
    if not may_run_project(request.user, shift.project):
        raise CoreError.FORBIDDEN.error()
    return enrollment


@require_POST
@staff_required(*VIEWERS, leaders=True)
def enrollment_no_show(request, enrollment_id: int):
    enrollment = _enrollment_for_runner(request, enrollment_id)
    try:
        enrollment_mark_no_show(actor=request.user, enrollment=enrollment)
        messages.success(request, f"已将 {enrollment.volunteer.name} 标记为未到岗")
    except DomainError as exc:
        user_error(request, exc)
    return redirect("service_staff:roster", shift_id=enrollment.shift_id)


@require_POST
@staff_required(*VIEWERS, leaders=True)
def enrollment_cancel_view(request, enrollment_id: int):
    enrollment = _enrollment_for_runner(request, enrollment_id)
    try:
        enrollment_cancel(actor=request.user, enrollment=enrollment, reason=request.POST.get("reason", "")[:200])
        messages.success(request, f"已取消 {enrollment.volunteer.name} 的报名")
    except DomainError as exc:
        user_error(request, exc)
    return redirect("service_staff:roster", shift_id=enrollment.shift_id)


ROSTER_HEADERS = [("序号", 6), ("志愿者编号", 16), ("姓名", 10), ("证件号码（脱敏）", 22), ("手机号码（脱敏）", 14),
                  ("报名状态", 10), ("候补顺位", 8), ("来源", 12), ("报名时间", 18), ("签到时间", 18),
                  ("签退时间", 18)]


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


def roster_workbook(rows: list, title: str) -> bytes:
    """The roster as an xlsx: ID number and phone masked, never raw."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(title[:31])
    for index, (_, width) in enumerate(ROSTER_HEADERS):
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    ws.append([name for name, _ in ROSTER_HEADERS])
    for n, e in enumerate(rows, start=1):
        vol, att = e.volunteer, e.checkin
        ws.append(safe_row([n, vol.volunteer_no, vol.name, vol.id_number_masked, vol.phone_masked,
                            e.get_status_display(), getattr(e, "waitlist_place", None), e.get_source_display(),
                            _local(e.created_at), _local(att.check_in_at) if att else None,
                            _local(att.check_out_at) if att else None]))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@staff_required(*VIEWERS, leaders=True)
def roster_export(request, shift_id: int):
    actor = request.user
    shift = staff_shift_get(actor=actor, shift_id=shift_id)
    rows = _roster_rows(actor, shift)
    data = roster_workbook(rows, "报名名单")
    audit_record(actor=actor, action="enrollment.export", obj=shift, node_path=shift.project.node.path,
                 changes={"rows": len(rows)})
    return FileResponse(BytesIO(data), as_attachment=True, filename=f"报名名单-{shift.project_id}-{shift.pk}.xlsx",
                        content_type=XLSX)


# ---- claim board -------------------------------------------------------------------------

def _team_choices(actor) -> list[tuple[str, str]]:
    return [(str(t.pk), f"{t.name}（{t.node.name}）") for t in claim_teams_for_actor(actor=actor)[:200]]


@staff_required(Perm.PROJECT_EDIT, leaders=True)
def claims(request):
    actor = request.user
    team_choices = _team_choices(actor)
    return render(request, "service/staff/claims.html", {
        "page": paginate(claim_board_for_actor(actor=actor), request.GET.get("page", 1), PAGE_SIZE),
        "claim_form": ClaimForm(team_choices=team_choices), "has_teams": bool(team_choices),
    })


@require_POST
@staff_required(Perm.PROJECT_EDIT, leaders=True)
def claim(request, project_id: int):
    actor = request.user
    project = claim_board_for_actor(actor=actor).filter(pk=project_id).first()
    if project is None:
        raise CoreError.NOT_FOUND.error()
    form = ClaimForm(request.POST, team_choices=_team_choices(actor))
    if not form.is_valid():
        messages.error(request, "请选择您带领或管理的队伍")
        return redirect("service_staff:claims")
    team = claim_teams_for_actor(actor=actor).get(pk=form.cleaned_data["team"])
    if project.status == ProjectStatus.PUBLISHED and claimable_by_team(actor=actor, project_id=project.pk,
                                                                        team=team) is None:
        messages.error(request, f"“{team.name}”不在该项目所在区域，不能认领")
        return redirect("service_staff:claims")
    try:
        ps.project_claim(actor=actor, project=project, team=team)
        messages.success(request, f"“{team.name}”已认领“{project.title}”，可在项目管理中开始招募")
    except DomainError as exc:
        user_error(request, exc)
    return redirect("service_staff:claims")

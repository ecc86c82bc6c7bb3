from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema, Status

from wenming.core.api import PageOut, page_response
from wenming.core.errors import CoreError
from wenming.core.pagination import paginate
from wenming.orgs.selectors import node_get_for_actor, node_list_for_actor
from wenming.volunteers.selectors import (
    skill_list,
    team_get_for_actor,
    volunteer_for_user,
    volunteer_get_for_actor,
)

from . import enrollment_services, project_services, selectors
from .bulk_projects import projects_bulk_create
from .errors import ServiceError
from .models import Enrollment, Project

router = Router(tags=["志愿服务"])


class CategoryOut(Schema):
    code: str
    name: str


class ShiftOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    taken: int


class ProjectOut(Schema):
    id: int
    title: str
    category: str
    node_id: int
    node_name: str
    status: str
    description: str
    risk_disclosure: str
    requires_insurance: bool
    min_age: int
    required_skills: list[str]
    address: str
    lat: Decimal | None
    lon: Decimal | None
    geofence_radius_m: int
    allow_waitlist: bool
    claimed_by_id: int | None
    published_at: datetime | None
    shifts: list[ShiftOut]

    @staticmethod
    def resolve_category(obj: Project) -> str:
        return obj.category.code

    @staticmethod
    def resolve_node_name(obj: Project) -> str:
        return obj.node.name

    @staticmethod
    def resolve_required_skills(obj: Project) -> list[str]:
        return [s.code for s in obj.required_skills.all()]

    @staticmethod
    def resolve_shifts(obj: Project):
        return list(obj.shifts.all())


class ProjectIn(Schema):
    node_id: int
    title: str
    category: str
    description: str = ""
    risk_disclosure: str = ""
    requires_insurance: bool = False
    min_age: int = 14
    required_skills: list[str] = []
    address: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None
    geofence_radius_m: int = 300
    cancel_before_minutes: int = 120
    allow_waitlist: bool = True


class ShiftIn(Schema):
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int


class CapacityIn(Schema):
    capacity: int


class ClaimIn(Schema):
    team_id: int


class CancelIn(Schema):
    reason: str = ""


class SignupIn(Schema):
    volunteer_id: int | None = None  # staff signing someone up; omitted: the caller themself


class EnrollmentOut(Schema):
    id: int
    shift_id: int
    volunteer_id: int
    volunteer_no: str
    volunteer_name: str
    status: str
    source: str
    created_at: datetime

    @staticmethod
    def resolve_volunteer_no(obj: Enrollment) -> str:
        return obj.volunteer.volunteer_no

    @staticmethod
    def resolve_volunteer_name(obj: Enrollment) -> str:
        return obj.volunteer.name


class ProjectFilters(Schema):
    status: str = ""
    category: str = ""
    node_id: int | None = None
    search: str = ""
    page: int = 1
    page_size: int = 20


def _skills(codes: list[str]):
    skills = list(skill_list().filter(code__in=codes))
    if len(skills) != len(set(codes)):
        raise CoreError.INVALID_INPUT.error("required_skills", detail="技能代码不存在")
    return skills


def _category(code: str):
    category = selectors.category_list().filter(code=code).first()
    if category is None:
        raise ServiceError.CATEGORY_UNKNOWN.error("category", value=code)
    return category


@router.get("/project-categories", response=list[CategoryOut], auth=None, summary="项目类别")
def list_categories(request):
    return list(selectors.category_list())


@router.get("/projects", response=PageOut[ProjectOut], summary="项目列表")
def list_projects(request, filters: Query[ProjectFilters]):
    f = filters.dict()
    page, size = f.pop("page"), f.pop("page_size")
    qs = selectors.project_list_for_actor(actor=request.auth, **f).prefetch_related("shifts", "required_skills")
    return page_response(paginate(qs, page, size))


class BulkShiftIn(Schema):
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int


class BulkProjectIn(ProjectIn):
    shifts: list[BulkShiftIn]


class BulkIn(Schema):
    projects: list[BulkProjectIn]
    publish: bool = True


class BulkErrorOut(Schema):
    index: int
    code: str
    message: str


class BulkOut(Schema):
    created: list[int]
    errors: list[BulkErrorOut]


# Registered before /projects/{project_id}: ninja would read "bulk" as an id.
@router.post("/projects/bulk", response=BulkOut, summary="批量发布项目（逐个落库，错误逐条返回）")
def bulk_projects(request, payload: BulkIn):
    if len(payload.projects) > 2000:
        raise CoreError.INVALID_INPUT.error(detail="一次最多 2000 个项目")
    nodes = {}
    items = []
    errors = []
    for index, project in enumerate(payload.projects):
        data = project.dict()
        node_id = data.pop("node_id")
        if node_id not in nodes:
            nodes[node_id] = node_list_for_actor(actor=request.auth).filter(pk=node_id).first()
        if nodes[node_id] is None:
            errors.append({"index": index, "code": "not_found", "message": "发布阵地不存在或无权访问"})
            continue
        data["skills"] = "、".join(data.pop("required_skills"))
        items.append({**data, "node": nodes[node_id], "row": index})
    result = projects_bulk_create(actor=request.auth, items=items, publish=payload.publish)
    errors += [{"index": row, "code": code, "message": message} for row, code, message in result.errors]
    return {"created": result.created, "errors": sorted(errors, key=lambda e: e["index"])}


@router.get("/projects/{project_id}", response=ProjectOut, summary="项目详情")
def get_project(request, project_id: int):
    return selectors.project_get_for_actor(actor=request.auth, project_id=project_id)


@router.post("/projects", response={201: ProjectOut}, summary="新建项目（草稿）")
def create_project(request, payload: ProjectIn):
    data = payload.dict()
    node = node_get_for_actor(actor=request.auth, node_id=data.pop("node_id"))
    category = _category(data.pop("category"))
    skills = _skills(data.pop("required_skills"))
    return Status(201, project_services.project_create(actor=request.auth, node=node, category=category,
                                                       skills=skills, **data))


@router.post("/projects/{project_id}/shifts", response={201: ShiftOut}, summary="添加岗位班次")
def add_shift(request, project_id: int, payload: ShiftIn):
    project = selectors.project_get_for_actor(actor=request.auth, project_id=project_id)
    return Status(201, project_services.shift_add(actor=request.auth, project=project, **payload.dict()))


@router.post("/shifts/{shift_id}/capacity", response=ShiftOut, summary="调整名额")
def set_capacity(request, shift_id: int, payload: CapacityIn):
    shift = selectors.shift_get_for_actor(actor=request.auth, shift_id=shift_id)
    return project_services.shift_set_capacity(actor=request.auth, shift=shift, capacity=payload.capacity)


def _move(request, project_id: int, service):
    project = selectors.project_get_for_actor(actor=request.auth, project_id=project_id)
    return service(actor=request.auth, project=project)


@router.post("/projects/{project_id}/publish", response=ProjectOut, summary="发布项目")
def publish_project(request, project_id: int):
    return _move(request, project_id, project_services.project_publish)


@router.post("/projects/{project_id}/recruit", response=ProjectOut, summary="开始招募")
def recruit_project(request, project_id: int):
    return _move(request, project_id, project_services.project_open_recruiting)


@router.post("/projects/{project_id}/start", response=ProjectOut, summary="项目开始")
def start_project(request, project_id: int):
    return _move(request, project_id, project_services.project_start)


@router.post("/projects/{project_id}/finish", response=ProjectOut, summary="项目结束")
def finish_project(request, project_id: int):
    return _move(request, project_id, project_services.project_finish)


@router.post("/projects/{project_id}/claim", response=ProjectOut, summary="队伍认领项目")
def claim_project(request, project_id: int, payload: ClaimIn):
    project = selectors.project_get_for_actor(actor=request.auth, project_id=project_id)
    team = team_get_for_actor(actor=request.auth, team_id=payload.team_id)
    return project_services.project_claim(actor=request.auth, project=project, team=team)


@router.post("/projects/{project_id}/cancel", response=ProjectOut, summary="取消项目（全部报名一并取消）")
def cancel_project(request, project_id: int, payload: CancelIn):
    project = selectors.project_get_for_actor(actor=request.auth, project_id=project_id)
    return project_services.project_cancel(actor=request.auth, project=project, reason=payload.reason)


@router.get("/shifts/{shift_id}/enrollments", response=list[EnrollmentOut], summary="班次报名名单")
def list_enrollments(request, shift_id: int):
    shift = selectors.shift_get_for_actor(actor=request.auth, shift_id=shift_id)
    return list(selectors.enrollment_list_for_actor(actor=request.auth, shift=shift))


@router.post("/shifts/{shift_id}/enrollments", response={201: EnrollmentOut}, summary="报名")
def sign_up(request, shift_id: int, payload: SignupIn):
    shift = selectors.shift_get_for_actor(actor=request.auth, shift_id=shift_id)
    if payload.volunteer_id:
        volunteer = volunteer_get_for_actor(actor=request.auth, volunteer_id=payload.volunteer_id)
    else:
        volunteer = volunteer_for_user(request.auth)
        if volunteer is None:
            raise ServiceError.NOT_A_VOLUNTEER.error()
    source = "self" if volunteer.user_id == request.auth.pk else "staff"
    return Status(201, enrollment_services.enrollment_create(actor=request.auth, shift=shift, volunteer=volunteer,
                                                             source=source))


@router.get("/me/enrollments", response=list[EnrollmentOut], summary="我的报名")
def my_enrollments(request):
    return list(selectors.enrollment_list_for_actor(actor=request.auth).filter(volunteer__user=request.auth))


@router.post("/enrollments/{enrollment_id}/cancel", response=EnrollmentOut, summary="取消报名（候补依次递补）")
def cancel_enrollment(request, enrollment_id: int, payload: CancelIn):
    enrollment = selectors.enrollment_get_for_actor(actor=request.auth, enrollment_id=enrollment_id)
    return enrollment_services.enrollment_cancel(actor=request.auth, enrollment=enrollment, reason=payload.reason)


@router.post("/enrollments/{enrollment_id}/no-show", response=EnrollmentOut, summary="标记未到岗")
def no_show(request, enrollment_id: int):
    enrollment = selectors.enrollment_get_for_actor(actor=request.auth, enrollment_id=enrollment_id)
    return enrollment_services.enrollment_mark_no_show(actor=request.auth, enrollment=enrollment)


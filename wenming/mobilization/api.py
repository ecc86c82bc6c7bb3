from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema, Status

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.api import PageOut, page_response
from wenming.core.errors import CoreError
from wenming.core.pagination import paginate
from wenming.orgs.selectors import node_get_for_actor
from wenming.service.selectors import project_get_for_actor, shift_get_for_actor
from wenming.volunteers.selectors import skill_list, volunteer_for_user, volunteer_get_for_actor

from . import selectors, services
from .models import Call, CallResponse, Course

router = Router(tags=["招募令与培训"])


class CallOut(Schema):
    id: int
    title: str
    description: str
    node_id: int
    node_name: str
    shift_id: int
    project_id: int
    skills: list[str]
    center_lat: Decimal | None
    center_lon: Decimal | None
    radius_km: Decimal | None
    availability_mask: int
    needed: int
    deadline: datetime
    status: str
    created_at: datetime

    @staticmethod
    def resolve_node_name(obj: Call) -> str:
        return obj.node.name

    @staticmethod
    def resolve_project_id(obj: Call) -> int:
        return obj.shift.project_id

    @staticmethod
    def resolve_skills(obj: Call) -> list[str]:
        return [s.code for s in obj.skills.all()]


class CallIn(Schema):
    node_id: int
    shift_id: int
    title: str
    description: str = ""
    skills: list[str] = []
    center_lat: Decimal | None = None
    center_lon: Decimal | None = None
    radius_km: Decimal | None = None
    availability_mask: int = 0
    needed: int
    deadline: datetime


class TallyOut(Schema):
    needed: int
    targeted: int
    yes: int
    no: int
    pending: int
    confirmed: int
    waitlisted: int


class TargetOut(Schema):
    added: int
    tally: TallyOut


class AnswerIn(Schema):
    answer: str


class TokenAnswerIn(Schema):
    token: str
    answer: str


class TokenIn(Schema):
    token: str


class ResponseOut(Schema):
    call_id: int
    call_title: str
    node_name: str
    shift_starts_at: datetime
    deadline: datetime
    answer: str
    answered_at: datetime | None
    enrollment_status: str | None

    @staticmethod
    def resolve_call_title(obj: CallResponse) -> str:
        return obj.call.title

    @staticmethod
    def resolve_node_name(obj: CallResponse) -> str:
        return obj.call.node.name

    @staticmethod
    def resolve_shift_starts_at(obj: CallResponse) -> datetime:
        return obj.call.shift.starts_at

    @staticmethod
    def resolve_deadline(obj: CallResponse) -> datetime:
        return obj.call.deadline

    @staticmethod
    def resolve_enrollment_status(obj: CallResponse) -> str | None:
        return obj.enrollment.status if obj.enrollment_id else None


class CallFilters(Schema):
    status: str = ""
    page: int = 1
    page_size: int = 20


class QuizItem(Schema):
    question: str
    options: list[str]
    answer: int


class CourseIn(Schema):
    node_id: int
    title: str
    material: str = ""
    quiz: list[QuizItem] = []
    pass_score: int = 60


class QuestionOut(Schema):
    question: str
    options: list[str]


class CourseOut(Schema):
    id: int
    title: str
    node_id: int
    node_name: str
    material: str
    questions: list[QuestionOut]
    pass_score: int

    @staticmethod
    def resolve_node_name(obj: Course) -> str:
        return obj.node.name

    @staticmethod
    def resolve_questions(obj: Course) -> list[dict]:
        # The correct answers never leave the server.
        return [{"question": q["question"], "options": q["options"]} for q in obj.quiz or []]


class CompleteIn(Schema):
    answers: list[int] = []
    volunteer_id: int | None = None  # staff recording an offline session; omitted: the caller


class CompleteOut(Schema):
    passed: bool
    score: int
    pass_score: int
    message: str


class ProjectCourseIn(Schema):
    project_id: int


def _skills(codes: list[str]):
    skills = list(skill_list().filter(code__in=codes))
    if len(skills) != len(set(codes)):
        raise CoreError.INVALID_INPUT.error("skills", detail="技能代码不存在")
    return skills


def _reload(response: CallResponse) -> CallResponse:
    return CallResponse.objects.select_related("call__node", "call__shift", "enrollment").get(pk=response.pk)


@router.get("/calls", response=PageOut[CallOut], summary="招募令列表")
def list_calls(request, filters: Query[CallFilters]):
    qs = selectors.call_list_for_actor(actor=request.auth, status=filters.status).prefetch_related("skills")
    return page_response(paginate(qs, filters.page, filters.page_size))


@router.get("/calls/{call_id}", response=CallOut, summary="招募令详情")
def get_call(request, call_id: int):
    return selectors.call_get_for_actor(actor=request.auth, call_id=call_id)


@router.post("/calls", response={201: CallOut}, summary="发布招募令")
def create_call(request, payload: CallIn):
    data = payload.dict()
    node = node_get_for_actor(actor=request.auth, node_id=data.pop("node_id"))
    shift = shift_get_for_actor(actor=request.auth, shift_id=data.pop("shift_id"))
    skills = _skills(data.pop("skills"))
    return Status(201, services.call_create(actor=request.auth, node=node, shift=shift, skills=skills, **data))


@router.post("/calls/{call_id}/target", response=TargetOut, summary="召集符合条件的储备志愿者并发送通知")
def target_call(request, call_id: int):
    call = selectors.call_get_for_actor(actor=request.auth, call_id=call_id)
    added = services.call_target(actor=request.auth, call=call)
    return {"added": added, "tally": selectors.call_tally(call=call)}


@router.post("/calls/{call_id}/close", response=CallOut, summary="结束招募令")
def close_call(request, call_id: int):
    call = selectors.call_get_for_actor(actor=request.auth, call_id=call_id)
    return services.call_close(actor=request.auth, call=call)


@router.get("/calls/{call_id}/tally", response=TallyOut, summary="实时响应统计")
def call_tally(request, call_id: int):
    call = selectors.call_get_for_actor(actor=request.auth, call_id=call_id)
    if not scope_for(request.auth).allows(Perm.PROJECT_VIEW, call.node.path):
        raise CoreError.NOT_FOUND.error()
    return selectors.call_tally(call=call)


@router.post("/calls/{call_id}/answer", response=ResponseOut, summary="响应招募令（已登录的志愿者）")
def answer_call(request, call_id: int, payload: AnswerIn):
    call = selectors.call_get_for_actor(actor=request.auth, call_id=call_id)
    volunteer = volunteer_for_user(request.auth)
    if volunteer is None:
        raise CoreError.NOT_FOUND.error()
    response = selectors.call_response_for_volunteer(call=call, volunteer=volunteer)
    return _reload(services.call_answer(actor=request.auth, response=response, answer=payload.answer))


@router.post("/call-answers/view", response=ResponseOut, auth=None, summary="凭链接查看招募令（免登录）")
def view_by_token(request, payload: TokenIn):
    return _reload(services.response_from_token(payload.token))


@router.post("/call-answers", response=ResponseOut, auth=None, summary="凭链接响应招募令（免登录）")
def answer_by_token(request, payload: TokenAnswerIn):
    response = services.response_from_token(payload.token)
    return _reload(services.call_answer(actor=None, response=response, answer=payload.answer))


@router.get("/courses", response=list[CourseOut], summary="岗前培训课程")
def list_courses(request):
    return list(selectors.course_list_for_actor(actor=request.auth)[:200])


@router.get("/courses/{course_id}", response=CourseOut, summary="课程详情")
def get_course(request, course_id: int):
    return selectors.course_get_for_actor(actor=request.auth, course_id=course_id)


@router.post("/courses", response={201: CourseOut}, summary="新建岗前培训课程")
def create_course(request, payload: CourseIn):
    data = payload.dict()
    node = node_get_for_actor(actor=request.auth, node_id=data.pop("node_id"))
    return Status(201, services.course_create(actor=request.auth, node=node, **data))


@router.post("/courses/{course_id}/complete", response=CompleteOut, summary="完成培训（提交测验）")
def complete_course(request, course_id: int, payload: CompleteIn):
    course = selectors.course_get_for_actor(actor=request.auth, course_id=course_id)
    if payload.volunteer_id:
        volunteer = volunteer_get_for_actor(actor=request.auth, volunteer_id=payload.volunteer_id)
    else:
        volunteer = volunteer_for_user(request.auth)
        if volunteer is None:
            raise CoreError.NOT_FOUND.error()
    return services.course_complete(actor=request.auth, course=course, volunteer=volunteer, answers=payload.answers)


@router.post("/courses/{course_id}/projects", response={201: ProjectCourseIn}, summary="设为项目报名前必修")
def require_course(request, course_id: int, payload: ProjectCourseIn):
    course = selectors.course_get_for_actor(actor=request.auth, course_id=course_id)
    project = project_get_for_actor(actor=request.auth, project_id=payload.project_id)
    services.project_course_require(actor=request.auth, project=project, course=course)
    return Status(201, {"project_id": project.pk})

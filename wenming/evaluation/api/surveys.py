"""API of questionnaires (问卷调查) and material review (材料审核), under /api/v1/evaluation/.

Public (no token): a published survey, its text code and the answer sheet. Staff: surveys of
a campaign, their questions, publish/close, results. Units and reviewers: material submit
(multipart), the list, review or return, the file. Ids in paths are parsed here (pk_or_404):
"²" or 23 digits answer 404, never a 500.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from wenming.core.errors import CoreError
from wenming.core.middleware import client_ip
from wenming.core.params import ApiId, parse_pk
from wenming.orgs.page_selectors import nodes_with_perm

from ..access import EVAL_EDIT
from ..errors import EvaluationError as E
from ..models import Material, MaterialStatus, Survey, SurveyQuestion
from ..selectors import records
from ..selectors import surveys as sel
from ..services import materials as mat
from ..services import surveys as sv

router = Router(tags=["测评"])
OPTIONAL_FILE = File(None)


# --- schemas -----------------------------------------------------------------------------------

class SurveyOut(Schema):
    id: int
    public_id: str
    campaign_id: int
    node_id: int
    node_name: str = Field(alias="node.name")
    title: str
    intro: str
    status: str
    status_name: str
    responses_count: int
    created_at: datetime
    public_url: str | None

    @staticmethod
    def resolve_public_id(obj: Survey) -> str:
        return str(obj.public_id)

    @staticmethod
    def resolve_status_name(obj: Survey) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_public_url(obj: Survey) -> str | None:
        return sel.public_url(obj) if obj.status != "draft" else None


class QuestionOut(Schema):
    id: int
    text: str
    kind: str
    kind_name: str
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    indicator_name: str = Field(alias="indicator.name")
    answers: int
    positives: int

    @staticmethod
    def resolve_kind_name(obj: SurveyQuestion) -> str:
        return obj.get_kind_display()


class SurveyDetailOut(SurveyOut):
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj: Survey):
        return sel.questions_of(obj)


class ChoiceOut(Schema):
    value: int
    label: str


class PublicQuestionOut(Schema):
    id: int
    text: str
    kind: str
    choices: list[ChoiceOut]


class PublicSurveyOut(Schema):
    title: str
    intro: str
    open: bool
    questions: list[PublicQuestionOut]


class SurveyIn(Schema):
    title: str = Field(max_length=200)
    intro: str = Field("", max_length=4000)
    node_id: ApiId


class SurveyEditIn(Schema):
    title: str = Field(max_length=200)
    intro: str = Field("", max_length=4000)


class QuestionIn(Schema):
    indicator_id: ApiId
    kind: str = Field(max_length=20)
    text: str = Field(max_length=600)


class PhoneIn(Schema):
    phone: str = Field(max_length=40)


class AnswerIn(Schema):
    phone: str = Field(max_length=40)
    code: str = Field(max_length=12)
    answers: dict[str, Any]


class MessageOut(Schema):
    message: str


class CountOut(Schema):
    label: str
    count: int


class QuestionResultOut(Schema):
    id: int
    n: int
    text: str
    kind: str
    indicator_id: int
    answers: int
    positives: int
    rate: Decimal | None
    counts: list[CountOut]


class IndicatorResultOut(Schema):
    indicator_id: int
    code: str
    name: str
    answers: int
    positives: int
    rate: Decimal | None
    awareness_rate: Decimal | None
    satisfaction_rate: Decimal | None


class ResultsOut(Schema):
    survey: SurveyOut
    responses: int
    questions: list[QuestionResultOut]
    indicators: list[IndicatorResultOut]


class MaterialOut(Schema):
    id: int
    campaign_id: int
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    indicator_name: str = Field(alias="indicator.name")
    points: Decimal = Field(alias="indicator.points")
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    text: str
    file_name: str
    file_url: str | None
    status: str
    status_name: str
    score: Decimal | None
    review_note: str
    submitted_at: datetime
    reviewed_at: datetime | None

    @staticmethod
    def resolve_file_url(obj: Material) -> str | None:
        return f"/api/v1/evaluation/materials/{obj.pk}/file" if obj.file else None

    @staticmethod
    def resolve_status_name(obj: Material) -> str:
        return obj.get_status_display()


class ReviewIn(Schema):
    score: str | int | float = Field(union_mode="left_to_right")
    note: str = Field("", max_length=1000)


class ReturnIn(Schema):
    note: str = Field(max_length=1000)


# --- residents (no token) -----------------------------------------------------------------------

@router.get("/evaluation/public/surveys/{public_id}", response=PublicSurveyOut, auth=None,
            summary="群众：读取已发布的问卷（题目和选项）")
def public_survey(request, public_id: str):
    survey = sel.survey_public_get(public_id)
    return {"title": survey.title, "intro": survey.intro, "open": survey.status == "open",
            "questions": [{"id": q.pk, "text": q.text, "kind": q.kind,
                           "choices": [{"value": v, "label": label} for v, label in sv.CHOICES[q.kind]]}
                          for q in sel.questions_of(survey)]}


@router.post("/evaluation/public/surveys/{public_id}/code", response={202: MessageOut}, auth=None,
             summary="群众：获取短信验证码（每个手机号每分钟一次）")
def public_code(request, public_id: str, payload: PhoneIn):
    survey = sel.survey_public_get(public_id)
    sv.survey_code_send(survey=survey, phone=payload.phone, client=client_ip(request) or "")
    return Status(202, {"message": "验证码已发送，请查收短信（10 分钟内有效）"})


@router.post("/evaluation/public/surveys/{public_id}/answers", response={201: MessageOut}, auth=None,
             summary="群众：提交答卷（凭验证码，每个手机号限一次；answers 为 题目 id → 答案）")
def public_answer(request, public_id: str, payload: AnswerIn):
    survey = sel.survey_public_get(public_id)
    sv.survey_answer(survey=survey, phone=payload.phone, code=payload.code, answers=payload.answers)
    return Status(201, {"message": "提交成功，感谢您的参与！"})


# --- the office: surveys ------------------------------------------------------------------------

def _survey(request, survey_id: str) -> Survey:
    return sel.survey_get_for_actor(actor=request.auth, pk=survey_id)


@router.get("/evaluation/campaigns/{campaign_id}/surveys", response=list[SurveyOut], summary="测评活动的问卷")
def list_surveys(request, campaign_id: str, status: str = ""):
    campaign = records.campaign_get_for_actor(actor=request.auth, pk=campaign_id)
    return list(sel.surveys_for_actor(actor=request.auth, campaign=campaign, status=status[:20])[:200])


@router.post("/evaluation/campaigns/{campaign_id}/surveys", response={201: SurveyDetailOut}, summary="新建问卷（草稿）")
def create_survey(request, campaign_id: str, payload: SurveyIn):
    campaign = records.campaign_get_for_actor(actor=request.auth, pk=campaign_id)
    node = nodes_with_perm(actor=request.auth, perm=EVAL_EDIT).filter(pk=payload.node_id).first()
    if node is None:
        raise CoreError.NOT_FOUND.error("node_id")
    return Status(201, sv.survey_create(actor=request.auth, campaign=campaign, node=node, title=payload.title,
                                        intro=payload.intro))


@router.get("/evaluation/surveys/{survey_id}", response=SurveyDetailOut, summary="问卷详情和题目")
def get_survey(request, survey_id: str):
    return _survey(request, survey_id)


@router.patch("/evaluation/surveys/{survey_id}", response=SurveyDetailOut, summary="修改问卷标题和说明")
def edit_survey(request, survey_id: str, payload: SurveyEditIn):
    return sv.survey_update(actor=request.auth, survey=_survey(request, survey_id), title=payload.title,
                            intro=payload.intro)


@router.delete("/evaluation/surveys/{survey_id}", response={204: None}, summary="删除未发布的问卷")
def delete_survey(request, survey_id: str):
    sv.survey_delete(actor=request.auth, survey=_survey(request, survey_id))
    return Status(204, None)


@router.post("/evaluation/surveys/{survey_id}/questions", response={201: QuestionOut},
             summary="添加题目（仅未发布的问卷；指标须按问卷达标率计分）")
def add_question(request, survey_id: str, payload: QuestionIn):
    survey = _survey(request, survey_id)
    indicator = records.indicator_get(campaign=survey.campaign, pk=payload.indicator_id)
    return Status(201, sv.question_add(actor=request.auth, survey=survey, indicator=indicator, text=payload.text,
                                       kind=payload.kind))


@router.delete("/evaluation/surveys/{survey_id}/questions/{question_id}", response={204: None},
               summary="删除题目（仅未发布的问卷）")
def remove_question(request, survey_id: str, question_id: str):
    survey = _survey(request, survey_id)
    sv.question_remove(actor=request.auth, question=sel.question_get(survey, question_id))
    return Status(204, None)


@router.post("/evaluation/surveys/{survey_id}/open", response=SurveyDetailOut, summary="发布问卷（或重新开放）")
def open_survey(request, survey_id: str):
    return sv.survey_open(actor=request.auth, survey=_survey(request, survey_id))


@router.post("/evaluation/surveys/{survey_id}/close", response=SurveyDetailOut, summary="结束问卷")
def close_survey(request, survey_id: str):
    return sv.survey_close(actor=request.auth, survey=_survey(request, survey_id))


@router.get("/evaluation/surveys/{survey_id}/results", response=ResultsOut,
            summary="问卷结果：每题和每个指标的知晓率、满意率")
def survey_results(request, survey_id: str):
    results = sel.survey_results(_survey(request, survey_id))
    return {
        "survey": results.survey, "responses": results.responses,
        "questions": [{"id": r.question.pk, "n": r.n, "text": r.question.text, "kind": r.question.kind,
                       "indicator_id": r.question.indicator_id, "answers": r.answers, "positives": r.positives,
                       "rate": r.rate, "counts": [{"label": label, "count": c} for label, c in r.counts]}
                      for r in results.questions],
        "indicators": [{"indicator_id": r.indicator.pk, "code": r.indicator.code, "name": r.indicator.name,
                        "answers": r.answers, "positives": r.positives, "rate": r.rate,
                        "awareness_rate": r.by_kind.get("awareness"),
                        "satisfaction_rate": r.by_kind.get("satisfaction")} for r in results.indicators],
    }


# --- materials -----------------------------------------------------------------------------------

def _material(request, material_id: str) -> Material:
    return sel.material_get_for_actor(actor=request.auth, pk=material_id)


@router.get("/evaluation/campaigns/{campaign_id}/materials", response=list[MaterialOut],
            summary="测评材料：联络员看本单位的，审核人员看辖区的（status=submitted 为待审核）")
def list_materials(request, campaign_id: str, status: str = ""):
    campaign = records.campaign_get_for_actor(actor=request.auth, pk=campaign_id)
    status = status if status in MaterialStatus.values else ""
    qs = records.materials_for_actor(actor=request.auth, campaign=campaign, status=status)
    return list(qs.order_by("-submitted_at", "-id")[:500])


@router.post("/evaluation/campaigns/{campaign_id}/materials", response={201: MaterialOut},
             summary="联络员提交测评材料（multipart：indicator_id、text、可选 file、unit_id）")
def submit_material(request, campaign_id: str, indicator_id: Form[str] = "", text: Form[str] = "",
                    unit_id: Form[str] = "", file: UploadedFile | None = OPTIONAL_FILE):
    campaign = records.campaign_get_for_actor(actor=request.auth, pk=campaign_id)
    if not indicator_id.strip():  # checked after the campaign: out of scope is a 404 first
        raise E.CHOICE_INVALID.error("indicator_id", what="指标")
    indicator = records.indicator_get(campaign=campaign, pk=indicator_id)
    material = mat.material_submit(actor=request.auth, campaign=campaign, indicator=indicator, text=text,
                                   upload=file, unit_id=parse_pk(unit_id))
    return Status(201, _material(request, material.pk))


@router.get("/evaluation/materials/{material_id}", response=MaterialOut, summary="测评材料详情")
def get_material(request, material_id: str):
    return _material(request, material_id)


@router.post("/evaluation/materials/{material_id}/review", response=MaterialOut,
             summary="审核评分（0 到指标分值；只能审核待审核的材料）")
def review_material(request, material_id: str, payload: ReviewIn):
    material = mat.material_review(actor=request.auth, material=_material(request, material_id),
                                   score=str(payload.score)[:20], note=payload.note)
    return _material(request, material.pk)


@router.post("/evaluation/materials/{material_id}/return", response=MaterialOut, summary="退回补充（须写明意见）")
def return_material(request, material_id: str, payload: ReturnIn):
    material = mat.material_return(actor=request.auth, material=_material(request, material_id), note=payload.note)
    return _material(request, material.pk)


@router.get("/evaluation/materials/{material_id}/file", response={200: None}, summary="下载材料附件")
def material_file(request, material_id: str):
    response = mat.material_file_response(_material(request, material_id))
    if response is None:
        raise CoreError.NOT_FOUND.error()
    return response

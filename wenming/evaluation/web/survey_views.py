"""Pages of questionnaires and material review.

- Residents (no account): the survey page at /evaluation/s/<public id>/ — big choices, the
  phone and its text code (获取验证码 works as a plain form post, and without reloading
  with JavaScript), then a thanks page; a clear page when it is closed or already answered.
- The office: surveys of a campaign, a new survey, its questions, publish/close, the public
  link with its QR code, and the results (知晓率, 满意率 per question and per indicator).
- Units and reviewers: a liaison's 提交材料 page per campaign, the reviewer's queue (待审核)
  with the score and return forms, and the file downloads.

Every read goes through the scoped selectors, every write through the services (which check
the actor and the state again and audit).
"""

import io

import segno
from django import forms
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.core.decorators import button_action, error_page, form_submit, login_page
from wenming.core.errors import CoreError, DomainError
from wenming.core.form_errors import join_messages
from wenming.core.middleware import client_ip
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import nodes_with_perm

from ..access import EVAL_EDIT, is_liaison
from ..errors import EvaluationError as E
from ..models import MaterialStatus, QuestionKind, SurveyStatus
from ..selectors import records
from ..selectors import surveys as sel
from ..services import materials as mat
from ..services import surveys as sv

CODE_SENT = "验证码已发送，请查收短信（10 分钟内有效）"
NODE_CHOICES = 300


# --- residents ---------------------------------------------------------------------------------

def _sheet(survey, data, errors=None) -> list[dict]:
    """The questions with their choices, what was chosen, and any error of each."""
    errors = errors or {}
    out = []
    for q in sel.questions_of(survey):
        chosen = parse_pk((data or {}).get(f"q{q.pk}"))
        out.append({"q": q, "name": f"q{q.pk}", "choices": sv.CHOICES[q.kind], "chosen": chosen,
                    "error": errors.get(f"q{q.pk}", "")})
    return out


def _public_page(request, survey, *, data=None, error=None, code_message="", code_error=None, status=200):
    field_errors = {error.field: error.message} if error is not None and error.field else {}
    return render(request, "evaluation/survey_public.html", {
        "survey": survey, "open": survey.status == SurveyStatus.OPEN, "sheet": _sheet(survey, data, field_errors),
        "phone": str((data or {}).get("phone", ""))[:20], "error": error, "code_message": code_message,
        "code_error": code_error, "answered": error is not None and error.code == E.SURVEY_ANSWERED.code,
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_public(request, public_id: str):
    try:
        survey = sel.survey_public_get(public_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "GET":
        return _public_page(request, survey)
    answers = {q.pk: request.POST.get(f"q{q.pk}", "") for q in sel.questions_of(survey)}
    try:
        sv.survey_answer(survey=survey, phone=request.POST.get("phone", ""), code=request.POST.get("code", ""),
                         answers=answers)
    except DomainError as exc:
        return _public_page(request, survey, data=request.POST, error=exc, status=exc.status)
    return render(request, "evaluation/survey_thanks.html", {"survey": survey})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_POST
def survey_public_code(request, public_id: str):
    """获取验证码: the form's own button posts the whole form here (it comes back filled in),
    or fetch() asks for JSON."""
    try:
        survey = sel.survey_public_get(public_id)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status) if _wants_json(request) else error_page(request, exc)
    try:
        sv.survey_code_send(survey=survey, phone=request.POST.get("phone", ""), client=client_ip(request) or "")
    except DomainError as exc:
        if _wants_json(request):
            return JsonResponse(exc.as_dict(), status=exc.status)
        return _public_page(request, survey, data=request.POST, code_error=exc, status=exc.status)
    if _wants_json(request):
        return JsonResponse({"message": CODE_SENT}, status=202)
    return _public_page(request, survey, data=request.POST, code_message=CODE_SENT)


# --- the office: surveys -------------------------------------------------------------------------

class SurveyForm(forms.Form):
    title = forms.CharField(label="问卷标题", max_length=100, help_text="如：茅坪镇创建全国文明城市群众知晓率调查")
    intro = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="显示在问卷开头：调查目的、大约用时，并说明只为防止重复作答而核验手机号")
    node = forms.ChoiceField(label="调查范围")

    def __init__(self, *args, node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = list(node_choices)


class EditForm(forms.Form):
    title = forms.CharField(label="问卷标题", max_length=100)
    intro = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class QuestionForm(forms.Form):
    # a plain value checked by the service, which says why another indicator will not do
    indicator = forms.CharField(label="对应指标", max_length=20, widget=forms.Select,
                                help_text="只能选择计分规则为“按问卷达标率计分”的测评指标")
    kind = forms.ChoiceField(label="题目类型", choices=QuestionKind.choices)
    text = forms.CharField(label="题目", max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="如：您知道我市正在创建全国文明城市吗？")

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].widget.choices = [("", "请选择")] + [(str(i.pk), f"{i.code} {i.name}")
                                                                    for i in indicators]


def _node_choices(actor, campaign) -> list[tuple[str, str]]:
    rows = list(nodes_with_perm(actor=actor, perm=EVAL_EDIT).filter(path__startswith=campaign.node.path)
                .values_list("pk", "name", "depth").order_by("path")[:NODE_CHOICES])
    top = min((r[2] for r in rows), default=0)
    return [(str(pk), "\u3000" * (depth - top) + name) for pk, name, depth in rows]


@never_cache
@login_page
def survey_home(request):
    """The surveys of the newest active campaign the actor takes part in."""
    campaign = records.campaign_current_for_actor(actor=request.user)
    if campaign is None:  # the workbench says there is no campaign running and lists the others
        return redirect("evaluation:index")
    return redirect("evaluation:survey_list", campaign_id=campaign.pk)


@never_cache
@login_page
def survey_list(request, campaign_id: str):
    campaign = records.campaign_get_for_actor(actor=request.user, pk=campaign_id)
    status = request.GET.get("status", "")
    surveys = list(sel.surveys_for_actor(actor=request.user, campaign=campaign, status=status)[:200])
    return render(request, "evaluation/survey_list.html", {
        "campaign": campaign, "surveys": surveys, "status": status if status in SurveyStatus.values else "",
        "statuses": SurveyStatus.choices, "can_create": sel.may_create_survey(request.user, campaign)})


@never_cache
@login_page
def survey_new(request, campaign_id: str):
    actor = request.user
    campaign = records.campaign_get_for_actor(actor=actor, pk=campaign_id)
    choices = _node_choices(actor, campaign)
    if not choices:
        raise CoreError.FORBIDDEN.error()
    form = SurveyForm(request.POST or None, node_choices=choices, initial={"node": choices[0][0]})

    def create(data):
        node = nodes_with_perm(actor=actor, perm=EVAL_EDIT).filter(pk=parse_pk(data["node"])).first()
        if node is None:
            raise CoreError.NOT_FOUND.error("node")
        return sv.survey_create(actor=actor, campaign=campaign, node=node, title=data["title"], intro=data["intro"])

    sent = form_submit(request, form, create, success="已新建问卷，请添加题目后发布")
    if sent.done:
        return redirect("evaluation:survey_detail", survey_id=sent.value.pk)
    return render(request, "evaluation/survey_new.html", {"campaign": campaign, "form": form}, status=sent.status)


def _survey(request, survey_id: str):
    return sel.survey_get_for_actor(actor=request.user, pk=survey_id)


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_inline(scale=6, border=4, dark="#000", light="#fff",
                                                              omitsize=True)


def _detail_page(request, survey, *, question_form=None, edit_form=None, status=200):
    editable = sel.may_edit_survey(request.user, survey)
    draft = survey.status == SurveyStatus.DRAFT
    url = sel.public_url(survey)
    return render(request, "evaluation/survey_detail.html", {
        "survey": survey, "campaign": survey.campaign, "questions": sel.questions_of(survey), "editable": editable,
        "draft": draft, "url": url, "qr": _qr_svg(url) if not draft else "",
        "question_form": (question_form or QuestionForm(indicators=sel.survey_indicators(survey.campaign)))
        if editable and draft else None,
        "edit_form": (edit_form or EditForm(initial={"title": survey.title, "intro": survey.intro}))
        if editable else None,
    }, status=status)


@never_cache
@login_page
def survey_detail(request, survey_id: str):
    return _detail_page(request, _survey(request, survey_id))


def _back(survey):
    return redirect("evaluation:survey_detail", survey_id=survey.pk)


@require_POST
@login_page
def survey_edit(request, survey_id: str):
    survey = _survey(request, survey_id)
    form = EditForm(request.POST)
    sent = form_submit(request, form, lambda d: sv.survey_update(actor=request.user, survey=survey, title=d["title"],
                                                                 intro=d["intro"]), success="已保存")
    if sent.done:
        return _back(survey)
    return _detail_page(request, survey, edit_form=form, status=sent.status)


@require_POST
@login_page
def survey_question_add(request, survey_id: str):
    survey = _survey(request, survey_id)
    form = QuestionForm(request.POST, indicators=sel.survey_indicators(survey.campaign))

    def add(data):
        indicator = records.indicator_get(campaign=survey.campaign, pk=data["indicator"])
        return sv.question_add(actor=request.user, survey=survey, indicator=indicator, text=data["text"],
                               kind=data["kind"])

    sent = form_submit(request, form, add, success="已添加题目")
    if sent.done:
        return _back(survey)
    if sent.status in (403, 404):
        raise CoreError.FORBIDDEN.error() if sent.status == 403 else CoreError.NOT_FOUND.error()
    return _detail_page(request, survey, question_form=form, status=sent.status)


@require_POST
@login_page
def survey_question_remove(request, survey_id: str, question_id: str):
    survey = _survey(request, survey_id)
    question = sel.question_get(survey, question_id)
    button_action(request, lambda: sv.question_remove(actor=request.user, question=question), "已删除题目")
    return _back(survey)


@require_POST
@login_page
def survey_open(request, survey_id: str):
    survey = _survey(request, survey_id)
    button_action(request, lambda: sv.survey_open(actor=request.user, survey=survey),
                  "问卷已发布：群众扫描二维码或打开链接即可作答")
    return _back(survey)


@require_POST
@login_page
def survey_close(request, survey_id: str):
    survey = _survey(request, survey_id)
    button_action(request, lambda: sv.survey_close(actor=request.user, survey=survey), "问卷已结束，不再接受作答")
    return _back(survey)


@require_POST
@login_page
def survey_delete(request, survey_id: str):
    survey = _survey(request, survey_id)
    if button_action(request, lambda: sv.survey_delete(actor=request.user, survey=survey), "已删除问卷"):
        return redirect("evaluation:survey_list", campaign_id=survey.campaign_id)
    return _back(survey)


@require_GET
@login_page
def survey_qr(request, survey_id: str):
    """The QR code as a PNG to print on posters and leaflets."""
    survey = _survey(request, survey_id)
    if survey.status == SurveyStatus.DRAFT:
        raise CoreError.NOT_FOUND.error()
    buf = io.BytesIO()
    segno.make(sel.public_url(survey), error="m", micro=False).save(buf, kind="png", scale=10, border=4)
    response = HttpResponse(buf.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-qr.png"'
    return response


@never_cache
@login_page
def survey_results(request, survey_id: str):
    survey = _survey(request, survey_id)
    return render(request, "evaluation/survey_results.html", {
        "survey": survey, "campaign": survey.campaign, "results": sel.survey_results(survey)})


# --- materials -----------------------------------------------------------------------------------

class MaterialForm(forms.Form):
    text = forms.CharField(label="材料说明", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="写明做了哪些工作、附件包含哪些内容")
    file = forms.FileField(label="附件", required=False,
                           help_text=f"可选；PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG 或 ZIP，"
                                     f"不超过 {mat.MAX_BYTES // (1024 * 1024)} MB",
                           widget=forms.ClearableFileInput(attrs={"accept": mat.ACCEPT}))


class ReviewForm(forms.Form):
    score = forms.CharField(label="评分", max_length=12, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    note = forms.CharField(label="审核意见", required=False, max_length=500)


class ReturnForm(forms.Form):
    note = forms.CharField(label="退回意见", max_length=500, help_text="写明需要补充或修改的内容")


@never_cache
@login_page
def material_home(request):
    """A liaison lands on their unit's material page, a reviewer on the queue (newest active
    campaign)."""
    campaign = records.campaign_current_for_actor(actor=request.user)
    if campaign is None:  # the workbench says there is no campaign running and lists the others
        return redirect("evaluation:index")
    if is_liaison(request.user):
        return redirect("evaluation:material_mine", campaign_id=campaign.pk)
    return redirect("evaluation:material_queue", campaign_id=campaign.pk)


@never_cache
@login_page
def material_mine(request, campaign_id: str):
    campaign = records.campaign_get_for_actor(actor=request.user, pk=campaign_id)
    if not is_liaison(request.user):
        raise E.NO_UNIT.error()
    rows = sel.material_duties_for_liaison(actor=request.user, campaign=campaign)
    for row in rows:
        row.form = MaterialForm(auto_id=f"d{row.duty.pk}_%s") if not row.pending else None
    return render(request, "evaluation/material_mine.html", {"campaign": campaign, "rows": rows})


@require_POST
@login_page
def material_submit(request, campaign_id: str):
    campaign = records.campaign_get_for_actor(actor=request.user, pk=campaign_id)
    indicator = records.indicator_get(campaign=campaign, pk=request.POST.get("indicator"))
    form = MaterialForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, join_messages(e for errors in form.errors.values() for e in errors))
    else:
        data = form.cleaned_data
        button_action(request, lambda: mat.material_submit(
            actor=request.user, campaign=campaign, indicator=indicator, text=data["text"], upload=data["file"],
            unit_id=parse_pk(request.POST.get("unit"))), f"已提交“{indicator.name}”的材料，等待审核")
    return redirect("evaluation:material_mine", campaign_id=campaign.pk)


@never_cache
@login_page
def material_queue(request, campaign_id: str):
    campaign = records.campaign_get_for_actor(actor=request.user, pk=campaign_id)
    if not sel.is_reviewer(request.user):
        raise CoreError.FORBIDDEN.error()
    status = request.GET.get("status", MaterialStatus.SUBMITTED)
    status = status if status in MaterialStatus.values or status == "all" else MaterialStatus.SUBMITTED
    items = list(sel.review_queue_for_actor(actor=request.user, campaign=campaign, status=status)[:200])
    for m in items:
        if m.status == MaterialStatus.SUBMITTED:
            m.review_form = ReviewForm(auto_id=f"m{m.pk}_%s")
            m.return_form = ReturnForm(auto_id=f"r{m.pk}_%s")
    return render(request, "evaluation/material_queue.html", {
        "campaign": campaign, "items": items, "status": status, "statuses": MaterialStatus.choices})


@never_cache
@login_page
def material_detail(request, material_id: str):
    material = sel.material_get_for_actor(actor=request.user, pk=material_id)
    reviewable = material.status == MaterialStatus.SUBMITTED and sel.may_review(request.user, material)
    return render(request, "evaluation/material_detail.html", {
        "material": material, "campaign": material.campaign, "reviewable": reviewable,
        "review_form": ReviewForm(auto_id="m_%s") if reviewable else None,
        "return_form": ReturnForm(auto_id="r_%s") if reviewable else None})


@require_POST
@login_page
def material_review(request, material_id: str):
    material = sel.material_get_for_actor(actor=request.user, pk=material_id)
    if request.POST.get("decision") == "return":
        button_action(request, lambda: mat.material_return(actor=request.user, material=material,
                                                           note=request.POST.get("note", "")),
                      "已退回，单位补充后会重新提交")
    else:
        button_action(request, lambda: mat.material_review(actor=request.user, material=material,
                                                           score=request.POST.get("score", ""),
                                                           note=request.POST.get("note", "")), "已评分")
    if request.POST.get("back") == "queue":
        return redirect("evaluation:material_queue", campaign_id=material.campaign_id)
    return redirect("evaluation:material_detail", material_id=material.pk)


@require_GET
@login_page
def material_file(request, material_id: str):
    material = sel.material_get_for_actor(actor=request.user, pk=material_id)
    response = mat.material_file_response(material)
    if response is None:
        raise CoreError.NOT_FOUND.error()
    return response

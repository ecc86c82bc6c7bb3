"""Pages for calls to the reserve (招募令): the staff list, the create form, the live tally,
and the H5 answer page opened from the SMS / notification link without logging in.

The answer link's token is the capability: it answers for exactly one volunteer and call
(services.response_from_token), so the answer page shows nothing about anyone else. Staff
pages show masked names and phones only.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import add_domain_error, error_page, staff_required
from wenming.core.errors import CoreError, DomainError
from wenming.core.pagination import paginate
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor, node_with_perm
from wenming.service.refusals import refusal_fix
from wenming.service.selectors import shift_get_for_actor
from wenming.volunteers.models import Availability
from wenming.volunteers.selectors import skill_list, volunteer_for_user

from . import page_selectors, selectors, services
from .errors import MobilizationError
from .models import Answer, CallStatus

PAGE_SIZE = 20
ANSWER_PAGE_SIZE = 50
TALLY_REFRESH_SECONDS = 5


# ---- forms (they only shape input; call_create validates and writes) --------------------


class CallForm(forms.Form):
    shift = forms.ChoiceField(label="集结班次", help_text="所选阵地及其下级正在招募、尚未开始的班次；响应“愿意”即报名该班次")
    title = forms.CharField(label="标题", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    needed = forms.IntegerField(label="需要人数", min_value=1, max_value=100000)
    deadline = forms.DateTimeField(
        label="响应截止", help_text="须晚于现在，且不晚于班次开始",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    skills = forms.MultipleChoiceField(label="所需技能（须全部具备）", required=False,
                                       widget=forms.CheckboxSelectMultiple)
    availability = forms.MultipleChoiceField(
        label="可服务时间（符合任一即可）", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(str(value), label) for value, label in Availability.choices])
    center_lat = forms.DecimalField(label="中心纬度", required=False, max_digits=9, decimal_places=6,
                                    help_text="按距离召集时填写中心点和半径；留空则召集阵地范围内全部储备志愿者")
    center_lon = forms.DecimalField(label="中心经度", required=False, max_digits=9, decimal_places=6)
    radius_km = forms.DecimalField(label="半径（公里）", required=False, max_digits=6, decimal_places=2)

    def __init__(self, *args, shifts: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].choices = [("", "请选择班次")] + shifts
        self.fields["skills"].choices = [(str(s.pk), s.name) for s in skill_list()]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"], "description": data["description"], "needed": data["needed"],
            "deadline": data["deadline"], "skills": list(skill_list().filter(pk__in=data["skills"])),
            "availability_mask": sum(int(v) for v in data["availability"]),
            "center_lat": data["center_lat"], "center_lon": data["center_lon"], "radius_km": data["radius_km"],
        }


# The service names its fields after the model; the form calls the mask "availability".
CALL_FIELD_ALIASES = {"availability_mask": "availability"}


# ---- staff pages ------------------------------------------------------------------------


@staff_required(Perm.PROJECT_VIEW)
def call_list(request):
    status = request.GET.get("status", "")
    if status not in CallStatus.values:
        status = ""
    page = paginate(page_selectors.call_list_for_staff(actor=request.user, status=status),
                    request.GET.get("page", 1), PAGE_SIZE)
    return render(request, "mobilization/call_list.html", {
        "page": page, "status": status, "statuses": CallStatus.choices,
        "can_create": scope_for(request.user).has(Perm.PROJECT_EDIT),
    })


@staff_required(Perm.PROJECT_EDIT)
def call_new(request):
    """Pick the node first (a GET form), then the call on that node's recruiting shifts."""
    actor = request.user
    raw_node = request.POST.get("node") or request.GET.get("node")
    # Where the actor may issue calls: nodes they manage projects at (project.edit).
    node_choices = node_choices_for_actor(actor=actor, perm=Perm.PROJECT_EDIT, exclude_kinds=[NodeKind.GRID],
                                          selected_id=parse_pk(raw_node), strict_selected=True)
    node_id = raw_node or (node_choices[0][0] if node_choices else "")
    node = node_with_perm(actor=actor, perm=Perm.PROJECT_EDIT, node_id=node_id)
    shifts = page_selectors.recruiting_shifts_under(actor=actor, node=node) if node else []
    form = CallForm(request.POST or None, shifts=page_selectors.shift_choices(shifts))
    if request.method == "POST" and node is not None and form.is_valid():
        shift = shift_get_for_actor(actor=actor, shift_id=int(form.cleaned_data["shift"]))
        try:
            call = services.call_create(actor=actor, node=node, shift=shift, **form.service_kwargs())
        except DomainError as exc:
            add_domain_error(form, exc, CALL_FIELD_ALIASES)
        else:
            messages.success(request, "招募令已创建。核对无误后请点击“发送召集”通知符合条件的储备志愿者。")
            return redirect("mobilization:call", call_id=call.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "mobilization/call_form.html", {
        "form": form, "node": node, "node_choices": node_choices, "has_shifts": bool(form.fields["shift"].choices[1:]),
    }, status=status)


def _tally(call) -> dict:
    tally = selectors.call_tally(call=call)
    tally["progress"] = min(100, round(100 * tally["yes"] / call.needed)) if call.needed else 0
    tally["status"] = call.status
    tally["status_label"] = call.get_status_display()
    return tally


@staff_required(Perm.PROJECT_VIEW)
def call_detail(request, call_id: int):
    call = page_selectors.call_get_for_staff(actor=request.user, call_id=call_id)
    answer = request.GET.get("answer", "")
    page = paginate(page_selectors.call_answer_rows(call=call, answer=answer), request.GET.get("page", 1),
                    ANSWER_PAGE_SIZE)
    return render(request, "mobilization/call_detail.html", {
        "call": call, "tally": _tally(call), "rows": [page_selectors.masked_answer_row(r) for r in page.items],
        "page": page, "answer": answer if answer in Answer.values else "", "answers": Answer.choices,
        "skills": [s.name for s in call.skills.all()], "refresh": TALLY_REFRESH_SECONDS,
        "can_edit": scope_for(request.user).allows(Perm.PROJECT_EDIT, call.node.path),
    })


@never_cache
@require_GET
def call_tally_json(request, call_id: int):
    """The counts the tally page polls; errors as {"code", "message"} like the API."""
    if not request.user.is_authenticated:
        exc = CoreError.UNAUTHENTICATED.error()
        return JsonResponse(exc.as_dict(), status=401)
    try:
        call = page_selectors.call_get_for_staff(actor=request.user, call_id=call_id)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(_tally(call))


@require_POST
@staff_required(Perm.PROJECT_EDIT)
def call_target(request, call_id: int):
    call = page_selectors.call_get_for_staff(actor=request.user, call_id=call_id)
    try:
        added = services.call_target(actor=request.user, call=call)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if added:
            messages.success(request, f"已向 {added} 名符合条件的储备志愿者发送召集")
        else:
            messages.info(request, "没有新的符合条件的储备志愿者（已召集过的不会重复通知）")
    return redirect("mobilization:call", call_id=call.pk)


@require_POST
@staff_required(Perm.PROJECT_EDIT)
def call_close(request, call_id: int):
    call = page_selectors.call_get_for_staff(actor=request.user, call_id=call_id)
    services.call_close(actor=request.user, call=call)
    messages.success(request, "招募令已结束，不再接受响应")
    return redirect("mobilization:call", call_id=call.pk)


# ---- the answer page (no login with a token) ------------------------------------------


def _own_response(user, call_id: int):
    """A logged-in volunteer's row of a call they were targeted by (else a DomainError)."""
    call = selectors.call_get_for_actor(actor=user, call_id=call_id)
    volunteer = volunteer_for_user(user)
    if volunteer is None:
        raise MobilizationError.NOT_TARGETED.error()
    return selectors.call_response_for_volunteer(call=call, volunteer=volunteer)


def _render_answer(request, response, query: dict, error: DomainError | None = None):
    call = response.call
    if error is None and response.answer == Answer.PENDING:
        error = page_selectors.call_open_error(call)
    return render(request, "mobilization/answer.html", {
        "response": response, "call": call, "shift": call.shift, "project": call.shift.project,
        "skills": [s.name for s in call.skills.all()], "enrollment": response.enrollment,
        "error": error, "can_answer": response.answer == Answer.PENDING and page_selectors.call_open_error(call) is None,
        # a refused sign-up (insurance, skills, training) links to where it can be fixed
        "fix": refusal_fix(error, project=call.shift.project, volunteer=response.volunteer) if error else None,
        "state": page_selectors.describe_response(response),
        "token": query.get("token", ""), "call_param": query.get("call", ""),
    }, status=error.status if error else 200)


def _my_calls(request):
    volunteer = volunteer_for_user(request.user)
    responses = page_selectors.my_call_rows(volunteer=volunteer) if volunteer else []
    return render(request, "mobilization/my_calls.html", {"volunteer": volunteer, "responses": responses})


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request):
    """?token=… from the SMS link (no login), or ?call=<id> for a logged-in volunteer; with
    neither, a logged-in volunteer sees the calls they were targeted by."""
    token = (request.POST.get("token") or request.GET.get("token") or "").strip()
    call_id = (request.POST.get("call") or request.GET.get("call") or "").strip()
    try:
        if token:
            # The token is the capability: answer as "via token" whoever is logged in.
            response, actor, query = services.response_from_token(token), None, {"token": token}
        elif not request.user.is_authenticated:
            if call_id:
                return redirect_to_login(request.get_full_path())
            raise MobilizationError.BAD_TOKEN.error()
        elif call_id:
            call_pk = parse_pk(call_id)
            if call_pk is None:  # "abc", "²", 23 digits: no such call, like any other missing one
                raise CoreError.NOT_FOUND.error()
            response, actor, query = _own_response(request.user, call_pk), request.user, {"call": str(call_pk)}
        else:
            return _my_calls(request)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        try:
            services.call_answer(actor=actor, response=response, answer=request.POST.get("answer", ""))
        except DomainError as exc:
            return _render_answer(request, response, query, error=exc)
        # Post/redirect/get: a reload shows the result instead of posting again.
        return redirect(f"{reverse('mobilization:answer')}?{urlencode(query)}")
    return _render_answer(request, response, query)

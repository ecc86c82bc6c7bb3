"""The two forms of the honours portal.

- 公示异议: during the notice anyone may object to a selected nominee, anonymously or with
  name and phone, with one photo (services.notice.objection_submit); the confirmation number
  is shown on the nominee's page.
- 个人自荐: a signed-in person nominates themselves when the campaign allows it
  (services.nominations.nomination_create, nominated_by="self"): as the registry volunteer
  they are, else as a resident with their ID number and place; with the co-signers the rules
  ask for and the consent box. Not signed in: to the login page and back (next=).
The forms only shape the input; the services check everything again and write.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from wenming.core.decorators import add_domain_error
from wenming.core.errors import DomainError
from wenming.core.middleware import client_ip
from wenming.volunteers.selectors import volunteer_for_user
from wenming.volunteers.validation import clean_name, normalize_phone

from ..models import NominationStatus, NomineeKind, Stage
from ..selectors import portal, records
from ..services import nominations as nom_services
from ..services import notice as notice_services
from ..services.nominations import MAX_PHOTOS, MAX_RECOMMENDERS
from .portal_views import campaign_context, portal_page

TEXTAREA = {"rows": 5}


class ObjectionForm(forms.Form):
    mode = forms.ChoiceField(label="反映方式", choices=[("anonymous", "匿名反映"), ("named", "实名反映（便于核实后答复您）")],
                             widget=forms.RadioSelect, initial="anonymous")
    name = forms.CharField(label="姓名", required=False, max_length=50, help_text="实名反映时填写")
    phone = forms.CharField(label="手机号", required=False, max_length=20, help_text="实名反映时填写，仅用于核实联系，不公开",
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))
    text = forms.CharField(label="异议内容", required=False, max_length=5000, widget=forms.Textarea(attrs=TEXTAREA),
                           help_text="请写明具体事实和线索（10 到 5000 字）")
    photo = forms.FileField(label="照片（可选，1 张）", required=False,
                            widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))


class NominateForm(forms.Form):
    name = forms.CharField(label="姓名", required=False, max_length=30)
    id_number = forms.CharField(label="身份证号码", required=False, max_length=20,
                                help_text="加密保存，只显示部分号码；用于防止重复推荐",
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label="手机号", required=False, max_length=20,
                            help_text="请填写您登录账号绑定的手机号，用于确认是本人自荐",
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}))
    place_q = forms.CharField(label="查找所在地", required=False, max_length=30,
                              help_text="输入乡镇、村（社区）或实践站名称中的字，点“查找”")
    node = forms.CharField(label="所在地", required=False, max_length=20, widget=forms.Select)
    title = forms.CharField(label="事迹标题", required=False, max_length=100, help_text="如：抗疫一线的守护者")
    story = forms.CharField(label="主要事迹", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 8}),
                            help_text="写明时间、地点、做了什么、产生了什么影响（至少 20 字）")
    priority = forms.BooleanField(label="优先推荐", required=False)
    priority_note = forms.CharField(label="优先推荐说明", required=False, max_length=200,
                                    help_text="如：疫情期间在卡口连续值守六十天")
    consent = forms.BooleanField(label="本人同意被推荐，并同意公示本人的事迹和照片", required=False)

    def __init__(self, *args, campaign=None, mode: str = "", places=(), **kwargs):
        super().__init__(*args, **kwargs)
        label = campaign.priority_label if campaign and campaign.priority_label else "优先推荐"
        self.fields["priority"].label = f"属于“{label}”（优先推荐）"
        self.fields["node"].widget.choices = [("", "请选择所在地")] + list(places)
        if mode != NomineeKind.RESIDENT:
            for name in ("name", "id_number", "phone", "place_q", "node"):
                del self.fields[name]


# --- 公示异议 --------------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
@portal_page
def objection(request, campaign_id: str, nomination_id: str):
    c = records.public_campaign(campaign_id)
    n = records.public_nomination(c, nomination_id)
    open_ = c.stage == Stage.NOTICE and n.status == NominationStatus.SELECTED
    posted = request.method == "POST"
    form = ObjectionForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if posted:
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = notice_services.objection_submit(
                    nomination=n, text=data["text"], anonymous=data["mode"] != "named", name=data["name"],
                    phone=data["phone"], photo=data["photo"], address=client_ip(request) or "")
            except DomainError as exc:
                add_domain_error(form, exc, {"photo": "photo"})
                status = exc.status
            else:
                messages.success(request, f"您的异议已提交，编号 {done.number}。文明办将逐条核实，并在公布结果前作出答复。")
                return redirect("honours:portal_nominee", campaign_id=c.pk, nomination_id=n.pk)
    return render(request, "honours/portal/objection.html", {
        **campaign_context(c), "n": n, "form": form, "open": open_,
        "place": portal.public_places([n]).get(n.pk, ""),
    }, status=status)


# --- 个人自荐 --------------------------------------------------------------------------------

def _mode(campaign, volunteer) -> str:
    """How this person nominates themselves here: as the registry volunteer they are, as a
    resident (with their ID number), or not at all ("") when the category takes neither."""
    kinds = campaign.category.nominee_kinds
    if volunteer is not None and NomineeKind.VOLUNTEER in kinds:
        return NomineeKind.VOLUNTEER
    if NomineeKind.RESIDENT in kinds:
        return NomineeKind.RESIDENT
    return ""


def _cosigners(request, rows: int) -> tuple[list[dict], list[dict], str]:
    """(the rows as typed, the filled ones for the service, an error about a row or "")."""
    typed, filled, error = [], [], ""
    for i in range(1, rows + 1):
        name = str(request.POST.get(f"rec_name_{i}", "")).replace("\x00", "").strip()[:30]
        phone = str(request.POST.get(f"rec_phone_{i}", "")).replace("\x00", "").strip()[:20]
        typed.append({"i": i, "name": name, "phone": phone})
        if not name and not phone:
            continue
        try:
            filled.append({"name": clean_name(name), "phone": normalize_phone(phone, "recommenders")})
        except DomainError as exc:
            error = error or f"第 {i} 位联名推荐人：{exc.message}"
    return typed, filled, error


@never_cache
@require_http_methods(["GET", "POST"])
@portal_page
def nominate(request, campaign_id: str):
    c = records.public_campaign(campaign_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    volunteer = volunteer_for_user(request.user)
    mode = _mode(c, volunteer)
    open_ = c.self_nomination and c.stage == Stage.NOMINATING and bool(mode)
    data = request.POST if request.method == "POST" else None
    search = str((data or request.GET).get("place_q", "")).replace("\x00", "")[:30]
    places = portal.place_choices(c, search) if mode == NomineeKind.RESIDENT else []
    initial = {"name": volunteer.name} if volunteer is not None else {}
    form = NominateForm(data, campaign=c, mode=mode, places=places, initial=initial)
    rows = min(max(c.recommenders_required, 1) + 1, MAX_RECOMMENDERS)
    typed, filled, rec_error = _cosigners(request, rows) if data else ([{"i": i} for i in range(1, rows + 1)], [], "")
    status = 200
    searching = data is not None and data.get("action") == "search"
    if data is not None and not searching:
        status = 422
        if form.is_valid() and not rec_error:
            status = _submit(request, c, mode, volunteer, form, filled)
            if status == 201:
                return redirect("honours:portal_nominate", campaign_id=c.pk)
            rec_error = getattr(form, "recommenders_error", "")
    return render(request, "honours/portal/nominate.html", {
        **campaign_context(c), "form": form, "mode": mode, "open": open_, "volunteer": volunteer,
        "cosigners": typed, "rec_error": rec_error, "need": c.recommenders_required, "max_photos": MAX_PHOTOS,
        "mine": portal.my_nominations(request.user, c),
    }, status=status)


def _submit(request, campaign, mode: str, volunteer, form, cosigners: list[dict]) -> int:
    """Call the service; 201 when done, else the error's status (the error is on the form)."""
    data = form.cleaned_data
    values = {"title": data["title"], "story": data["story"], "priority": data["priority"],
              "priority_note": data["priority_note"]}
    if mode == NomineeKind.RESIDENT:
        place = portal.place_get(campaign, data["node"])
        if place is None:
            form.add_error("node", "请选择所在地（可先输入名称点“查找”）")
            return 422
        values |= {"name": data["name"], "id_number": data["id_number"], "phone": data["phone"], "node": place}
    try:
        done = nom_services.nomination_create(
            actor=request.user, campaign=campaign, kind=mode or NomineeKind.RESIDENT, nominated_by="self",
            consent=data["consent"], recommenders=cosigners,
            photos=request.FILES.getlist("photos")[:MAX_PHOTOS + 1], **values)
    except DomainError as exc:
        if exc.field == "recommenders":
            form.recommenders_error = exc.message
        else:
            add_domain_error(form, exc)
        return exc.status
    messages.success(request, f"自荐已提交，推荐编号 {done.number}。请等待初审，审核结果会显示在本页。")
    return 201

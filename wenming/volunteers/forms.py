"""Forms for the volunteer pages. They shape raw input; inputs.build_values and the services
validate it (GB 11643 checksum, phone, age, guardian …) and name the field of any error.

The registration forms also run the same field validators themselves, each field on its own,
so a form with a bad ID number, a bad phone and a weak password shows all three at once
(the services stop at the first error they meet)."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from wenming.accounts.errors import AccountError
from wenming.accounts.services import clean_username
from wenming.core.form_errors import check, join_messages, validation_messages

from .errors import VolunteerError as E
from .models import (
    Availability,
    IdType,
    MemberRole,
    PoliticalStatus,
    Sex,
    Skill,
    TeamKind,
    TeamLevel,
    VolunteerStatus,
)
from .validation import (
    check_age,
    clean_name,
    normalize_phone,
    parse_coordinate,
    parse_id_type,
    parse_identity,
)

ANY = [("", "全部")]


def skill_choices() -> list[tuple[str, str]]:
    return list(Skill.objects.values_list("code", "name"))


class VolunteerFieldsForm(forms.Form):
    """The fields every way of registering shares."""

    name = forms.CharField(label="姓名", max_length=50)
    id_type = forms.ChoiceField(label="证件类型", required=False, choices=IdType.choices, initial=IdType.RESIDENT)
    id_number = forms.CharField(label="证件号码", max_length=32,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    birth_date = forms.DateField(label="出生日期", required=False, help_text="仅非居民身份证填写；居民身份证自动识别",
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sex = forms.ChoiceField(label="性别", required=False, choices=[("", "—")] + Sex.choices,
                            help_text="仅非居民身份证填写")
    phone = forms.CharField(label="手机号", max_length=20,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}))
    node_q = forms.CharField(label="查找阵地", required=False, max_length=50,
                             help_text="输入村、社区或实践站名称中的字，点“查找”")
    home_node = forms.CharField(label="选择阵地", required=False, widget=forms.Select)
    political_status = forms.ChoiceField(label="政治面貌", required=False, choices=PoliticalStatus.choices,
                                         initial=PoliticalStatus.MASSES)
    skills = forms.MultipleChoiceField(label="技能特长", required=False, widget=forms.CheckboxSelectMultiple)
    availability = forms.TypedMultipleChoiceField(label="可服务时间", required=False, coerce=int,
                                                  choices=Availability.choices,
                                                  widget=forms.CheckboxSelectMultiple)
    is_reserve = forms.BooleanField(label="加入应急储备队伍（突发事件时可被召集）", required=False)
    guardian_name = forms.CharField(label="监护人姓名", required=False, max_length=50)
    guardian_phone = forms.CharField(label="监护人手机号", required=False, max_length=20,
                                     widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}))
    guardian_consent = forms.BooleanField(label="监护人已知悉并同意其参加志愿服务", required=False)
    consent_location = forms.BooleanField(label="同意处理我的位置信息（用于就近派单，仅保存到约百米精度）",
                                          required=False)
    consent_health = forms.BooleanField(label="同意处理我的健康信息（用于安排适合的服务岗位）", required=False)

    # Filled only when the value is one the user typed (kept on re-render), never from storage.
    RAW_FIELDS = ["name", "id_type", "id_number", "birth_date", "sex", "phone", "home_node", "political_status",
                  "skills", "availability", "is_reserve", "guardian_name", "guardian_phone", "guardian_consent",
                  "consent_location", "consent_health"]

    def __init__(self, *args, node_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = skill_choices()
        self.set_node_choices(node_choices or [])

    def set_node_choices(self, choices: list[tuple[str, str]]) -> None:
        self.fields["home_node"].widget.choices = [("", "请选择（先查找）" if not choices else "请选择")] + choices
        searched = self.data.get("node_q") or self.data.get("institute")
        if searched:
            self.fields["home_node"].help_text = (f"找到 {len(choices)} 个阵地，请选择" if choices
                                                  else "没有找到匹配的阵地，请换个关键词")
            if len(choices) == 1 and self.data.get("action") == "search" and not self.data.get("home_node"):
                self.data = self.data.copy()  # one match: choose it for the applicant
                self.data["home_node"] = choices[0][0]

    def clean(self):
        data = super().clean()
        if self.data.get("action") != "search":  # 查找 only refreshes the node choices
            self.check_fields(data)
        return data

    def _given(self, data: dict, name: str) -> bool:
        return name in self.fields and (bool(data.get(name)) or self.fields[name].required)

    def check_fields(self, data: dict) -> None:
        """Every field checked on its own with the validators the services run, so that all
        mistakes are shown at once under their fields (a field Django already refused keeps
        that one message)."""
        check(self, "name", clean_name, data.get("name"))
        id_type = check(self, "id_type", parse_id_type, data.get("id_type"))
        identity = None
        if id_type is not None and self._given(data, "id_number"):
            identity = check(self, "id_number", parse_identity, id_type, data.get("id_number"),
                             data.get("birth_date"), data.get("sex") or None)
        if self._given(data, "phone"):
            check(self, "phone", normalize_phone, data.get("phone"))
        guardian_phone = ""
        if data.get("guardian_phone"):
            guardian_phone = check(self, "guardian_phone", normalize_phone, data["guardian_phone"],
                                   "guardian_phone") or ""
        if not data.get("home_node") and not self.has_error("home_node"):
            self.add_error("home_node", E.NODE_REQUIRED.error().message)
        if identity is not None and not self.has_error("guardian_phone"):
            check(self, "id_number", check_age, identity.birth_date, timezone.localdate(),
                  data.get("guardian_name") or "", guardian_phone, bool(data.get("guardian_consent")))
        if "lat" in self.fields:
            lat = check(self, "lat", parse_coordinate, data.get("lat"), -90, 90, "lat")
            lon = check(self, "lon", parse_coordinate, data.get("lon"), -180, 180, "lon")
            if (lat is None) != (lon is None) and not (self.has_error("lat") or self.has_error("lon")):
                self.add_error("lat" if lat is None else "lon", E.COORDINATES_INVALID.error().message)
            elif lat is not None and not data.get("consent_location"):
                self.add_error("lat", E.LOCATION_NEEDS_CONSENT.error().message)

    def to_input(self) -> dict:
        """Raw input for inputs.build_values."""
        data = self.cleaned_data
        out = {f: data.get(f) for f in self.RAW_FIELDS if f in self.fields}
        out["skills"] = list(data.get("skills") or [])
        out["availability"] = sum(data.get("availability") or [])
        return out


class RegisterForm(VolunteerFieldsForm):
    """Public self-registration: the volunteer fields plus the new account."""

    consent_terms = forms.BooleanField(label="我已阅读并同意《志愿服务协议》和《个人信息处理规则》",
                                       required=False)
    username = forms.CharField(label="用户名", max_length=150, help_text="字母、数字或 @/./+/-/_，用于登录；也可用手机号登录",
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))
    password = forms.CharField(label="密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="至少 8 位，不能全是数字或过于常见")
    password2 = forms.CharField(label="再次输入密码",
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    institute = forms.CharField(label="或按实践所浏览", required=False, widget=forms.Select)

    def __init__(self, *args, institute_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institute"].widget.choices = [("", "—")] + (institute_choices or [])

    def check_fields(self, data: dict) -> None:
        super().check_fields(data)
        if not data.get("consent_terms"):
            self.add_error("consent_terms", E.TERMS_REQUIRED.error().message)
        check(self, "username", clean_username, data.get("username") or "")
        password = data.get("password")
        if password:
            try:
                validate_password(password)
            except ValidationError as exc:
                self.add_error("password", AccountError.WEAK_PASSWORD.error(
                    detail=join_messages(validation_messages(exc))).message)
        if password and data.get("password2") and password != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")


class StaffVolunteerForm(VolunteerFieldsForm):
    """Staff registering or editing a volunteer: also grid, address, coordinates, insurance."""

    grid = forms.CharField(label="所在网格", required=False, widget=forms.Select)
    address = forms.CharField(label="居住地址", required=False, max_length=200)
    lat = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6,
                             help_text="须已同意位置信息处理")
    lon = forms.DecimalField(label="经度", required=False, max_digits=10, decimal_places=6)
    insurance_valid_until = forms.DateField(label="保险有效期至", required=False,
                                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    RAW_FIELDS = VolunteerFieldsForm.RAW_FIELDS + ["grid", "address", "lat", "lon", "insurance_valid_until"]
    # On edit these stay as they are when left blank: their stored values are never put in the page.
    KEEP_IF_BLANK = ["id_number", "phone", "address", "guardian_phone"]

    def __init__(self, *args, grid_choices=None, editing=False, masked=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].widget.choices = [("", "—")] + (grid_choices or [])
        self.editing = editing
        if editing:
            masked = masked or {}
            for name in self.KEEP_IF_BLANK:
                self.fields[name].required = False
                shown = masked.get(name)
                self.fields[name].help_text = f"当前：{shown}；不修改请留空" if shown else "不修改请留空"

    def to_input(self) -> dict:
        out = super().to_input()
        if self.editing:
            for name in self.KEEP_IF_BLANK:
                if not out.get(name):
                    out.pop(name, None)
        return out


def edit_initial(vol) -> dict:
    """Initial values for the edit form: everything except the encrypted personal data."""
    return {
        "name": vol.name, "id_type": vol.id_type, "sex": vol.sex,
        # A resident ID's birth date is its masked middle: never put it in the page.
        "birth_date": vol.birth_date if vol.id_type != "resident" else None,
        "home_node": str(vol.home_node_id), "grid": str(vol.grid_id or ""),
        "political_status": vol.political_status, "skills": [s.code for s in vol.skills.all()],
        "availability": [v for v in Availability.values if vol.availability & v],
        "is_reserve": vol.is_reserve, "guardian_name": vol.guardian_name,
        "guardian_consent": vol.guardian_consent_at is not None,
        "consent_location": vol.consent_location_at is not None,
        "consent_health": vol.consent_health_at is not None,
        "lat": vol.lat, "lon": vol.lon, "insurance_valid_until": vol.insurance_valid_until,
    }


class RevealForm(forms.Form):
    reason = forms.CharField(label="查看原因", max_length=200,
                             error_messages={"required": "请填写查看原因（将记入审计日志）"},
                             widget=forms.TextInput(attrs={"placeholder": "例如：核实身份办理保险"}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=VolunteerStatus.choices)


class CertificateForm(forms.Form):
    name = forms.CharField(label="证书名称", max_length=100)
    number = forms.CharField(label="证书编号", max_length=64, required=False)
    issuer = forms.CharField(label="发证机构", max_length=100, required=False)
    issued_on = forms.DateField(label="发证日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label="有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class VolunteerFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=50,
                        widget=forms.TextInput(attrs={"placeholder": "姓名、拼音、首字母、编号或手机号"}))
    node = forms.TypedChoiceField(label="阵地", required=False, coerce=int, empty_value=None)
    political_status = forms.ChoiceField(label="政治面貌", required=False, choices=ANY + PoliticalStatus.choices)
    skill = forms.ChoiceField(label="技能", required=False)
    reserve = forms.ChoiceField(label="应急储备", required=False, choices=ANY + [("1", "是"), ("0", "否")])
    status = forms.ChoiceField(label="状态", required=False, choices=ANY + VolunteerStatus.choices)
    sex = forms.ChoiceField(label="性别", required=False, choices=ANY + Sex.choices)
    team = forms.TypedChoiceField(label="队伍", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, node_choices=None, team_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = ANY + (node_choices or [])
        self.fields["team"].choices = ANY + (team_choices or [])
        self.fields["skill"].choices = ANY + skill_choices()

    def selector_kwargs(self) -> dict:
        d = self.cleaned_data
        reserve = {"1": True, "0": False}.get(d.get("reserve") or "")
        return {"search": d.get("q") or "", "node_id": d.get("node"), "political_status": d.get("political_status") or "",
                "skill": d.get("skill") or "", "is_reserve": reserve, "team_id": d.get("team"),
                "status": d.get("status") or "", "sex": d.get("sex") or ""}


class TeamForm(forms.Form):
    name = forms.CharField(label="队伍名称", max_length=100)
    level = forms.ChoiceField(label="层级", choices=TeamLevel.choices)
    kind = forms.ChoiceField(label="类型", choices=TeamKind.choices, initial=TeamKind.GENERAL)
    node = forms.TypedChoiceField(label="所属阵地", coerce=int)
    parent = forms.TypedChoiceField(label="上级队伍", required=False, coerce=int, empty_value=None)
    skill = forms.ChoiceField(label="专业方向", required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, node_choices=None, parent_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "请选择")] + (node_choices or [])
        self.fields["parent"].choices = [("", "无（顶级队伍）")] + (parent_choices or [])
        self.fields["skill"].choices = [("", "—")] + skill_choices()


class MemberAddForm(forms.Form):
    volunteer_no = forms.CharField(label="志愿者编号", max_length=20,
                                   widget=forms.TextInput(attrs={"placeholder": "例如 WM0000000001",
                                                                 "autocapitalize": "characters"}))
    role = forms.ChoiceField(label="职务", choices=MemberRole.choices, initial=MemberRole.MEMBER)

"""Forms for the staff project pages. They shape raw input; the project services check
scope and the workflow and name the field of any error they raise."""

from django import forms

from wenming.volunteers.forms import skill_choices

from .models import ProjectStatus
from .selectors import category_list

ANY = [("", "全部")]
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def category_choices() -> list[tuple[str, str]]:
    return list(category_list().values_list("code", "name"))


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label="项目名称", required=False, max_length=50)
    status = forms.ChoiceField(label="状态", required=False, choices=ANY + ProjectStatus.choices)
    category = forms.ChoiceField(label="类别", required=False)
    node = forms.TypedChoiceField(label="阵地", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, node_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = ANY + category_choices()
        self.fields["node"].choices = ANY + (node_choices or [])

    def selector_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"search": d.get("q") or "", "status": d.get("status") or "", "category": d.get("category") or "",
                "node_id": d.get("node")}


class ProjectForm(forms.Form):
    node = forms.TypedChoiceField(label="发布阵地", coerce=int)
    title = forms.CharField(label="项目名称", max_length=100)
    category = forms.ChoiceField(label="类别")
    description = forms.CharField(label="项目内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    risk_disclosure = forms.CharField(label="风险告知", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text="报名前向志愿者展示的风险和注意事项")
    requires_insurance = forms.BooleanField(label="须在保险有效期内", required=False)
    min_age = forms.IntegerField(label="最低年龄", min_value=14, max_value=100, initial=14)
    skills = forms.MultipleChoiceField(label="所需技能", required=False, widget=forms.CheckboxSelectMultiple)
    address = forms.CharField(label="服务地点", required=False, max_length=200)
    lat = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6, min_value=-90,
                             max_value=90, help_text="用于签到位置核验和“附近的项目”，如 30.823456")
    lon = forms.DecimalField(label="经度", required=False, max_digits=9, decimal_places=6, min_value=-180,
                             max_value=180, help_text="如 110.977123")
    geofence_radius_m = forms.IntegerField(label="签到范围（米）", min_value=10, max_value=10000, initial=300)
    cancel_before_minutes = forms.IntegerField(label="开始前多少分钟内不可自行取消报名", min_value=0,
                                               max_value=10080, initial=120)
    allow_waitlist = forms.BooleanField(label="满员后可候补", required=False, initial=True)

    def __init__(self, *args, node_choices=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "请选择")] + (node_choices or [])
        # A project stays at the node it was created at: its scope and audit trail follow it.
        self.fields["node"].disabled = editing
        self.fields["category"].choices = [("", "请选择")] + category_choices()
        self.fields["skills"].choices = skill_choices()

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lon") is None) and "lat" not in self.errors \
                and "lon" not in self.errors:
            self.add_error("lon" if data.get("lat") is not None else "lat", "经度和纬度须同时填写")
        return data


class ShiftForm(forms.Form):
    title = forms.CharField(label="岗位名称", max_length=100)
    starts_at = forms.DateTimeField(label="开始时间", input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label="结束时间", input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=100000)


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label="名额", min_value=1, max_value=100000)


class CancelProjectForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200, help_text="将通知所有已报名的志愿者")


class ClaimForm(forms.Form):
    team = forms.TypedChoiceField(label="认领队伍", coerce=int)

    def __init__(self, *args, team_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = team_choices or []

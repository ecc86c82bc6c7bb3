"""Forms for the grid pages. They shape raw input; the services check scope, claims, periods
and values and name the field of any error they raise."""

import secrets

from django import forms
from django.utils import timezone

from wenming.demands.models import Urgency

from .models import MAX_HOUSEHOLDS, MAX_RESIDENTS, ScreeningKind
from .screening_totals import MAX_TOTAL

ANY = [("", "全部")]
PICK = [("", "请选择")]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
MONTH_INPUT = forms.TextInput(attrs={"type": "month", "placeholder": "2025-03"})
NUMERIC = {"inputmode": "numeric", "pattern": "[0-9]*"}


def _now():
    return timezone.localtime().replace(second=0, microsecond=0)


def new_token() -> str:
    return secrets.token_urlsafe(16)


def this_month_text() -> str:
    return f"{timezone.localdate():%Y-%m}"


class ProfileForm(forms.Form):
    household_count = forms.IntegerField(label="户数", min_value=0, max_value=MAX_HOUSEHOLDS,
                                         widget=forms.NumberInput(attrs=NUMERIC),
                                         help_text="网格内的住户总数，用于计算入户走访覆盖率")
    boundary = forms.CharField(label="网格边界（GeoJSON，选填）", required=False, max_length=200_000,
                               widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
                               help_text="Polygon 或 MultiPolygon，坐标为 [经度, 纬度]；留空表示不设边界")


class ClaimForm(forms.Form):
    team = forms.TypedChoiceField(label="认领队伍", coerce=int)
    starts_on = forms.DateField(label="开始日期", widget=DATE_INPUT, initial=timezone.localdate)
    ends_on = forms.DateField(label="结束日期", widget=DATE_INPUT, help_text="含当日；期满可再次认领")
    note = forms.CharField(label="说明", max_length=200, required=False,
                           help_text="如：疫情防控期间负责敲门排查、每周回访独居老人")

    def __init__(self, *args, team_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = PICK + team_choices


class VisitForm(forms.Form):
    """At the door, on a phone: address, who is home, what was found."""

    address = forms.CharField(label="住户地址", max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "如：九里村三组 12 号"}),
                              help_text="加密保存，列表只显示到村组；同一地址多次走访只算一户")
    residents_count = forms.IntegerField(label="在家人数", min_value=0, max_value=MAX_RESIDENTS, initial=0,
                                         widget=forms.NumberInput(attrs=NUMERIC))
    flags = forms.MultipleChoiceField(label="排查情况", required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="情况说明", max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="如：需要代购药品、体温 37.8℃；请勿填写身份证号")
    visited_at = forms.DateTimeField(label="走访时间", input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT,
                                     initial=_now)
    late_reason = forms.CharField(label="补录说明", max_length=200, required=False,
                                  widget=forms.TextInput(attrs={"placeholder": "如：据2020年2月纸质走访登记表补录"}),
                                  help_text="走访时间早于 7 天前（据纸质登记补录）时必填")
    team = forms.TypedChoiceField(label="以哪支队伍登记", coerce=int, required=False, empty_value=None)
    client_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, flag_choices, team_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flags"].choices = flag_choices
        if team_choices and len(team_choices) > 1:
            self.fields["team"].choices = PICK + team_choices
            self.fields["team"].required = True
        else:
            del self.fields["team"]


class CorrectForm(forms.Form):
    address = forms.CharField(label="住户地址", max_length=200, required=False,
                              help_text="留空表示不改；填写则以新地址替换（原地址不显示）")
    residents_count = forms.IntegerField(label="在家人数", min_value=0, max_value=MAX_RESIDENTS,
                                         widget=forms.NumberInput(attrs=NUMERIC))
    flags = forms.MultipleChoiceField(label="排查情况", required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="情况说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    visited_at = forms.DateTimeField(label="走访时间", input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)
    reason = forms.CharField(label="更正原因", max_length=200, error_messages={"required": "请填写更正原因"})

    def __init__(self, *args, flag_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flags"].choices = flag_choices


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, error_messages={"required": "请填写原因"})


class FollowUpForm(forms.Form):
    name = forms.CharField(label="联系人姓名", max_length=40)
    phone = forms.CharField(label="手机号", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    category = forms.ChoiceField(label="需要什么帮助")
    description = forms.CharField(label="需求描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL,
                                widget=forms.RadioSelect)

    def __init__(self, *args, category_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = PICK + category_choices


class VisitFilterForm(forms.Form):
    node = forms.TypedChoiceField(label="阵地（含下级）", required=False, coerce=int, empty_value=None)
    flag = forms.ChoiceField(label="排查标记", required=False)
    follow_up = forms.ChoiceField(label="转办", required=False,
                                  choices=ANY + [("suggested", "待转办"), ("done", "已转点单")])
    since = forms.DateField(label="起始日期", required=False, widget=DATE_INPUT)
    until = forms.DateField(label="截止日期", required=False, widget=DATE_INPUT)
    include_void = forms.BooleanField(label="含已作废", required=False)

    def __init__(self, *args, node_choices, flag_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = ANY + node_choices
        self.fields["flag"].choices = ANY + flag_choices

    def filters(self) -> dict:
        d = self.cleaned_data
        return {"node_id": d["node"], "flag": d["flag"], "follow_up": d["follow_up"], "since": d["since"],
                "until": d["until"], "include_void": d["include_void"]}


class ScreeningTotalForm(forms.Form):
    """A month's screening count at a node, where there is only the total (paper tallies)."""

    node = forms.TypedChoiceField(label="阵地", coerce=int, help_text="总数包括该阵地及其全部下级")
    kind = forms.ChoiceField(label="排查类型", choices=PICK + ScreeningKind.choices,
                             help_text="入户走访按户次计（与逐户走访记录合并，不重复计算）；企业场所按家计")
    month = forms.CharField(label="统计月份", widget=MONTH_INPUT, initial=this_month_text, max_length=20)
    total = forms.IntegerField(label="排查总数", min_value=0, max_value=MAX_TOTAL, widget=forms.NumberInput(attrs=NUMERIC),
                               help_text="该月的总数，包括已逐户登记的走访；填 0 撤销")
    note = forms.CharField(label="说明", max_length=200, required=False, help_text="如：据各村排查台账汇总")
    late_reason = forms.CharField(label="补录说明", max_length=200, required=False,
                                  widget=forms.TextInput(attrs={"placeholder": "如：据2020年2月各村纸质排查台账补录"}),
                                  help_text="该月结束 7 天后填报或修改时必填")

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = PICK + node_choices

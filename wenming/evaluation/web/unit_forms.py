"""Forms of the unit participation pages. They shape input and give Chinese messages; the
services (services/units.py) check the actor and the rules again and name the field of any
error."""

from django import forms

DATE = {"type": "date"}
DATE_ERRORS = {"invalid": "请填写正确的日期"}


def _choices(rows, blank: str = "请选择") -> list[tuple[str, str]]:
    return [("", blank)] + list(rows)


class MemberForm(forms.Form):
    volunteer_no = forms.CharField(label="志愿者编号", max_length=20, required=False,
                                   help_text="工作人员可直接填写志愿者编号，如 WM0000000003")
    name = forms.CharField(label="姓名", max_length=50, required=False)
    phone = forms.CharField(label="手机号", max_length=30, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
                            help_text="须是志愿者注册时登记的手机号，姓名和手机号都对上才能添加")
    joined_on = forms.DateField(label="加入日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                                error_messages=DATE_ERRORS, help_text="不填为今天；此日起的服务时长计入本单位")

    def __init__(self, *args, by_number: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not by_number:
            del self.fields["volunteer_no"]

    def clean(self):
        data = super().clean()
        by_number = bool((data.get("volunteer_no") or "").strip())
        by_phone = bool((data.get("name") or "").strip()) and bool((data.get("phone") or "").strip())
        if not by_number and not by_phone and not self.errors:
            raise forms.ValidationError("请填写志愿者编号，或志愿者的姓名和手机号" if "volunteer_no" in self.fields
                                        else "请填写志愿者的姓名和手机号")
        return data


class TeamLinkForm(forms.Form):
    team = forms.TypedChoiceField(label="队伍", coerce=int, empty_value=None)

    def __init__(self, *args, team_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _choices(team_choices)


class PairingForm(forms.Form):
    node = forms.TypedChoiceField(label="结对的实践站、实践点或网格", coerce=int, empty_value=None)
    started_on = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                                 error_messages=DATE_ERRORS, help_text="不填为今天")
    note = forms.CharField(label="共建内容", max_length=200, required=False,
                           help_text="如：每月开展一次文明劝导、结对帮扶困难家庭")

    def __init__(self, *args, node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = _choices(node_choices)


class PairingEndForm(forms.Form):
    ended_on = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                               error_messages=DATE_ERRORS)


class CallAnswerForm(forms.Form):
    team = forms.TypedChoiceField(label="出动队伍", coerce=int, empty_value=None)
    headcount = forms.IntegerField(label="可出动人数", min_value=1, max_value=100_000,
                                   widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                   error_messages={"invalid": "请填写整数", "min_value": "至少 1 人",
                                                   "max_value": "人数过大"})
    note = forms.CharField(label="说明", max_length=200, required=False,
                           help_text="如：由副队长带队，自备车辆两台")

    def __init__(self, *args, team_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _choices(team_choices)


class ListFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    node = forms.TypedChoiceField(label="阵地", coerce=int, required=False, empty_value=None)
    q = forms.CharField(label="单位名称", max_length=50, required=False)
    order = forms.ChoiceField(label="排序", required=False, choices=[
        ("", "按阵地"), ("hours", "服务时长多的在前"), ("members", "志愿者多的在前"), ("visits", "走访多的在前"),
        ("answers", "响应招募令多的在前")])

    def __init__(self, *args, years=(), node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(str(y), f"{y}年") for y in years]
        self.fields["node"].choices = _choices(node_choices, "本辖区全部")

"""Forms of the hotline pages. They shape input; the services check it and write."""

from django import forms
from django.utils import timezone

from .models import MAX_DURATION_MINUTES, CallerGroup, Outcome, Referral
from .selectors import topic_list
from .stats import PERIODS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _local_now() -> str:
    return timezone.localtime().strftime(DATETIME_LOCAL)


class CallForm(forms.Form):
    hotline = forms.ChoiceField(label="热线")
    started_at = forms.DateTimeField(label="来电时间", input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format=DATETIME_LOCAL))
    duration_minutes = forms.IntegerField(label="通话时长（分钟）", help_text=f"0 至 {MAX_DURATION_MINUTES} 分钟",
                                          widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    caller_group = forms.ChoiceField(label="来电人群", choices=CallerGroup.choices)
    topic = forms.ChoiceField(label="咨询主题")
    outcome = forms.ChoiceField(label="处理结果", choices=Outcome.choices)
    is_crisis = forms.BooleanField(label="危机来电（有自伤、自杀或伤人风险）", required=False,
                                   help_text="勾选后自动生成次日到期的回访任务")
    referral = forms.ChoiceField(label="转介去向", choices=Referral.choices, required=False)
    summary = forms.CharField(label="通话摘要", required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 6}),
                              help_text="加密保存，仅您本人和您的督导可见；请勿记录与咨询无关的身份信息")
    caller_phone = forms.CharField(label="来电号码", required=False, max_length=30,
                                   help_text="选填，用于回访；加密保存，默认脱敏显示")

    def __init__(self, *args, hotline_choices: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [(t.code, t.name) for t in topic_list()]
        if hotline_choices is None:  # editing: the line of a call does not change
            del self.fields["hotline"]
        else:
            self.fields["hotline"].choices = hotline_choices
            self.initial.setdefault("started_at", _local_now())

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("hotline", None)
        return data


class CallEditForm(CallForm):
    caller_phone = forms.CharField(label="来电号码", required=False, max_length=30,
                                   help_text="留空则保持原号码不变")
    clear_phone = forms.BooleanField(label="删除已记录的来电号码", required=False)

    def service_values(self) -> dict:
        data = super().service_values()
        clear = data.pop("clear_phone", False)
        if clear:
            data["caller_phone"] = ""
        elif not data.get("caller_phone"):
            data.pop("caller_phone", None)
        return data


class FollowUpForm(forms.Form):
    due_on = forms.DateField(label="回访期限", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class CompleteForm(forms.Form):
    note = forms.CharField(label="回访记录", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="加密保存")


class StatsForm(forms.Form):
    period = forms.ChoiceField(label="统计周期", choices=[("day", "按日"), ("week", "按周"), ("month", "按月")],
                               required=False)
    date_from = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    node = forms.ChoiceField(label="阵地（含下级）", required=False)
    hotline = forms.ChoiceField(label="热线", required=False)

    def __init__(self, *args, node_choices: list[tuple[str, str]], hotline_choices: list[tuple[str, str]],
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "全部")] + node_choices
        self.fields["hotline"].choices = [("", "全部")] + hotline_choices

    def clean_period(self) -> str:
        period = self.cleaned_data.get("period") or "day"
        return period if period in PERIODS else "day"

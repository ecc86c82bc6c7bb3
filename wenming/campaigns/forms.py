"""Forms of the campaigns pages. They shape raw input; the services check scope and values and
name the field of any error they raise."""

from django import forms
from django.utils import timezone

from .models import MAX_TALLY, Aggregation, ReformKind, ReportSection

ANY = [("", "全部")]
PICK = [("", "请选择")]
DAY_LATE_HELP = "日期早于 7 天前的为补录，须填写补录说明"
MONTH_LATE_HELP = "月份结束 7 天后才填报的为补录，须填写补录说明"
MONTH_INPUT = forms.TextInput(attrs={"type": "month", "placeholder": "2025-03"})
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def this_month_text() -> str:
    return f"{timezone.localdate():%Y-%m}"


class ChoiceForm(forms.Form):
    def set_choices(self, name: str, choices: list[tuple[str, str]], blank=PICK) -> None:
        self.fields[name].choices = blank + choices


class SubjectForm(ChoiceForm):
    """Which subject (a node: n:<id>, or a unit: u:<id>) and month a page shows."""

    subject = forms.ChoiceField(label="填报主体", required=False)
    month = forms.CharField(label="统计月份", required=False, widget=MONTH_INPUT, max_length=20)

    def __init__(self, *args, subject_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("subject", subject_choices, [])


class EntryForm(ChoiceForm):
    subject = forms.ChoiceField(label="填报主体", help_text="阵地本级，或挂靠的文明单位")
    indicator = forms.TypedChoiceField(label="指标", coerce=int)
    month = forms.CharField(label="统计月份", widget=MONTH_INPUT, initial=this_month_text, max_length=20)
    value = forms.IntegerField(label="数量", min_value=1, max_value=MAX_TALLY, help_text="本次新增的数量（整数）")
    note = forms.CharField(label="备注", max_length=200, required=False)
    late_reason = forms.CharField(label="补录说明", max_length=200, required=False, help_text=MONTH_LATE_HELP,
                                  widget=forms.TextInput(attrs={"placeholder": "如：据2020年2月纸质台账补录"}))

    def __init__(self, *args, subject_choices, indicator_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("subject", subject_choices)
        self.set_choices("indicator", indicator_choices)


class IndicatorForm(ChoiceForm):
    """An office's own indicator (new: with the office; edit: without)."""

    node = forms.TypedChoiceField(label="定义的文明办", coerce=int, help_text="指标只在这个文明办及其下级填报和统计")
    name = forms.CharField(label="指标名称", max_length=32, help_text="如：消杀面积、生活垃圾转运、心理微课")
    unit = forms.CharField(label="计量单位", max_length=8, help_text="如：平方米、吨、期、辆")
    section = forms.ChoiceField(label="工作报告栏目", choices=ReportSection.choices, initial=ReportSection.OTHER)
    aggregation = forms.ChoiceField(label="汇总方式", choices=Aggregation.choices, initial=Aggregation.SUM,
                                    help_text="发放、转运等按月累加；车辆、器材等在用数量取最近一个月的数")
    sort = forms.IntegerField(label="排序", min_value=0, max_value=32767, initial=500, help_text="数字小的排在前面")
    active = forms.BooleanField(label="启用（停用后保留历史数据，不再接受填报）", required=False, initial=True)

    def __init__(self, *args, node_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if node_choices is None:
            del self.fields["node"]
        else:
            del self.fields["active"]
            self.set_choices("node", node_choices)


class CorrectionForm(forms.Form):
    delta = forms.IntegerField(label="更正数量（±）", min_value=-MAX_TALLY, max_value=MAX_TALLY,
                               help_text="多报了填负数（如 -30），漏报了填正数；原记录保持不变")
    reason = forms.CharField(label="更正原因", max_length=200)


class UploadForm(forms.Form):
    file = forms.FileField(label="填报表（.xlsx）", help_text="请使用本页下载的模板；有误的行会逐行列出，整张表不导入")
    late_reason = forms.CharField(label="补录说明", max_length=200, required=False,
                                  help_text=MONTH_LATE_HELP + "（用于本表导入的每一项）",
                                  widget=forms.TextInput(attrs={"placeholder": "如：据2020年2月纸质台账补录"}))


class ReformForm(ChoiceForm):
    node = forms.TypedChoiceField(label="阵地", coerce=int)
    kind = forms.ChoiceField(label="类型", choices=PICK + ReformKind.choices)
    household = forms.CharField(label="户", max_length=50, help_text="户的标识，如“三组 12 号”；不要填写完整姓名")
    head_name = forms.CharField(label="户主姓名", max_length=50, required=False,
                                help_text="选填；只保存脱敏后的形式，如 张*丰")
    occurred_on = forms.DateField(label="日期", widget=DATE_INPUT, initial=timezone.localdate)
    note = forms.CharField(label="备注", max_length=200, required=False)
    late_reason = forms.CharField(label="补录说明", max_length=200, required=False, help_text=DAY_LATE_HELP,
                                  widget=forms.TextInput(attrs={"placeholder": "如：据2020年2月村移风易俗登记簿补录"}))

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices)


class ReformTotalForm(ChoiceForm):
    """A month's total of households for one kind at a node (paper tallies)."""

    node = forms.TypedChoiceField(label="阵地", coerce=int, help_text="合计包括该阵地及其下级")
    kind = forms.ChoiceField(label="类型", choices=PICK + ReformKind.choices)
    month = forms.CharField(label="统计月份", widget=MONTH_INPUT, initial=this_month_text, max_length=20)
    total = forms.IntegerField(label="合计户数", min_value=0, max_value=10_000_000,
                               help_text="该月该类型的总户数，包括已逐户登记的；不会重复计算。填 0 撤销合计")
    note = forms.CharField(label="说明", max_length=200, required=False, help_text="如：据各村纸质台账汇总")
    late_reason = forms.CharField(label="补录说明", max_length=200, required=False, help_text=MONTH_LATE_HELP,
                                  widget=forms.TextInput(attrs={"placeholder": "如：据2020年2月各乡镇纸质台账补录"}))

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices)


class ReformFilterForm(ChoiceForm):
    node = forms.TypedChoiceField(label="阵地（含下级）", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label="类型", required=False, choices=ANY + ReformKind.choices)

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices, ANY)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)


class ActivityForm(ChoiceForm):
    node = forms.TypedChoiceField(label="主办阵地", coerce=int)
    title = forms.CharField(label="活动名称", max_length=100)
    description = forms.CharField(label="简介", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    link = forms.CharField(label="活动链接", max_length=500, required=False,
                           help_text="如公众号文章、H5 页面地址，须以 https:// 或 http:// 开头")
    starts_at = forms.DateTimeField(label="开始时间", input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label="结束时间", input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT)

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices)


class NodeFilterForm(ChoiceForm):
    node = forms.TypedChoiceField(label="阵地（含下级）", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices, ANY)


class CheckinForm(forms.Form):
    volunteer_no = forms.CharField(label="志愿者编号", max_length=20, help_text="代党员志愿者报到：填写其志愿者编号")
    checked_in_on = forms.DateField(label="报到日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                    help_text="补录纸质报到登记时填写；不填为今天")
    late_reason = forms.CharField(label="补录说明", max_length=200, required=False,
                                  help_text="报到日期早于 7 天前时必填，如：据2020年2月社区报到登记簿补录")

"""Forms of the evaluation pages: they shape input and give Chinese messages; the services
validate again, check the actor and the state, and name the field of any error."""

from django import forms

from ..models import AccountabilityKind, DutyRole, Severity

PHOTO_ATTRS = {"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one <input multiple>: the list of uploads (checked by core.uploads)."""

    widget = MultiplePhotoInput(attrs={**PHOTO_ATTRS, "multiple": True})

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class FindingForm(forms.Form):
    indicator = forms.ChoiceField(label="测评指标")
    deduction = forms.ChoiceField(label="扣分项", required=False)
    description = forms.CharField(label="问题描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.MINOR,
                                 widget=forms.RadioSelect)
    points = forms.CharField(label="扣分", required=False, max_length=10,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                             help_text="不填则按扣分项或指标的标准扣分")
    photos = PhotosField(label="现场照片", required=False, help_text="至少一张，最多六张；拍照时自动核验您是否在点位附近")
    submission = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, widget=forms.HiddenInput)
    accuracy = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, indicators=(), deductions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "请选择")] + list(indicators)
        self.fields["deduction"].choices = [("", "（不选：按指标扣分）")] + list(deductions)


class AnswerForm(forms.Form):
    text = forms.CharField(label="整改情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label="整改后照片", required=False, help_text="至少一张，最多六张")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label="复查意见", max_length=500, required=False)


class RoundForm(forms.Form):
    title = forms.CharField(label="督查名称", max_length=100, help_text="如：11月第二轮暗访督查")
    node = forms.ChoiceField(label="督查范围")
    planned_on = forms.DateField(label="督查日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 error_messages={"invalid": "请填写正确的日期"})
    site_codes = forms.CharField(label="点位编码", required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text="每行或用逗号分隔；不填则督查范围内的全部点位都可录入")
    announced = forms.BooleanField(label="提前通知被督查单位", required=False,
                                   help_text="默认不打招呼：录入问题前，责任单位看不到督查安排")

    def __init__(self, *args, node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "请选择")] + list(node_choices)


class DutyForm(forms.Form):
    indicator = forms.ChoiceField(label="指标")
    unit = forms.ChoiceField(label="责任单位")
    role = forms.ChoiceField(label="职责", choices=DutyRole.choices)
    head_name = forms.CharField(label="责任领导", max_length=50, required=False)
    head_title = forms.CharField(label="领导职务", max_length=50, required=False)
    plan = forms.CharField(label="工作方案", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    task_force = forms.CharField(label="工作专班", max_length=500, required=False)
    due_on = forms.DateField(label="完成时限", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                             error_messages={"invalid": "请填写正确的日期"})

    def __init__(self, *args, indicators=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "请选择")] + list(indicators)
        self.fields["unit"].choices = [("", "请选择")] + list(units)


class AccountabilityForm(forms.Form):
    kind = forms.ChoiceField(label="方式", choices=AccountabilityKind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label="事由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CampaignForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="如：2027年度文明城市创建测评")
    node = forms.ChoiceField(label="测评范围", help_text="县级及以上文明办")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages={"invalid": "请填写正确的日期"})
    ends_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages={"invalid": "请填写正确的日期"})

    def __init__(self, *args, node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "请选择")] + list(node_choices)

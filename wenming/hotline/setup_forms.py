"""Forms of the set-up pages (lines, counselors, duty schedules). They shape input; the
services (services.py) check it — who may act, who may supervise whom — and write."""

from django import forms
from django.forms import BaseFormSet, formset_factory

from .services import MAX_SHIFTS, Slot

WEEKDAY_CHOICES = [("", "—"), ("1", "周一"), ("2", "周二"), ("3", "周三"), ("4", "周四"), ("5", "周五"), ("6", "周六"),
                   ("7", "周日")]
NO_SUPERVISOR = ("", "（不指定：本人兼任督导）")


class HotlineForm(forms.Form):
    node = forms.ChoiceField(label="所属阵地", help_text="热线的阵地决定谁能督导和谁能看到统计，创建后不能更改")
    name = forms.CharField(label="热线名称", max_length=100)
    number = forms.CharField(label="对外号码", max_length=40)
    hours = forms.CharField(label="服务时间", max_length=100, required=False, help_text="如：每日 8:00–22:00")
    active = forms.BooleanField(label="启用（停用后不能再录入来电，已有记录不受影响）", required=False)

    def __init__(self, *args, node_choices: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if node_choices is None:  # editing: the node stays
            del self.fields["node"]
        else:
            self.fields["node"].choices = [("", "请选择")] + node_choices
            del self.fields["active"]


class CounselorAddForm(forms.Form):
    user = forms.ChoiceField(label="咨询师账号", help_text="须持有本阵地、上级或下级阵地的“心理咨询师”角色")
    supervisor = forms.ChoiceField(label="督导", required=False)
    is_supervisor = forms.BooleanField(label="兼任督导（仅系统管理员可设）", required=False)

    def __init__(self, *args, user_choices: list[tuple[str, str]], supervisor_choices: list[tuple[str, str]],
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "请选择")] + user_choices
        self.fields["supervisor"].choices = [NO_SUPERVISOR] + supervisor_choices


class CounselorEditForm(forms.Form):
    supervisor = forms.ChoiceField(label="督导", required=False,
                                   help_text="新督导可以看到该咨询师的全部来电记录（含以往的），原督导不再能看到")
    is_supervisor = forms.BooleanField(label="兼任督导（仅系统管理员可设）", required=False)
    active = forms.BooleanField(label="在岗（离岗后不能录入来电，也看不到本人以往的记录）", required=False)

    def __init__(self, *args, supervisor_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [NO_SUPERVISOR] + supervisor_choices


class SlotForm(forms.Form):
    weekday = forms.ChoiceField(label="每周", choices=WEEKDAY_CHOICES, required=False)
    on_date = forms.DateField(label="或具体日期", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    starts_at = forms.TimeField(label="开始", required=False, widget=forms.TimeInput(attrs={"type": "time"},
                                                                                      format="%H:%M"))
    ends_at = forms.TimeField(label="结束", required=False, widget=forms.TimeInput(attrs={"type": "time"},
                                                                                    format="%H:%M"),
                              help_text="早于或等于开始时间表示跨到次日")

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        if bool(data.get("weekday")) == bool(data.get("on_date")):
            raise forms.ValidationError("请在“每周”与“具体日期”中选一项")
        missing = [k for k in ("starts_at", "ends_at") if data.get(k) is None and not self.has_error(k)]
        if missing:
            raise forms.ValidationError("请填写开始和结束时间")
        return data

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(k) for k in ("weekday", "on_date", "starts_at", "ends_at")) and not any(
            self.data.get(self.add_prefix(k)) for k in ("weekday", "on_date", "starts_at", "ends_at"))

    def slot(self) -> Slot:
        data = self.cleaned_data
        return Slot(weekday=int(data["weekday"]) if data.get("weekday") else None, on_date=data.get("on_date"),
                    starts_at=data["starts_at"], ends_at=data["ends_at"])


class BaseSlotFormSet(BaseFormSet):
    def clean(self):
        seen = set()
        for form in self.forms:
            if not form.is_valid() or form.is_blank():
                continue
            slot = form.slot()
            key = (slot.weekday, slot.on_date, slot.starts_at)
            if key in seen:
                form.add_error(None, "与前面的值班安排重复（同一天同一开始时间）")
            seen.add(key)


# The service refuses more than MAX_SHIFTS filled rows (hotline.too_many_shifts); a few more
# rows than that may be posted (blank ones), no more.
SlotFormSet = formset_factory(SlotForm, formset=BaseSlotFormSet, extra=3, max_num=MAX_SHIFTS,
                              absolute_max=MAX_SHIFTS + 3)


def schedule_slots(formset) -> list[Slot]:
    """The filled rows of a valid schedule formset, in order (blank rows are left out)."""
    return [f.slot() for f in formset.forms if not f.is_blank()]


def schedule_initial(shifts) -> list[dict]:
    return [{"weekday": str(s.weekday or ""), "on_date": s.on_date, "starts_at": s.starts_at, "ends_at": s.ends_at}
            for s in shifts]


class TallyForm(forms.Form):
    """补录: a month's calls from the paper log."""

    month = forms.CharField(label="月份", max_length=10, widget=forms.TextInput(attrs={"type": "month"}),
                            help_text="纸质登记簿所记的月份，如 2020-02")
    calls = forms.IntegerField(label="来电次数", min_value=0, max_value=1_000_000,
                               help_text="该月全部来电，包括已在系统中逐条登记的；不会重复计算")
    crisis = forms.IntegerField(label="其中危机来电", min_value=0, max_value=1_000_000, initial=0)
    reason = forms.CharField(label="补录说明", max_length=200, help_text="如：据2020年2月纸质接听登记簿补录")

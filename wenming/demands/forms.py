"""Forms of the request pages. They shape raw input and give Chinese messages; the intake
and workflow services validate again, check the actor and state, and name the field of any
error they raise (shown next to it with core.decorators.add_domain_error)."""

import re
from decimal import Decimal

from django import forms
from django.core.validators import RegexValidator

from wenming.core.errors import DomainError
from wenming.volunteers.validation import normalize_phone

from .intake import DemandInput
from .models import DemandStatus, Urgency
from .selectors import category_list

ITEM_ROWS = 5  # the public form's shopping list; operators may enter as many through the API
ITEM_PARTS = ("name", "quantity", "unit", "budget")
MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal(0), "max_value": Decimal("99999999")}
NUMBER_ERRORS = {"invalid": "请填写数字", "min_value": "不能小于 %(limit_value)s", "max_value": "数值过大",
                 "max_decimal_places": "最多两位小数", "max_digits": "数值过大", "max_whole_digits": "数值过大"}
RECEIPT_ERRORS = NUMBER_ERRORS | {"invalid": "小票金额须为不小于 0 的数字", "min_value": "小票金额须为不小于 0 的数字"}
BOARD_STATUSES = [s for s in DemandStatus if s not in (DemandStatus.CLOSED, DemandStatus.REJECTED)]


class CategorySelect(forms.Select):
    """A <select> whose purchase categories carry data-purchase="1" (the page shows the
    shopping list for them)."""

    def __init__(self, *args, purchase=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.purchase = set(purchase)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value in self.purchase:
            option["attrs"]["data-purchase"] = "1"
        return option


class DemandForm(forms.Form):
    """The request itself: shared by the resident's form and the operator's."""

    name = forms.CharField(label="联系人姓名", max_length=40)
    phone = forms.CharField(label="手机号", max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    address = forms.CharField(label="地址", max_length=200,
                              help_text="村（社区）、组、门牌号，如“九里村三组 12 号”；用于分派到负责的实践站")
    category = forms.ChoiceField(label="需要什么帮助")
    description = forms.CharField(label="需求描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="请写清需要做什么；家中有行动不便、隔离等情况请一并说明")
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL,
                                widget=forms.RadioSelect)
    preferred_time = forms.CharField(label="期望时间", required=False, max_length=60,
                                     help_text="如：今天下午、明早 9 点前")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = list(category_list().values_list("code", "name", "is_purchase"))
        self.purchase_codes = {code for code, _, purchase in categories if purchase}
        self.fields["category"].choices = [("", "请选择")] + [(code, name) for code, name, _ in categories]
        self.fields["category"].widget = CategorySelect(choices=self.fields["category"].choices,
                                                        purchase=self.purchase_codes)
        for n in range(1, ITEM_ROWS + 1):
            self.fields[f"item_name_{n}"] = forms.CharField(label=f"第 {n} 项物品", required=False, max_length=60)
            self.fields[f"item_quantity_{n}"] = forms.DecimalField(
                label=f"第 {n} 项数量", required=False, max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
                max_value=Decimal("99999999"), error_messages=NUMBER_ERRORS,
                widget=forms.NumberInput(attrs={"step": "any", "min": "0"}))
            self.fields[f"item_unit_{n}"] = forms.CharField(label=f"第 {n} 项单位", required=False, max_length=10)
            self.fields[f"item_budget_{n}"] = forms.DecimalField(
                label=f"第 {n} 项预算（元）", required=False, **MONEY, error_messages=NUMBER_ERRORS,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))

    def item_rows(self) -> list[dict]:
        """The shopping-list rows as bound fields, for the table in the template."""
        rows = []
        for n in range(1, ITEM_ROWS + 1):
            row = {part: self[f"item_{part}_{n}"] for part in ITEM_PARTS}
            row["errors"] = [f"{field.label}：{e}" for field in row.values() for e in field.errors]
            rows.append(row)
        return rows

    def item_fields(self) -> set[str]:
        return {f"item_{part}_{n}" for part in ITEM_PARTS for n in range(1, ITEM_ROWS + 1)}

    def main_fields(self) -> list:
        return [self[name] for name in self.fields if name not in self.item_fields()]

    def clean_phone(self):
        """Checked here too (the intake service checks again), so a bad phone is shown with
        the form's other errors instead of after them."""
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def clean(self):
        data = super().clean()
        items = []
        for n in range(1, ITEM_ROWS + 1):
            name = (data.get(f"item_name_{n}") or "").strip()
            quantity, unit, budget = (data.get(f"item_{p}_{n}") for p in ("quantity", "unit", "budget"))
            if not name:
                if quantity is not None or unit or budget is not None:
                    self.add_error(f"item_name_{n}", "请填写物品名称，或清空这一行")
                continue
            items.append({"name": name, "quantity": quantity if quantity is not None else Decimal(1),
                          "unit": (unit or "").strip(), "budget": budget})
        data["items"] = items
        return data

    def demand_input(self, *, within=None, grid=None) -> DemandInput:
        d = self.cleaned_data
        return DemandInput(name=d["name"], phone=d["phone"], address=d["address"], category=d["category"],
                           description=d["description"], urgency=d["urgency"], preferred_time=d["preferred_time"],
                           items=d["items"], within=within, grid=grid)


class PublicDemandForm(DemandForm):
    """The resident's form: the phone is confirmed by a one-time SMS code."""

    code = forms.CharField(label="短信验证码", max_length=6,
                           validators=[RegexValidator(r"^[0-9]{6}$", "请输入短信中的 6 位数字验证码")],
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "maxlength": "6"}))
    # The node whose page or QR code the form was opened from (?node=<id>); routing stays inside it.
    node = forms.CharField(required=False, widget=forms.HiddenInput)


class EnterDemandForm(DemandForm):
    """An operator types in a request heard on the hotline (no code: they talk to the caller)."""

    node = forms.TypedChoiceField(label="受理阵地", coerce=int,
                                  help_text="来电人所在的实践所或实践站；系统在其范围内按地址分派到负责的实践站")

    field_order = ["node"]

    def __init__(self, *args, node_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "请选择")] + (node_choices or [])


class TrackForm(forms.Form):
    tracking_no = forms.CharField(label="点单编号", max_length=20,
                                  widget=forms.TextInput(attrs={"autocapitalize": "characters",
                                                                "placeholder": "如 D20260000001"}))
    tracking_code = forms.CharField(label="查询码", max_length=6,
                                    validators=[RegexValidator(r"^[0-9]{6}$", "查询码是 6 位数字")],
                                    widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "6"}))

    def clean_tracking_no(self):
        return self.cleaned_data["tracking_no"].strip().upper()


class RateForm(TrackForm):
    rating = forms.TypedChoiceField(label="评分", coerce=int, widget=forms.RadioSelect,
                                    choices=[(n, f"{'★' * n} {n}星") for n in range(5, 0, -1)],
                                    error_messages={"required": "请选择 1 到 5 星"})
    comment = forms.CharField(label="评价（选填）", required=False, max_length=300,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, error_messages={"required": "请填写原因"})


class NoteForm(forms.Form):
    note = forms.CharField(label="办结说明（选填）", required=False, max_length=300)


class CompleteForm(forms.Form):
    note = forms.CharField(label="完成说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="做了什么、交给了谁，如“药已送到，本人签收”")
    receipt_amount = forms.DecimalField(label="小票金额（元）", required=False, **MONEY, error_messages=RECEIPT_ERRORS,
                                        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
                                        help_text="代购类请填写小票上的金额，群众凭查询码可以看到")
    photo = forms.FileField(label="完成照片（选填）", required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                            help_text="JPEG、PNG 或 WebP；照片中的位置信息会被自动去除")


class PhotoForm(forms.Form):
    photo = forms.FileField(label="照片", error_messages={"required": "请选择要上传的照片"},
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))


class DispatchForm(forms.Form):
    """The typed part of a dispatch: volunteer numbers and how many to ask at once. The
    candidates' and teams' checkboxes are read by the view (ids parsed with parse_pk and
    looked up through the scoped selectors), since a ranking may change between two loads."""

    numbers = forms.CharField(label="按志愿者编号派单", required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2, "placeholder": "如 WM0000012345"}),
                              help_text="可填多个，用空格、逗号或换行分隔；按填写顺序排在所选候选人之后")
    at_once = forms.IntegerField(label="同时派给几人", min_value=1, max_value=20, initial=1,
                                 help_text="其余候选人排队，前面的人婉拒或超时后依次派单")

    def number_list(self) -> list[str]:
        seen: list[str] = []
        for raw in re.split(r"[\s,，、;；]+", self.cleaned_data.get("numbers") or ""):
            number = raw.strip().upper()
            if number and number not in seen:
                seen.append(number)
        return seen[:50]


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部未办结")] + [(s.value, s.label) for s in DemandStatus])
    q = forms.CharField(label="点单编号", required=False, max_length=20,
                        widget=forms.TextInput(attrs={"placeholder": "编号，或其后几位如 0001",
                                                      "autocapitalize": "characters", "inputmode": "search",
                                                      "enterkeyhint": "search"}))

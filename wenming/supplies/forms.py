"""Forms for the supplies pages. They shape raw input; the services check scope, stock and
quantities and name the field of any error they raise."""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils import timezone

from .models import MovementKind, RecipientKind
from .quantities import MAX_QUANTITY
from .services import MAX_LINES

ANY = [("", "全部")]
PICK = [("", "请选择")]
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
LINE_ROWS = 6
QTY_ATTRS = {"inputmode": "decimal"}  # min and step (0.001) come from the field itself


def _quantity_field(label: str, *, required: bool = False, signed: bool = False) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=14, decimal_places=3,
                              min_value=None if signed else Decimal("0"), max_value=MAX_QUANTITY,
                              widget=forms.NumberInput(attrs=QTY_ATTRS))


def _now():
    return timezone.localtime().replace(second=0, microsecond=0)


class LineForm(forms.Form):
    item = forms.TypedChoiceField(label="物资", required=False, coerce=int, empty_value=None)
    quantity = _quantity_field("数量")

    def __init__(self, *args, item_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = PICK + item_choices

    def clean(self):
        data = super().clean()
        if data.get("item") and data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", "请填写数量")
        if data.get("quantity") and not data.get("item") and "item" not in self.errors:
            self.add_error("item", "请选择物资")
        return data


LineFormSet = formset_factory(LineForm, extra=LINE_ROWS, max_num=MAX_LINES, validate_max=True)


def line_formset(data=None, *, item_choices, initial=None):
    return LineFormSet(data, prefix="lines", initial=initial, form_kwargs={"item_choices": item_choices})


def filled_lines(formset, items: dict) -> list:
    """(item, quantity) of the rows that were filled in; blank rows are skipped."""
    return [(items[f.cleaned_data["item"]], f.cleaned_data["quantity"]) for f in formset
            if f.cleaned_data.get("item") and f.cleaned_data.get("quantity") is not None]


class NodeChoiceForm(forms.Form):
    def set_choices(self, name: str, choices: list[tuple[str, str]], blank=PICK) -> None:
        self.fields[name].choices = blank + choices


class DonationForm(NodeChoiceForm):
    node = forms.TypedChoiceField(label="接收阵地", coerce=int)
    donor_name = forms.CharField(label="捐赠方", max_length=100, help_text="单位或个人名称，如：某某爱心企业")
    donor_phone = forms.CharField(label="联系电话", max_length=24, required=False,
                                  help_text="选填；加密保存，页面只显示脱敏号码")
    received_at = forms.DateTimeField(label="接收时间", input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT,
                                      initial=_now)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices)


class DistributionForm(NodeChoiceForm):
    from_node = forms.TypedChoiceField(label="发出阵地", coerce=int)
    to_kind = forms.ChoiceField(label="发放对象", choices=RecipientKind.choices, widget=forms.RadioSelect,
                                initial=RecipientKind.HOUSEHOLD)
    to_node = forms.TypedChoiceField(label="接收阵地（调拨）", coerce=int, required=False, empty_value=None)
    to_team = forms.TypedChoiceField(label="接收队伍", coerce=int, required=False, empty_value=None)
    household_name = forms.CharField(label="住户姓名", max_length=50, required=False,
                                     help_text="只保存脱敏后的姓名，如 张*丰")
    household_address = forms.CharField(label="住户地址", max_length=200, required=False,
                                        help_text="加密保存，页面只显示到村组")
    reason = forms.CharField(label="用途", max_length=200, help_text="如：居家隔离户生活保障、卡口值守")
    distributed_at = forms.DateTimeField(label="发放时间", input_formats=DATETIME_FORMATS, widget=DATETIME_INPUT,
                                         initial=_now)

    def __init__(self, *args, node_choices, target_choices, team_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("from_node", node_choices)
        self.set_choices("to_node", target_choices)
        self.set_choices("to_team", team_choices)

    def recipient(self) -> dict:
        """Only the fields of the chosen kind reach the service."""
        d = self.cleaned_data
        kind = d["to_kind"]
        return {
            "to_kind": kind,
            "household_name": d["household_name"] if kind == RecipientKind.HOUSEHOLD else "",
            "household_address": d["household_address"] if kind == RecipientKind.HOUSEHOLD else "",
        }


class AdjustForm(NodeChoiceForm):
    node = forms.TypedChoiceField(label="阵地", coerce=int)
    item = forms.TypedChoiceField(label="物资", coerce=int)
    counted = _quantity_field("实盘数量")
    delta = _quantity_field("或：调整数量（±）", signed=True)
    reason = forms.CharField(label="原因", max_length=200, initial="盘点", help_text="如：盘点、破损报废、过期销毁")

    def __init__(self, *args, node_choices, item_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices)
        self.set_choices("item", item_choices)
        self.fields["counted"].help_text = "填写货架上实际清点的数量，系统按差额调整"
        self.fields["delta"].help_text = "正数为盘盈增加，负数为减少；与实盘数量二选一"


class MovementFilterForm(NodeChoiceForm):
    node = forms.TypedChoiceField(label="阵地（含下级）", required=False, coerce=int, empty_value=None)
    item = forms.TypedChoiceField(label="物资", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label="类型", required=False, choices=ANY + MovementKind.choices)

    def __init__(self, *args, node_choices, item_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices, ANY)
        self.set_choices("item", item_choices, ANY)


class NodeFilterForm(NodeChoiceForm):
    node = forms.TypedChoiceField(label="阵地（含下级）", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, node_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_choices("node", node_choices, ANY)

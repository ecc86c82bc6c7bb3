"""Forms for the organisation pages. They only shape input; the services validate and write."""

from django import forms

from .models import KIND_RANK, Node, NodeKind, Unit, UnitLevel, UnitType
from .services import NODE_FIELDS


def _field(model, name, **kwargs):
    return model._meta.get_field(name).formfield(**kwargs)


class NodeForm(forms.Form):
    name = _field(Node, "name")
    kind = _field(Node, "kind")
    code = _field(Node, "code", required=False,
                  help_text="本系统内唯一的编码；新建时留空将自动生成")
    admin_code = _field(Node, "admin_code")
    status = _field(Node, "status")
    address = _field(Node, "address")
    lat = _field(Node, "lat")
    lon = _field(Node, "lon")
    contact_name = _field(Node, "contact_name")
    contact_phone = _field(Node, "contact_phone")

    def __init__(self, *args, parent: Node | None = None, node: Node | None = None, **kwargs):
        if node is not None:
            kwargs.setdefault("initial", {f: getattr(node, f) for f in NODE_FIELDS})
        super().__init__(*args, **kwargs)
        if parent is not None:
            self.fields["kind"].choices = [(v, label) for v, label in NodeKind.choices
                                           if KIND_RANK[v] > KIND_RANK[parent.kind]]
        if node is not None:
            self.fields["code"].required = True
            self.fields["code"].help_text = "本系统内唯一的编码，导入时用于对应上下级"

    def changes(self, node: Node) -> dict:
        """Only the fields that differ from the node (so unchanged kinds are not re-checked)."""
        data = self.cleaned_data
        return {f: data[f] for f in NODE_FIELDS if f in data and data[f] != getattr(node, f)}

    def create_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        return {"name": data.pop("name"), "kind": data.pop("kind"), "code": data.pop("code") or "", **data}


class MoveForm(forms.Form):
    parent_code = forms.CharField(label="新上级阵地编码", max_length=32,
                                  help_text="填写新上级阵地的编码；整个下级阵地树将一并移动")


class UnitForm(forms.Form):
    name = _field(Unit, "name")
    unit_type = _field(Unit, "unit_type")
    level = _field(Unit, "level")
    credit_code = _field(Unit, "credit_code")
    awarded_year = _field(Unit, "awarded_year")
    address = _field(Unit, "address")
    contact_name = _field(Unit, "contact_name")
    contact_phone = _field(Unit, "contact_phone")

    FIELDS = ["name", "unit_type", "level", "credit_code", "awarded_year", "address", "contact_name",
              "contact_phone"]

    def __init__(self, *args, unit: Unit | None = None, **kwargs):
        if unit is not None:
            kwargs.setdefault("initial", {f: getattr(unit, f) for f in self.FIELDS})
        super().__init__(*args, **kwargs)

    def changes(self, unit: Unit) -> dict:
        data = self.cleaned_data
        return {f: data[f] for f in self.FIELDS if data[f] != getattr(unit, f)}


class UnitFilterForm(forms.Form):
    q = forms.CharField(label="名称", required=False)
    unit_type = forms.ChoiceField(label="类别", required=False, choices=[("", "全部")] + UnitType.choices)
    level = forms.ChoiceField(label="级别", required=False, choices=[("", "全部")] + UnitLevel.choices)


class ClosingForm(forms.Form):
    """统计期关账: an office closes whole months that are over (orgs/closing.py checks)."""

    node = forms.ChoiceField(label="关账单位")
    since = forms.CharField(label="起始月份", max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    until = forms.CharField(label="截止月份", max_length=7, widget=forms.TextInput(attrs={"type": "month"}),
                            help_text="须为已经结束的月份；关账后本辖区该期间的补录和修改须先重新开放")
    note = forms.CharField(label="说明", max_length=200, required=False,
                           help_text="如：2020年第一季度工作报告已报送")

    def __init__(self, *args, node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = list(node_choices)


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新开放原因", max_length=200,
                             help_text="如：发现2020年2月热线纸质登记簿漏录一页，须补录")

"""Forms of the delivery-run pages. They shape input and give Chinese messages; the services
validate again, check the actor and the run's state, and name the field of any error."""

import re

from django import forms

from .models import StopOutcome


class RunForm(forms.Form):
    node = forms.ChoiceField(label="组织阵地")
    title = forms.CharField(label="批次名称", max_length=60, help_text="如：九里村代购第一批（11月22日）")
    planned_for = forms.DateField(label="计划配送日期", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"invalid": "请填写正确的日期"})
    note = forms.CharField(label="备注", required=False, max_length=300)

    def __init__(self, *args, node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "请选择")] + list(node_choices)


class NumbersForm(forms.Form):
    numbers = forms.CharField(label="志愿者编号", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="每行或用逗号分隔，如 WM0000000003")

    def clean_numbers(self) -> list[str]:
        numbers = [n.strip().upper() for n in re.split(r"[\s,，;；、]+", self.cleaned_data["numbers"]) if n.strip()]
        if not numbers:
            raise forms.ValidationError("请至少填写一个志愿者编号")
        if len(numbers) > 50:
            raise forms.ValidationError("一次最多安排 50 名志愿者")
        return list(dict.fromkeys(numbers))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)


class ReceiptForm(forms.Form):
    amount = forms.CharField(label="金额（元）", max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    shop = forms.CharField(label="购买地点", max_length=60)
    note = forms.CharField(label="说明", required=False, max_length=200)
    photo = forms.FileField(label="小票照片", required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))


class CodeForm(forms.Form):
    code = forms.CharField(label="收货码", max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class CallForm(forms.Form):
    note = forms.CharField(label="回访情况", max_length=200, help_text="如：电话回访，住户确认已收到全部物品")


class MarkForm(forms.Form):
    reason = forms.CharField(label="未送达原因", max_length=200, help_text="如：家中无人、电话未接、商品缺货")
    outcome = forms.ChoiceField(label="点单去向", choices=StopOutcome.choices, initial=StopOutcome.REQUEUE)


class AmountForm(forms.Form):
    amount = forms.CharField(label="该户金额（元）", max_length=20, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))

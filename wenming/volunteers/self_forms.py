"""Forms of the volunteer's own updates (insurance, skills) and of staff's decision on them.

They only shape the input and show every error at once under its field: each field is
checked with the same function the service uses (change_services.clean_*), and the service
checks again when it writes.
"""

from django import forms

from wenming.core.errors import DomainError

from . import change_services as cs
from .selectors import skill_list

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"
NO_NUL = {"null_characters_not_allowed": "不能包含空字符（NUL），请重新输入"}


def _checked(check, value):
    try:
        return check(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None


class InsuranceForm(forms.Form):
    insurer = forms.CharField(label="保险公司", max_length=100, strip=False,
                              widget=forms.TextInput(attrs={"placeholder": "如：中国人寿秭归支公司", "autocomplete": "off"}),
                              error_messages={**NO_NUL, "required": "请填写保险公司", "max_length": "保险公司名称最多 100 个字符"})
    policy_no = forms.CharField(label="保单号", max_length=64, strip=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "latin"}),
                                error_messages={**NO_NUL, "required": "请填写保单号", "max_length": "保单号最多 64 位"})
    valid_until = forms.DateField(label="保险有效期至", input_formats=["%Y-%m-%d"],
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                  error_messages={"required": "请填写保险有效期至",
                                                  "invalid": "日期格式不正确，应为 YYYY-MM-DD"})
    evidence = forms.FileField(label="保单照片或扫描件", help_text="拍清保单号、被保险人和保险期间；JPG、PNG 或 WebP，10 MB 以内",
                               widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
                               error_messages={"required": "请上传保单照片或扫描件"})
    note = forms.CharField(label="说明（选填）", required=False, max_length=200, strip=False,
                           widget=forms.TextInput(attrs={"placeholder": "如：单位统一投保"}),
                           error_messages={**NO_NUL, "max_length": "说明最多 200 个字符"})

    def clean_insurer(self):
        return _checked(cs.clean_insurer, self.cleaned_data["insurer"])

    def clean_policy_no(self):
        return _checked(cs.clean_policy_no, self.cleaned_data["policy_no"])

    def clean_valid_until(self):
        return _checked(cs.clean_valid_until, self.cleaned_data["valid_until"])

    def clean_note(self):
        return _checked(cs.clean_note, self.cleaned_data["note"])


class SkillsForm(forms.Form):
    skills = forms.ModelMultipleChoiceField(label="我具备的技能", queryset=skill_list(), required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            error_messages={"invalid_choice": "所选技能不在技能目录中",
                                                            "invalid_pk_value": "所选技能不在技能目录中"})
    evidence = forms.FileField(label="证书照片（选填）", required=False,
                               help_text="如红十字救护员证、驾驶证等；有证书的技能附上照片，审核更快",
                               widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}))
    note = forms.CharField(label="说明（选填）", required=False, max_length=200, strip=False,
                           widget=forms.TextInput(attrs={"placeholder": "如：持红十字救护员证，2026 年取得"}),
                           error_messages={**NO_NUL, "max_length": "说明最多 200 个字符"})

    def clean_note(self):
        return _checked(cs.clean_note, self.cleaned_data["note"])


class RejectForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=200, strip=False,
                             widget=forms.TextInput(attrs={"placeholder": "如：照片看不清保单号"}),
                             error_messages={**NO_NUL, "required": "退回时请填写原因（如：照片看不清保单号）",
                                             "max_length": "退回原因最多 200 个字符"})

    def clean_reason(self):
        return _checked(cs.clean_reason, self.cleaned_data["reason"])

from django import forms
from django.core.exceptions import ValidationError

from wenming.core.errors import DomainError

from .phone_login import clean_code, clean_phone


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名或手机号", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


PHONE_BAD = "手机号码无效，应为 11 位中国大陆手机号"
PHONE_ERRORS = {"required": "请填写手机号码", "null_characters_not_allowed": PHONE_BAD, "max_length": PHONE_BAD}
CODE_ERRORS = {key: "请输入短信中的 6 位数字验证码" for key in ("required", "null_characters_not_allowed", "max_length")}


class PhoneLoginForm(forms.Form):
    """验证码登录: both fields are checked at once, so every error shows under its field."""

    phone = forms.CharField(label="手机号", max_length=20, error_messages=PHONE_ERRORS,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    code = forms.CharField(label="短信验证码", max_length=6, error_messages=CODE_ERRORS,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "maxlength": "6"}))

    def clean_phone(self):
        try:
            return clean_phone(self.cleaned_data["phone"])
        except DomainError as exc:
            raise ValidationError(exc.message, code=exc.code) from None

    def clean_code(self):
        try:
            return clean_code(self.cleaned_data["code"])
        except DomainError as exc:
            raise ValidationError(exc.message, code=exc.code) from None

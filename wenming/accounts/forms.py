from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名或手机号", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)

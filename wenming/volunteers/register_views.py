"""Public self-registration (志愿者注册): no login needed; creates the account too."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from wenming.core.decorators import add_domain_error
from wenming.core.errors import DomainError

from .forms import RegisterForm
from .page_selectors import public_home_node, public_home_node_choices, public_institutes
from .registration import volunteer_self_register
from .selectors import volunteer_for_user

BACKEND = "wenming.accounts.backends.UsernameOrPhoneBackend"


@sensitive_post_parameters("password", "password2", "id_number", "phone", "guardian_phone", "address")
@never_cache  # a re-rendered form holds the applicant's own ID number
def register(request):
    if request.user.is_authenticated and volunteer_for_user(request.user) is not None:
        messages.info(request, "您已注册为志愿者")
        return redirect("volunteers:me")
    post = request.POST if request.method == "POST" else None
    data = post or request.GET
    form = RegisterForm(
        post,
        node_choices=public_home_node_choices(search=data.get("node_q", ""), institute_id=data.get("institute", ""),
                                              selected=public_home_node(data.get("home_node"))),
        institute_choices=public_institutes(),
    )
    status = 200
    if post is not None:
        valid = form.is_valid()
        if post.get("action") == "search":
            form.errors.clear()
        elif valid:
            try:
                user, vol = volunteer_self_register(
                    data=form.to_input(), username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"], consent_terms=form.cleaned_data["consent_terms"])
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                login(request, user, backend=BACKEND)
                messages.success(request, f"注册成功！您的志愿者编号是 {vol.volunteer_no}，可用手机号或用户名登录。")
                return redirect("volunteers:me")
        else:
            status = 422
    return render(request, "volunteers/register.html", {"form": form}, status=status)

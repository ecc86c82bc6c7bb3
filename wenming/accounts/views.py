from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from wenming.core.decorators import add_domain_error
from wenming.core.errors import DomainError
from wenming.core.middleware import client_ip

from .errors import AccountError
from .forms import LoginForm, PhoneLoginForm
from .phone_login import CODE_SENT, login_code_check, login_code_send
from .roles import Role
from .services import login_check

BACKEND = "wenming.accounts.backends.UsernameOrPhoneBackend"
NEW_RESIDENT = "已为您创建群众账号。以后用手机号和短信验证码登录即可，在“我的点单”查看用该手机号提交的点单。"


def _next(request) -> str:
    """Where to go after logging in: a local address from ?next= (or the form), else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def _page(request, *, tab="password", form=None, error=None, phone_form=None, code_message="", code_error=None,
          status=200):
    return render(request, "accounts/login.html", {
        "tab": tab, "form": form or LoginForm(), "error": error, "phone_form": phone_form or PhoneLoginForm(),
        "code_message": code_message, "code_error": code_error, "next": _next(request),
    }, status=status)


@never_cache
@sensitive_post_parameters("password")
def login_view(request):
    """密码登录 (the default tab) and the 验证码登录 tab (?tab=phone), on one page."""
    if request.method != "POST":
        return _page(request, tab="phone" if request.GET.get("tab") == "phone" else "password")
    form = LoginForm(request.POST)
    error = None
    if form.is_valid():
        try:
            user = login_check(identifier=form.cleaned_data["username"], password=form.cleaned_data["password"],
                               ip=client_ip(request), request=request)
        except DomainError as exc:
            error = exc.message
        else:
            login(request, user, backend=BACKEND)
            return redirect(_next(request) or "home")
    return _page(request, form=form, error=error, status=400 if error else 200)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _typed(request, name: str, limit: int) -> str:
    return request.POST.get(name, "").replace("\x00", "")[:limit]


@never_cache
@require_POST
def phone_code_view(request):
    """获取验证码: by fetch (JSON) or by the form's own button without JavaScript (the page
    comes back on the phone tab with the number filled in)."""
    try:
        login_code_send(phone=request.POST.get("phone", ""), ip=client_ip(request))
    except DomainError as exc:
        if _wants_json(request):
            return JsonResponse(exc.as_dict(), status=exc.status)
        error = exc
    else:
        if _wants_json(request):
            return JsonResponse({"message": CODE_SENT}, status=202)
        error = None
    form = PhoneLoginForm(initial={"phone": _typed(request, "phone", 20)})
    return _page(request, tab="phone", phone_form=form, code_message="" if error else CODE_SENT, code_error=error,
                 status=error.status if error else 200)


def _landing(user) -> str:
    """A resident's page is 我的点单; anyone else starts at the home page."""
    from wenming.volunteers.selectors import volunteer_for_user

    roles = set(user.assignments.values_list("role", flat=True))
    if roles <= {Role.RESIDENT} and volunteer_for_user(user) is None:
        return reverse("demands:mine")
    return reverse("home")


@never_cache
@sensitive_post_parameters("code")
@require_POST
def phone_login_view(request):
    form = PhoneLoginForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            result = login_code_check(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"],
                                      ip=client_ip(request))
        except DomainError as exc:
            if exc.code == AccountError.CODE_USED.code and request.user.is_authenticated:
                return redirect(_next(request) or _landing(request.user))  # a second tap, already in
            add_domain_error(form, exc)
            status = exc.status
        else:
            login(request, result.user, backend=BACKEND)
            if result.created:
                messages.success(request, NEW_RESIDENT)
            return redirect(_next(request) or _landing(result.user))
    return _page(request, tab="phone", phone_form=form, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("home")

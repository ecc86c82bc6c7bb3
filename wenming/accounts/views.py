from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from wenming.core.errors import DomainError
from wenming.core.middleware import client_ip

from .forms import LoginForm
from .services import login_check


@sensitive_post_parameters("password")
def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = login_check(identifier=form.cleaned_data["username"], password=form.cleaned_data["password"],
                               ip=client_ip(request), request=request)
        except DomainError as exc:
            error = exc.message
        else:
            login(request, user, backend="wenming.accounts.backends.UsernameOrPhoneBackend")
            target = request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "home"
            return redirect(target)
    return render(request, "accounts/login.html", {"form": form, "error": error},
                  status=400 if error else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("home")

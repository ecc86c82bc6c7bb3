"""Page decorators: login, a coarse role check, and DomainError → a Chinese error page.

Which rows a user sees is still decided by the `*_for_actor` selectors; these only keep
people away from back-office pages that could never show them anything, and turn a
service's DomainError (404 for out of scope, 403, 409, 422 …) into a rendered page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render

from wenming.accounts.scope import scope_for

from .errors import CoreError, DomainError

STATUS_TITLES = {400: "请求有误", 401: "请先登录", 403: "没有权限", 404: "未找到", 409: "数据冲突",
                 413: "文件过大", 422: "提交的数据不正确", 429: "操作过于频繁"}


def error_page(request, exc: DomainError):
    """Render a DomainError as a page with its HTTP status (never with personal data)."""
    return render(request, "core/error.html",
                  {"error": exc, "error_title": STATUS_TITLES.get(exc.status, "出错了")}, status=exc.status)


def _guard(view, check):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if check is not None and not check(scope_for(request.user)):
            return error_page(request, CoreError.FORBIDDEN.error())
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return error_page(request, exc)
        except Http404:
            return error_page(request, CoreError.NOT_FOUND.error())

    return wrapped


def login_page(view):
    """Login required; DomainError and Http404 become error pages."""
    return _guard(view, None)


def staff_required(*perms: str, leaders: bool = False):
    """Login required and at least one of `perms` somewhere in the actor's scope
    (or, with leaders=True, leading a team)."""

    def check(scope) -> bool:
        return any(scope.has(p) for p in perms) or (leaders and bool(scope.led_team_ids()))

    def decorator(view):
        return _guard(view, check)

    return decorator


def add_domain_error(form, exc: DomainError, aliases: dict[str, str] | None = None) -> None:
    """Show a service's error next to the field it names (or above the form)."""
    field = (aliases or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


@dataclass
class Submitted:
    """What form_submit did: `done` with the action's `value`, or not, with the page's status."""

    done: bool
    value: Any = None
    status: int = 200


def form_submit(request, form, action: Callable[[dict], Any], *, success: str | Callable[[Any], str] = "",
                aliases: dict[str, str] | None = None) -> Submitted:
    """The POST half of a form page. On GET: nothing (200). On POST: validate (422 when
    invalid), run `action(cleaned_data)` and flash `success` (a text, or made from the
    action's value); a DomainError from the action goes next to its field (`aliases`
    maps a service's field name to the form's) with the error's status. The service's
    own transaction decides what is written, so a refused action leaves nothing behind."""
    if request.method != "POST":
        return Submitted(False)
    if not form.is_valid():
        return Submitted(False, status=422)
    try:
        value = action(form.cleaned_data)
    except DomainError as exc:
        add_domain_error(form, exc, aliases)
        return Submitted(False, status=exc.status)
    text = success(value) if callable(success) else success
    if text:
        messages.success(request, text)
    return Submitted(True, value)


# Errors a user can put right (a conflict, bad input, too large, too often): shown as a
# message on the page they return to. 403 and 404 stay error pages (they say the same to
# someone who should not be here at all).
USER_ERRORS = (409, 413, 415, 422, 429)


def user_error(request, exc: DomainError) -> None:
    """Flash a service's error the user can act on; re-raise the others for the error page."""
    if exc.status not in USER_ERRORS:
        raise exc
    messages.error(request, exc.message)


def button_action(request, action: Callable[[], Any], success: str) -> bool:
    """A button's POST (submit, publish, start …): run the action and flash `success`, or
    the service's error (user_error). True when it went through."""
    try:
        action()
    except DomainError as exc:
        user_error(request, exc)
        return False
    messages.success(request, success)
    return True

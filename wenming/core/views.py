from django.shortcuts import render

from wenming.accounts.selectors import assignments_for_user
from wenming.service.selectors import project_public_list

from .menu import menu_for
from .workbench import workbench_for


def home(request):
    """Anonymous: the public portal. Signed in: the workbench (工作台): first what waits for
    the user, with counts, each leading to its list (core/workbench.py, the apps' panels);
    then everything their roles allow, grouped (core/menu.py site_menu, in the template)."""
    user = request.user
    if user.is_authenticated:
        context = {"assignments": list(assignments_for_user(user)), "workbench": workbench_for(user)}
    else:
        context = {"menu": [i for i in menu_for(user) if i.key != "login"],
                   "recruiting": list(project_public_list().prefetch_related("shifts")[:6])}
    return render(request, "core/home.html", context)


# Django's own error pages are English and not fitted to a phone: these replace them
# (wenming/urls.py names them as handler404/403/400/500).

def not_found(request, exception=None):
    from .decorators import error_page
    from .errors import CoreError

    return error_page(request, CoreError.NOT_FOUND.error())


def permission_denied(request, exception=None):
    from .decorators import error_page
    from .errors import CoreError

    return error_page(request, CoreError.FORBIDDEN.error())


def bad_request(request, exception=None):
    from .decorators import error_page
    from .errors import CoreError

    return error_page(request, CoreError.INVALID_INPUT.error(detail="请求无法处理"))


def server_error(request):
    """A page that needs nothing that may have failed: no database, no context processors."""
    from django.http import HttpResponseServerError
    from django.template import loader

    request_id = getattr(request, "request_id", "")
    return HttpResponseServerError(loader.get_template("core/500.html").render({"request_id": request_id}))

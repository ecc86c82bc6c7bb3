from django.shortcuts import render

from wenming.accounts.selectors import assignments_for_user
from wenming.service.selectors import project_public_list

from .menu import menu_for


def home(request):
    """Anonymous: the public portal. Signed in: a menu of what the user's roles allow."""
    user = request.user
    context = {"menu": [i for i in menu_for(user) if i.key != "login"]}
    if user.is_authenticated:
        context["assignments"] = list(assignments_for_user(user))
    else:
        context["recruiting"] = list(project_public_list().prefetch_related("shifts")[:6])
    return render(request, "core/home.html", context)

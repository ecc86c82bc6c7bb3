"""The hotline's to-do panel on the home page (工作台): a counsellor's open follow-ups
(回访任务, followup_list_for_actor(assigned_to_me=True, open_only=True)), a supervisor's
open follow-ups of the counsellors they supervise (the second list of the same page), each
with how many are past their day (the rows the page marks overdue). Counts only: no caller,
no summary, nothing personal reaches the home page."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.roles import Role
from wenming.accounts.scope import scope_for
from wenming.core.workbench import Panel, Todo, overdue_note, register_panel

from .selectors import followup_list_for_actor


def _todo(label: str, qs, url: str) -> Todo:
    found = qs.order_by().aggregate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=timezone.localdate())))
    late = found["late"] or 0
    return Todo(label, found["n"] or 0, url, urgent=bool(late), note=overdue_note(late, "项"))


@register_panel
def hotline_panel(user) -> Panel | None:
    roles = scope_for(user).roles()
    counsels, supervises = Role.COUNSELOR in roles, Role.HOTLINE_SUPERVISOR in roles
    if not (counsels or supervises):
        return None
    page = reverse("hotline:followups")
    todos = []
    if counsels:
        todos.append(_todo("我负责的待回访", followup_list_for_actor(actor=user, assigned_to_me=True, open_only=True),
                           page))
    if supervises:
        todos.append(_todo("所督导咨询师的待回访", followup_list_for_actor(actor=user, supervised=True, open_only=True),
                           page))
    home = reverse("hotline:calls") if counsels else reverse("hotline:supervision")
    return Panel("心理热线", todos, home, "进入心理热线" if counsels else "进入热线督导", order=15)

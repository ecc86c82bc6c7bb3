"""The requests' to-do panels on the home page (工作台).

Staff over requests (demand.view): the requests waiting for review, for dispatch and for a
volunteer to accept, counted by state in one grouped query over demand_list_for_actor (the
rows of the board's tab each to-do opens), with how many of them are past their time limit
(the rows the board marks 已超时). A volunteer: the offers waiting for their answer
(offer_list_for_actor, the 待接单 list of 派给我的点单), with the ones about to expire, and
the requests they accepted and have not finished. A resident: their own requests done and
waiting for a rating, and the ones still being handled (我的点单)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import scope_for
from wenming.core.menu import optional_reverse
from wenming.core.workbench import Panel, Todo, overdue_note, register_panel

from .models import OPEN_STATUSES, DemandStatus
from .selectors import demand_list_for_actor, offer_list_for_actor

try:  # 我的点单: a signed-in resident's own requests (demands/mine.py)
    from .mine import demand_list_for_resident
except ImportError:  # not installed yet: no resident to-dos
    demand_list_for_resident = None

S = DemandStatus
# (state, to-do label): the states in which a request waits for the staff
STAFF_TODOS = [
    (S.SUBMITTED, "待审核的点单"),
    (S.REVIEWED, "已受理、待派单的点单"),
    (S.DISPATCHED, "已派单、待志愿者接单"),
]
EXPIRING_SOON = timedelta(hours=2)  # an offer answered within this or it goes to the next one


def staff_counts(user, now) -> dict[str, tuple[int, int]]:
    """{state: (requests, past their time limit)} for the states in STAFF_TODOS."""
    rows = (demand_list_for_actor(actor=user).order_by().filter(status__in=[s for s, _ in STAFF_TODOS])
            .values("status").annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now))))
    return {r["status"]: (r["n"], r["late"]) for r in rows}


def _staff_panel(user) -> Panel:
    board, now = reverse("demands:board"), timezone.now()
    counts = staff_counts(user, now)
    todos = []
    for status, label in STAFF_TODOS:
        n, late = counts.get(status, (0, 0))
        todos.append(Todo(label, n, f"{board}?status={status}", urgent=bool(late), note=overdue_note(late)))
    return Panel("群众点单", todos, board, "进入群众点单", order=10)


def volunteer_todos(user) -> list[Todo]:
    now = timezone.now()
    offers = offer_list_for_actor(actor=user, open_only=True).order_by().aggregate(
        n=Count("pk"), soon=Count("pk", filter=Q(expires_at__lt=now + EXPIRING_SOON)))
    page = reverse("demands:offers")
    soon = offers["soon"] or 0
    todos = [Todo("待接单的派单", offers["n"] or 0, page, urgent=bool(soon),
                  note=f"其中 {soon} 件即将到期，请尽快答复" if soon else "")]
    doing = (demand_list_for_actor(actor=user).filter(accepted_by__user=user, status__in=[S.ACCEPTED, S.IN_PROGRESS])
             .order_by().count())
    todos.append(Todo("已接单、待完成的服务", doing, page))
    return todos


def resident_todos(user) -> list[Todo]:
    """The resident's own requests (我的点单): done and waiting for their rating, and still
    being handled. One grouped COUNT over demand_list_for_resident."""
    page = reverse("demands:mine")
    found = demand_list_for_resident(actor=user).order_by().aggregate(
        rate=Count("pk", filter=Q(status=S.COMPLETED)), open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
    return [Todo("服务已完成、待您评价的点单", found["rate"] or 0, page),
            Todo("正在办理中的点单", found["open"] or 0, page)]


@register_panel
def demands_panel(user) -> Panel | None:
    scope = scope_for(user)
    roles = scope.roles()
    if scope.has(Perm.DEMAND_VIEW):
        return _staff_panel(user)
    if Role.VOLUNTEER in roles:
        return Panel("派给我的点单", volunteer_todos(user), reverse("demands:offers"), "查看派给我的点单", order=10)
    if Role.RESIDENT in roles and demand_list_for_resident is not None and optional_reverse("demands:mine"):
        return Panel("我的点单", resident_todos(user), reverse("demands:mine"), "查看我的点单", order=10)
    return None


"""The delivery runs' to-do panel on the home page (工作台): the open runs the user may see
(run_list_for_actor: staff over the run's node, or a volunteer on it), by state, each
leading to the runs list filtered to that state, with the ones past their planned day (the
rows the list flags 已过计划日期). One grouped COUNT over the runs."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import scope_for
from wenming.core.workbench import Panel, Todo, register_panel

from .models import RunStatus
from .selectors import run_list_for_actor

R = RunStatus
TODOS = [(R.GATHERING, "组单中的代购批次"), (R.PURCHASING, "采购中的代购批次"), (R.DELIVERING, "配送中的代购批次")]


def run_counts(user) -> dict[str, tuple[int, int]]:
    """{state: (runs, past their planned day)} for the open states."""
    today = timezone.localdate()
    rows = (run_list_for_actor(actor=user).order_by().filter(status__in=[s for s, _ in TODOS]).values("status")
            .annotate(n=Count("pk"), late=Count("pk", filter=Q(planned_for__lt=today))))
    return {r["status"]: (r["n"], r["late"]) for r in rows}


@register_panel
def deliveries_panel(user) -> Panel | None:
    scope = scope_for(user)
    staff = scope.has(Perm.DEMAND_VIEW)
    if not (staff or Role.VOLUNTEER in scope.roles()):
        return None
    counts, page = run_counts(user), reverse("deliveries:runs")
    if not staff and not counts:  # a volunteer on no open run: nothing to say
        return None
    todos = []
    for status, label in TODOS:
        n, late = counts.get(status, (0, 0))
        todos.append(Todo(label, n, f"{page}?status={status}", urgent=bool(late),
                          note=f"其中 {late} 批已过计划日期" if late else ""))
    return Panel("代购配送", todos, page, "进入代购配送", order=12)

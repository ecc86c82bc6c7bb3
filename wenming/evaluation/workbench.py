"""The evaluation's to-do panel on the home page: a liaison's tasks, an inspector's
re-inspections and rounds, the overdue tasks of an office's area."""

from django.urls import reverse

from wenming.core.workbench import Panel, Todo, register_panel

from .access import EVAL_INSPECT, EVAL_VIEW, has, unit_ids
from .models import OWED, FindingStatus, RoundStatus
from .selectors import records


@register_panel
def evaluation_panel(user) -> Panel | None:
    mine, inspector, viewer = unit_ids(user), has(user, EVAL_INSPECT), has(user, EVAL_VIEW)
    if not (mine or viewer):
        return None
    campaign = records.campaign_current_for_actor(actor=user)
    if campaign is None:
        return None
    home = reverse("evaluation:index")
    listing = reverse("evaluation:findings") + f"?campaign={campaign.pk}"
    findings = records.findings_for_actor(actor=user, campaign=campaign)
    todos = []
    if mine:
        owed = findings.filter(status__in=OWED, routes__unit_id__in=mine).distinct()
        todos += [Todo("本单位待整改的问题", owed.count(), home),
                  Todo("其中已逾期", owed.filter(overdue=True).count(), listing + "&overdue=1", urgent=True)]
        title, label = f"创建任务 · {campaign.name}", "去整改"
    else:
        title, label = f"测评督查 · {campaign.name}", "进入测评督查"
        if inspector:
            todos += [Todo("待复查的整改", findings.filter(status=FindingStatus.ANSWERED).count(),
                           listing + "&status=answered"),
                      Todo("进行中的督查", records.rounds_for_actor(actor=user, campaign=campaign)
                           .filter(status=RoundStatus.PLANNED).count(), reverse("evaluation:rounds"))]
        todos.append(Todo("逾期未整改", findings.filter(status__in=OWED, overdue=True).count(),
                          listing + "&overdue=1", urgent=True))
    return Panel(title, todos, home, label)

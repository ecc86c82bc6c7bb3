"""The information reports' to-do panel on the home page (工作台).

A reviewer (report.review): the reports from below waiting for their decision and the
approved ones they may publish (review_queue_for_actor, the two lists of 信息审核). An
author (report.write, or a unit's liaison): their side's reports sent back for changes and
their drafts not yet submitted (report_list_for_actor(mine=True), 信息报送 filtered by
state)."""

from django.urls import reverse

from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import scope_for
from wenming.core.workbench import Panel, Todo, register_panel

from .models import ReportStatus
from .selectors import report_list_for_actor, review_queue_for_actor

S = ReportStatus


@register_panel
def reporting_panel(user) -> Panel | None:
    scope = scope_for(user)
    reviews = scope.has(Perm.REPORT_REVIEW)
    writes = scope.has(Perm.REPORT_WRITE) or Role.UNIT_LIAISON in scope.roles()
    if not (reviews or writes):
        return None
    todos = []
    if reviews:
        queue = reverse("reporting:queue")
        todos += [Todo("待审核的报送信息", review_queue_for_actor(actor=user, status=S.SUBMITTED).order_by().count(),
                       queue),
                  Todo("已通过、待公开发布的信息", review_queue_for_actor(actor=user, status=S.APPROVED).order_by().count(),
                       queue)]
    if writes:
        mine = reverse("reporting:mine")
        todos += [Todo("被退回、待修改的信息", report_list_for_actor(actor=user, mine=True, status=S.RETURNED)
                       .order_by().count(), f"{mine}?status={S.RETURNED}"),
                  Todo("尚未提交的草稿", report_list_for_actor(actor=user, mine=True, status=S.DRAFT).order_by().count(),
                       f"{mine}?status={S.DRAFT}")]
    return Panel("信息报送", todos, reverse("reporting:queue") if reviews else reverse("reporting:mine"),
                 "进入信息审核" if reviews else "进入信息报送", order=40)

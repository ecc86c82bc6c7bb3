"""Pages of the tally indicators (统计指标): everyone who uses the tallies sees the indicators
that concern their area and how each is reported; office staff (stats.define) add their
own for their subtree and edit, reorder or retire them. The services check the rights and
values (tally_indicators.py)."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import form_submit, login_page
from wenming.core.errors import CoreError
from wenming.core.params import parse_pk
from wenming.orgs.models import NodeKind
from wenming.orgs.page_selectors import node_choices_for_actor

from . import access, tally_indicators, tally_selectors
from .forms import IndicatorForm

OFFICE_KINDS = [NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY]  # 文明办 define indicators


def _guard(actor) -> None:
    if not access.may_use_tallies(actor):
        raise CoreError.FORBIDDEN.error()


def _may_edit(actor, indicator) -> bool:
    scope = scope_for(actor)
    return scope.is_global if indicator.node_id is None else scope.allows(Perm.STATS_DEFINE, indicator.node.path)


@never_cache
@login_page
def indicators(request):
    actor = request.user
    _guard(actor)
    rows = list(tally_selectors.indicator_list_for_actor(actor=actor, active_only=False))
    for row in rows:
        row.editable = _may_edit(actor, row)
    offices = node_choices_for_actor(actor=actor, perm=Perm.STATS_DEFINE, kinds=OFFICE_KINDS)
    form = IndicatorForm(request.POST or None, node_choices=[(str(pk), label) for pk, label in offices]) \
        if offices else None

    def create(d):
        node = tally_selectors.tally_node_get_for_actor(actor=actor, node_id=d["node"])
        return tally_indicators.indicator_create(actor=actor, node=node, name=d["name"], unit=d["unit"],
                                                 section=d["section"], aggregation=d["aggregation"], sort=d["sort"])

    status = 200
    if form is not None:
        sent = form_submit(request, form, create, aliases={"node_id": "node"},
                           success=lambda i: f"已新增指标：{i.name}（{i.unit}），可在宣传统计中填报")
        if sent.done:
            return redirect("campaigns:indicators")
        status = sent.status
    elif request.method == "POST":
        raise CoreError.FORBIDDEN.error()
    return render(request, "campaigns/indicators.html", {"rows": rows, "form": form}, status=status)


@never_cache
@login_page
def indicator_edit(request, indicator_id):
    actor = request.user
    _guard(actor)
    pk = parse_pk(indicator_id)
    indicator = tally_selectors.indicator_list_for_actor(actor=actor, active_only=False).filter(pk=pk).first() \
        if pk is not None else None
    if indicator is None:
        raise CoreError.NOT_FOUND.error()
    if not _may_edit(actor, indicator):
        raise CoreError.FORBIDDEN.error()
    form = IndicatorForm(request.POST or None, initial={f: getattr(indicator, f) for f in tally_indicators.FIELDS})
    sent = form_submit(request, form, lambda d: tally_indicators.indicator_update(actor=actor, indicator=indicator, **d),
                       success=lambda i: f"已保存指标：{i.name}")
    if sent.done:
        return redirect("campaigns:indicators")
    return render(request, "campaigns/indicator_form.html", {"form": form, "indicator": indicator},
                  status=sent.status)

"""The page of screening totals (排查总数): a node's month count where there is only the total,
and the totals entered lately in the actor's area. The service checks scope and values."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import form_submit, login_page
from wenming.core.errors import CoreError
from wenming.core.params import parse_pk
from wenming.orgs.page_selectors import node_choices_for_actor

from . import screening_totals, selectors
from .forms import ScreeningTotalForm

RECENT = 20


def _saved(done) -> str:
    node, row = done
    if row is None:
        return f"已撤销{node.name}该月的排查总数"
    return (f"已填报排查总数：{node.name} {row.get_kind_display()} {row.total} {row.unit}"
            f"（其中未逐户登记 {row.remainder} {row.unit}）")


@never_cache
@login_page
def screening_totals_page(request):
    actor = request.user
    if not scope_for(actor).has(Perm.DEMAND_EDIT):
        raise CoreError.FORBIDDEN.error()
    post = request.POST if request.method == "POST" else None
    raw = (post or request.GET).get("node") or ""
    form = ScreeningTotalForm(post, initial={"node": raw} if raw else None, node_choices=node_choices_for_actor(
        actor=actor, perm=Perm.DEMAND_EDIT, selected_id=parse_pk(raw), strict_selected=True))

    def save(d):
        node = selectors.screening_node_get_for_actor(actor=actor, node_id=d["node"], perm=Perm.DEMAND_EDIT)
        return node, screening_totals.screening_total_set(actor=actor, node=node, kind=d["kind"], period=d["month"],
                                                          total=d["total"], note=d["note"],
                                                          late_reason=d["late_reason"])

    sent = form_submit(request, form, save, aliases={"node_id": "node", "period": "month"}, success=_saved)
    if sent.done:
        return redirect(reverse("grids:screening_totals") + f"?node={sent.value[0].pk}")
    return render(request, "grids/screening_totals.html", {
        "form": form, "totals": selectors.screening_totals_for_actor(actor=actor)[:RECENT]}, status=sent.status)

"""Pages of 统计期关账: the closings an actor can see, the form to close a period (offices
with period.close) and to reopen one with a reason. The services check rights and values."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.decorators import form_submit, staff_required
from wenming.core.params import parse_pk, pk_or_404

from . import closing
from .forms import ClosingForm, ReopenForm
from .models import NodeKind
from .page_selectors import node_choices_for_actor
from .selectors import node_get_for_actor

OFFICE_KINDS = [NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY, NodeKind.CENTER]


def _rows(actor) -> list:
    """The closings the actor sees, each saying whether the actor may reopen it."""
    rows = list(closing.closings_for_actor(actor=actor)[:200])
    scope = scope_for(actor)
    for row in rows:
        row.may_reopen = not row.is_open and scope.allows(Perm.PERIOD_CLOSE, row.node.path)
    return rows


@staff_required(Perm.NODE_VIEW)
def closings(request):
    actor = request.user
    rows = _rows(actor)
    offices = node_choices_for_actor(actor=actor, perm=Perm.PERIOD_CLOSE, kinds=OFFICE_KINDS)
    initial = {k: request.GET.get(k, "")[:7] for k in ("since", "until")}
    wanted = parse_pk(request.GET.get("node"))
    if wanted is not None:
        initial["node"] = str(wanted)
    form = ClosingForm(request.POST or None, node_choices=offices, initial=initial) if offices else None
    status = 200
    if form is not None:
        def close(d):
            node = node_get_for_actor(actor=actor, node_id=int(d["node"]))
            return closing.period_close(actor=actor, node=node, since=d["since"], until=d["until"], note=d["note"])

        sent = form_submit(request, form, close,
                           success=lambda c: f"已关账：{c.node.name} {c.period_label}。此后该期间的补录和修改须先重新开放")
        if sent.done:
            return redirect("orgs:closings")
        status = sent.status
    return render(request, "orgs/closings.html", {"rows": rows, "form": form, "reopen_form": ReopenForm()},
                  status=status)


@require_POST
@staff_required(Perm.PERIOD_CLOSE)
def reopen(request, closing_id):
    actor = request.user
    found = closing.closing_get_for_actor(actor=actor, closing_id=pk_or_404(closing_id))
    form = ReopenForm(request.POST)
    sent = form_submit(request, form, lambda d: closing.period_reopen(actor=actor, closing=found, reason=d["reason"]),
                       success=lambda c: f"已重新开放：{c.node.name} {c.period_label}")
    if sent.done:
        return redirect("orgs:closings")
    return render(request, "orgs/closings.html", {"rows": _rows(actor), "form": None, "reopen_form": form,
                                                  "reopen_id": found.pk}, status=sent.status)

"""What the request pages share: ids from URLs, how a refusal is shown, the history labels,
and the proof-photo view used by staff and the volunteer alike.

The pages themselves: public_views (residents, no account), volunteer_views (offers and the
accepted request), staff_views (board, detail and actions, hotline entry). Every read goes
through the scoped selectors, every write through intake/workflow/contact, which check the
actor and state again and write the audit rows.
"""

from django.views.decorators.http import require_GET

from wenming.core.decorators import login_page
from wenming.core.params import pk_or_404
from wenming.core.uploads import image_response

from .selectors import demand_get_for_actor

EVENT_LABELS = {
    "submit": "提交", "review": "受理", "reject": "不予受理", "dispatch": "派单", "requeue": "退回待派",
    "escalate": "超时上报", "accept": "接单", "decline": "婉拒", "offer_expired": "派单超时", "start": "开始服务",
    "complete": "完成", "rate": "评价", "close": "办结", "auto_close": "自动办结",
    "run_join": "纳入代购配送", "run_start": "开始采购", "delivered": "确认收货", "run_requeue": "退回待派",
    "run_cancel_demand": "办结（未送达）",
}


def staff_history(demand) -> list[dict]:
    return [{"at": e.at, "label": EVENT_LABELS.get(e.action, e.action), "who": e.actor_label, "note": e.note,
             "to": e.to_status} for e in demand.events.all()]


@require_GET
@login_page
def photo(request, demand_id: str, photo_id: str):
    """A proof photo, for whoever may see the request (staff in scope, the volunteer)."""
    demand = demand_get_for_actor(actor=request.user, demand_id=pk_or_404(demand_id))
    found = demand.photos.select_related("image").filter(pk=pk_or_404(photo_id)).first()
    return image_response(request, found.image if found else None, allowed=found is not None)

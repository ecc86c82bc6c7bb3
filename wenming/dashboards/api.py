"""数据看板 API: a node's dashboard data for a period, read from the summaries. Numbers are
plain JSON numbers."""

from django.utils import timezone
from ninja import Router

from .periods import last_months, period_from
from .selectors import dashboard_for_actor, plain_numbers

router = Router(tags=["数据看板"])


@router.get("/dashboards/{node_id}",
            summary="阵地数据看板（志愿者、队伍、项目、时长、点单、热线、排查、宣传统计…）；"
                    "since/until=YYYY-MM 或 period=month|quarter|year|last_year|12m 选择时段，默认近 12 个月")
def dashboard(request, node_id: int, since: str = "", until: str = "", period: str = "", months: int = 0):
    today = timezone.localdate()
    if months and not (since or until or period):  # the older form: the last N months
        chosen = period_from({"since": f"{last_months(today, min(max(months, 1), 1200)).since:%Y-%m}"}, today)
    else:
        chosen = period_from({"since": since, "until": until, "period": period}, today)
    return plain_numbers(dashboard_for_actor(actor=request.auth, node_id=node_id, period=chosen, today=today))

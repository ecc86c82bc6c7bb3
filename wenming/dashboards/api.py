"""数据看板 API: a node's dashboard data, read from the summaries."""

from ninja import Router

from .selectors import dashboard_for_actor

router = Router(tags=["数据看板"])


@router.get("/dashboards/{node_id}", summary="阵地数据看板（志愿者、队伍、项目、时长、点单、热线、排查、宣传统计…）")
def dashboard(request, node_id: int, months: int = 12):
    return dashboard_for_actor(actor=request.auth, node_id=node_id, months=min(max(months, 1), 36))

from datetime import datetime

from ninja import Router, Schema, Status

from wenming.orgs.selectors import node_get_for_actor
from wenming.volunteers.selectors import volunteer_for_user

from . import rewards_services, selectors
from .errors import ServiceError

router = Router(tags=["爱心超市"])


class RewardOut(Schema):
    id: int
    node_id: int
    name: str
    description: str
    points_cost: int
    stock: int
    active: bool


class RewardIn(Schema):
    node_id: int
    name: str
    points_cost: int
    stock: int
    description: str = ""


class RestockIn(Schema):
    add: int


class RedemptionOut(Schema):
    id: int
    item_id: int
    volunteer_id: int
    points: int
    code: str
    status: str
    created_at: datetime
    collected_at: datetime | None


class CollectIn(Schema):
    code: str


@router.get("/rewards", response=list[RewardOut], summary="爱心超市物品")
def list_rewards(request):
    return list(selectors.reward_list_for_actor(actor=request.auth)[:500])


@router.post("/rewards", response={201: RewardOut}, summary="上架物品")
def create_reward(request, payload: RewardIn):
    data = payload.dict()
    node = node_get_for_actor(actor=request.auth, node_id=data.pop("node_id"))
    return Status(201, rewards_services.reward_item_create(actor=request.auth, node=node, **data))


@router.post("/rewards/{reward_id}/restock", response=RewardOut, summary="补充库存")
def restock(request, reward_id: int, payload: RestockIn):
    item = selectors.reward_get_for_actor(actor=request.auth, reward_id=reward_id)
    return rewards_services.reward_restock(actor=request.auth, item=item, add=payload.add)


@router.post("/rewards/{reward_id}/redeem", response={201: RedemptionOut}, summary="用积分兑换（本人）")
def redeem(request, reward_id: int):
    item = selectors.reward_get_for_actor(actor=request.auth, reward_id=reward_id)
    volunteer = volunteer_for_user(request.auth)
    if volunteer is None:
        raise ServiceError.NOT_A_VOLUNTEER.error()
    return Status(201, rewards_services.reward_redeem(actor=request.auth, item=item, volunteer=volunteer))


@router.post("/redemptions/collect", response=RedemptionOut, summary="凭兑换码领取（一次有效）")
def collect(request, payload: CollectIn):
    return rewards_services.redemption_collect(actor=request.auth, code=payload.code)

"""点单: a resident's request from the public form (phone checked by a one-time code) or from
a hotline operator; routed to the responsible station; a tracking number and a one-time
tracking code go back to the resident."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.counters import counter_take
from wenming.core.crypto import blind_index, encrypt, mask_address, mask_name, mask_phone
from wenming.core.errors import CoreError
from wenming.core.notify import notify_phone
from wenming.core.params import parse_money
from wenming.core.phone_codes import CodeTooSoon, code_check, code_issue, code_spend
from wenming.core.ratelimit import allow
from wenming.volunteers.validation import normalize_phone

from .errors import DemandError as E
from .figures import demand_changed, profile_of
from .models import (
    Channel,
    Demand,
    DemandCategory,
    DemandEvent,
    DemandItem,
    DemandStatus,
    Urgency,
)
from .routing import route

PHONE_PURPOSE = "demand-phone"
MAX_ITEMS = 30
ROUTED_BY = {"grid": "所在网格", "position": "位置", "address": "地址", "fallback": "未匹配到实践站，由受理阵地分派"}


def _hash(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _phone(raw: str) -> str:
    return normalize_phone(raw or "")  # refuses with the volunteers' phone codes and messages


SMS_PER_CLIENT_HOUR = 10  # codes one client address may ask for, across phone numbers


def phone_check_send(*, phone: str, client: str = "", now=None) -> None:
    """Text a 6-digit code to the phone (through the notification adapter; the rules of
    core.phone_codes: one a minute per phone, ten minutes' life, five tries). Ten codes an
    hour per client address (nobody runs up the SMS bill or floods strangers' phones)."""
    now = now or timezone.now()
    phone = _phone(phone)
    if client and not allow("demand-sms", client, limit=SMS_PER_CLIENT_HOUR, window=3600):
        raise CoreError.RATE_LIMITED.error()
    with transaction.atomic():
        try:
            code = code_issue(purpose=PHONE_PURPOSE, phone_hash=blind_index(phone, PHONE_PURPOSE), now=now)
        except CodeTooSoon as wait:
            raise E.CODE_TOO_SOON.error(seconds=wait.seconds) from None
        notify_phone(phone=phone, subject="点单验证码", body=f"您的验证码是 {code}，10 分钟内有效。如非本人操作请忽略。")


@dataclass
class DemandInput:
    """What the form or the operator gives; validated by `demand_submit`/`demand_enter`."""

    name: str
    phone: str
    address: str
    category: str
    description: str
    urgency: str = Urgency.NORMAL
    preferred_time: str = ""
    items: list[dict] = field(default_factory=list)
    grid: object = None  # a grid Node, already looked up
    lat: object = None
    lon: object = None
    within: object = None  # the node whose page the form was opened from


def _money(value, what: str) -> Decimal | None:
    try:
        return parse_money(value)
    except ValueError:
        raise E.ITEMS_INVALID.error("items", detail=f"{what}不是 0 到 99999999 之间的数字") from None


def _clean_items(raw: list) -> list[DemandItem]:
    if len(raw) > MAX_ITEMS:
        raise E.ITEMS_INVALID.error("items", detail=f"最多 {MAX_ITEMS} 项")
    items = []
    for n, line in enumerate(raw, start=1):
        name = str((line or {}).get("name", "")).strip()[:60]
        if not name:
            raise E.ITEMS_INVALID.error("items", detail=f"第 {n} 项缺少物品名称")
        quantity = _money(line.get("quantity", 1), f"第 {n} 项数量")
        if quantity is None or quantity <= 0:
            raise E.ITEMS_INVALID.error("items", detail=f"第 {n} 项数量须大于 0")
        items.append(DemandItem(name=name, quantity=quantity, unit=str(line.get("unit", "")).strip()[:10],
                                budget=_money(line.get("budget"), f"第 {n} 项预算")))
    return items


def _position(lat, lon) -> tuple[Decimal | None, Decimal | None]:
    """A coarse position (3 decimals, ~100 m) inside the globe, or none at all."""
    if lat in (None, "") or lon in (None, ""):
        return None, None
    try:
        lat, lon = (Decimal(str(v)).quantize(Decimal("0.001")) for v in (lat, lon))
    except (InvalidOperation, ValueError):
        raise E.POSITION_INVALID.error("lat") from None
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise E.POSITION_INVALID.error("lat")
    return lat, lon


def _validated(data: DemandInput) -> tuple[DemandCategory, list[DemandItem], str]:
    for field_name, label in (("name", "联系人"), ("address", "地址"), ("description", "需求描述")):
        if not str(getattr(data, field_name) or "").strip():
            raise E.FIELD_REQUIRED.error(field_name, label=label)
    category = DemandCategory.objects.filter(code=data.category, active=True).first()
    if category is None:
        raise E.CATEGORY_UNKNOWN.error("category", value=str(data.category)[:20])
    if data.urgency not in Urgency.values:
        raise E.FIELD_REQUIRED.error("urgency", label="正确的紧急程度")
    data.lat, data.lon = _position(data.lat, data.lon)
    return category, _clean_items(data.items or []), _phone(data.phone)


def _create(*, actor, data: DemandInput, channel: str, now, resident=None) -> tuple[Demand, str]:
    category, items, phone = _validated(data)
    node, how = route(grid=data.grid, lat=data.lat, lon=data.lon, address=data.address, within=data.within)
    tracking_code = f"{secrets.randbelow(10**6):06d}"
    year = timezone.localtime(now).year
    name, address = data.name.strip()[:40], data.address.strip()[:200]
    demand = Demand.objects.create(
        tracking_no=f"D{year}{counter_take(f'demand:{year}'):07d}", tracking_code_hash=_hash(tracking_code),
        node=node, routed_by=how, category=category, description=data.description.strip()[:2000],
        urgency=data.urgency, preferred_time=data.preferred_time.strip()[:60], channel=channel,
        resident_name_masked=mask_name(name), resident_name_enc=encrypt(name),
        phone_enc=encrypt(phone), phone_hash=blind_index(phone, PHONE_PURPOSE), phone_masked=mask_phone(phone),
        address_enc=encrypt(address), address_masked=mask_address(address), grid=data.grid,
        lat=data.lat, lon=data.lon, status=DemandStatus.SUBMITTED, submitted_at=now,
        due_at=now + timedelta(minutes=settings.DEMAND_REVIEW_MINUTES),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        resident=resident if getattr(resident, "is_authenticated", False) else None)
    for item in items:
        item.demand = demand
    DemandItem.objects.bulk_create(items)
    DemandEvent.objects.create(demand=demand, at=now, actor=demand.created_by,
                               actor_label=str(actor) if demand.created_by else "群众", action="submit",
                               to_status=DemandStatus.SUBMITTED, note=f"分派至{node.name}（依据：{ROUTED_BY[how]}）")
    audit_record(actor=actor, action="demand.submit", obj=demand, node_path=node.path,
                 changes={"channel": channel, "routed_by": how})
    demand_changed(None, profile_of(demand))
    return demand, tracking_code


def demand_submit(*, data: DemandInput, code: str, now=None, resident=None) -> tuple[Demand, str]:
    """The public form (no account needed): the phone's one-time code is spent in the same
    transaction. A logged-in `resident` is linked to the request (我的点单). Returns the
    request and its tracking code (shown once)."""
    now = now or timezone.now()
    check = code_check(purpose=PHONE_PURPOSE, phone_hash=blind_index(_phone(data.phone), PHONE_PURPOSE), code=code,
                       now=now)
    if not check.ok:
        raise E.CODE_WRONG.error("code")
    with transaction.atomic():
        # spent in the same transaction that creates the request: used once, or not at all
        if not code_spend(check.code_id, now):
            raise E.CODE_WRONG.error("code")
        return _create(actor=None, data=data, channel=Channel.WEB, now=now, resident=resident)


def demand_enter(*, actor, data: DemandInput, now=None) -> tuple[Demand, str]:
    """A hotline operator types in a request heard on the phone (no code: they talk to the
    caller). Staff with demand.edit over the node the call is for."""
    now = now or timezone.now()
    within = data.within
    if within is None or not scope_for(actor).allows(Perm.DEMAND_EDIT, within.path):
        raise CoreError.NOT_FOUND.error()
    if data.grid is not None and not data.grid.path.startswith(within.path):
        raise CoreError.NOT_FOUND.error()  # an operator files requests inside their own area only
    with transaction.atomic():
        return _create(actor=actor, data=data, channel=Channel.HOTLINE, now=now)


def tracking_matches(demand: Demand, code: str) -> bool:
    return hmac.compare_digest(demand.tracking_code_hash, _hash((code or "").strip()))

"""Civilized units as participants (issue 12, item 8): the unit's volunteers (members), its own
teams, its 联点共建 pairings, and answering a 招募令 with one of its teams.

Who: the unit's liaison, or staff with UNIT_EDIT over the unit's node (selectors/units.py);
another unit's liaison gets a 404. Rules chosen here (docs/evaluation.md, "Civilized units as participants"):

- **Members** are registered volunteers (not withdrawn). Staff find them by id or 志愿者编号
  among the volunteers they see; a liaison types the volunteer's **name and phone**, matched
  through the phone's blind index — any miss says only "未找到该志愿者", so a phone number
  never tells whether it is registered, and the name is required so that adding someone
  never teaches a liaison whose number it is. Lookups by phone are rate-limited per account.
- **Teams**: a unit may call a team its own when the team's 队长 is a member of the unit
  (anywhere in the unit's county), or — for staff — when the team is at the unit's node or
  below and the staff member manages teams there. A team belongs to one unit at most.
- **Pairings** are with a community-level place (实践站, 实践点 or 网格) in the unit's
  county; one row per (unit, place): pairing again after it ended takes the row up again
  (the earlier period stays in the audit log).
- **Answering a call**: once per unit and call (a unique constraint: a second tap is a 409),
  only while the call is open, and only for calls in the unit's area. The team's members
  become targets of the call and each gets their personal answer link: they sign up
  themselves, so the call's shift capacity and sign-up rules still hold for each of them.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.accounts.models import RoleAssignment
from wenming.accounts.roles import Perm, Role
from wenming.accounts.scope import scope_for
from wenming.core import ratelimit
from wenming.core.audit import audit_record
from wenming.core.crypto import blind_index
from wenming.core.errors import CoreError
from wenming.core.notify import Message, notify, notify_each
from wenming.core.params import parse_pk
from wenming.mobilization.models import Call, CallStatus
from wenming.mobilization.services import ANSWER_PATH, answer_token, call_target_volunteers
from wenming.orgs.models import Node, Unit
from wenming.volunteers.models import PHONE_PURPOSE, MemberRole, Team, Volunteer, VolunteerStatus
from wenming.volunteers.selectors import volunteer_visibility_q
from wenming.volunteers.validation import normalize_phone

from ..errors import EvaluationError as E
from ..models import Pairing, UnitCallAnswer, UnitMember, UnitTeam
from ..selectors.units import PAIRING_KINDS, area_of, call_area_q, require_manage, team_eligible_q
from ..unit_errors import UnitError as UE
from .common import text_of

EARLIEST = date(2000, 1, 1)
PHONE_LOOKUPS = 30  # per account and hour
MAX_HEADCOUNT = 100_000


def _live(unit: Unit, action: str) -> None:
    if unit.archived_at is not None:
        raise UE.UNIT_ARCHIVED.error(name=unit.name, action=action)


def _day(value, *, what: str, field: str, high: date, low: date = EARLIEST) -> date:
    """A date from a caller (today when None), within [low, high]."""
    if value is None or value == "":
        value = max(low, min(timezone.localdate(), high))
    if not isinstance(value, date) or not low <= value <= high:
        raise UE.DATE_INVALID.error(field, what=what, low=low.isoformat(), high=high.isoformat())
    return value


# ---- members --------------------------------------------------------------------------------

def _find_volunteer(actor, *, volunteer_id, volunteer_no: str, name: str, phone: str) -> tuple[Volunteer, str]:
    """The volunteer to add, and how they were found ("id", "number" or "phone")."""
    registered = Volunteer.objects.exclude(status=VolunteerStatus.WITHDRAWN).select_related("home_node")
    if volunteer_id not in (None, ""):
        pk = parse_pk(volunteer_id)
        found = registered.filter(volunteer_visibility_q(actor), pk=pk).first() if pk else None
        how, field = "id", "volunteer_id"
    elif str(volunteer_no or "").strip():
        number = text_of(volunteer_no, 20).upper()
        found = registered.filter(volunteer_visibility_q(actor), volunteer_no=number).first()
        how, field = "number", "volunteer_no"
    elif str(phone or "").strip() and str(name or "").strip():
        if not ratelimit.allow("evaluation.unit_member_phone", str(getattr(actor, "pk", "")), limit=PHONE_LOOKUPS,
                               window=3600):
            raise CoreError.RATE_LIMITED.error("phone")
        digits = normalize_phone(text_of(phone, 30))  # a malformed number says so; it reveals nothing
        found = (registered.filter(phone_hash=blind_index(digits, PHONE_PURPOSE), name=text_of(name, 50))
                 .order_by("id").first())
        how, field = "phone", "phone"
    else:
        raise UE.MEMBER_WHO.error("phone")
    if found is None:
        raise UE.VOLUNTEER_NOT_FOUND.error(field)
    return found, how


def member_add(*, actor, unit: Unit, volunteer_id=None, volunteer_no: str = "", name: str = "", phone: str = "",
               joined_on: date | None = None) -> UnitMember:
    require_manage(actor, unit)
    _live(unit, "添加志愿者")
    joined_on = _day(joined_on, what="加入日期", field="joined_on", high=timezone.localdate())
    volunteer, how = _find_volunteer(actor, volunteer_id=volunteer_id, volunteer_no=volunteer_no, name=name,
                                     phone=phone)
    try:
        with transaction.atomic():
            member = UnitMember.objects.create(unit=unit, volunteer=volunteer, joined_on=joined_on)
            audit_record(actor=actor, action="evaluation.unit_member_add", obj=member, node_path=unit.node.path,
                         changes={"unit": unit.pk, "volunteer": volunteer.pk, "via": how,
                                  "joined_on": joined_on.isoformat()})
            notify(users_or_volunteers=[volunteer], subject=f"您已登记为“{unit.name}”的单位志愿者"[:200],
                   body=f"{unit.name}已将您登记为本单位志愿者（{joined_on:%Y年%m月%d日}起）。"
                        "如有疑问，请联系单位联络员。")
    except IntegrityError:
        raise E.ALREADY_MEMBER.error("volunteer", name=volunteer.name) from None
    return member


def member_remove(*, actor, member: UnitMember) -> None:
    unit = member.unit
    require_manage(actor, unit)
    with transaction.atomic():
        audit_record(actor=actor, action="evaluation.unit_member_remove", obj=member, node_path=unit.node.path,
                     changes={"unit": unit.pk, "volunteer": member.volunteer_id,
                              "joined_on": member.joined_on.isoformat()})
        UnitMember.objects.filter(pk=member.pk).delete()


# ---- teams ----------------------------------------------------------------------------------

def team_link(*, actor, unit: Unit, team: Team) -> UnitTeam:
    require_manage(actor, unit)
    _live(unit, "关联队伍")
    if team.archived_at is not None:
        raise UE.TEAM_ARCHIVED.error("team", name=team.name)
    taken = UnitTeam.objects.filter(team=team).select_related("unit").first()
    if taken is not None:
        raise UE.TEAM_TAKEN.error("team", team=team.name, unit=taken.unit.name)
    if not Team.objects.filter(team_eligible_q(actor, unit), pk=team.pk).exists():
        raise UE.TEAM_NOT_ELIGIBLE.error("team")
    try:
        with transaction.atomic():
            link = UnitTeam.objects.create(unit=unit, team=team)
            audit_record(actor=actor, action="evaluation.unit_team_link", obj=link, node_path=unit.node.path,
                         changes={"unit": unit.pk, "team": team.pk})
            leaders = Volunteer.objects.filter(memberships__team=team, memberships__role=MemberRole.LEADER)
            notify(users_or_volunteers=list(leaders), subject=f"“{team.name}”已登记为单位志愿服务队"[:200],
                   body=f"“{team.name}”已登记为{unit.name}的志愿服务队，队伍的服务和走访计入该单位的参与情况。")
    except IntegrityError:
        taken = UnitTeam.objects.filter(team=team).select_related("unit").first()
        raise UE.TEAM_TAKEN.error("team", team=team.name, unit=taken.unit.name if taken else "其他单位") from None
    return link


def team_unlink(*, actor, link: UnitTeam) -> None:
    unit = link.unit
    require_manage(actor, unit)
    with transaction.atomic():
        audit_record(actor=actor, action="evaluation.unit_team_unlink", obj=link, node_path=unit.node.path,
                     changes={"unit": unit.pk, "team": link.team_id})
        UnitTeam.objects.filter(pk=link.pk).delete()


# ---- pairings (联点共建) --------------------------------------------------------------------

def _place_managers(node: Node) -> list:
    """Managers of the paired place: the place itself and, for a point or grid, its station."""
    nodes = [node.pk] + ([node.parent_id] if node.kind != "station" and node.parent_id else [])
    rows = RoleAssignment.objects.filter(role=Role.NODE_MANAGER, node_id__in=nodes).select_related("user")
    return [r.user for r in rows if r.user.is_active]


def pairing_add(*, actor, unit: Unit, node: Node, started_on: date | None = None, note: str = "") -> Pairing:
    require_manage(actor, unit)
    _live(unit, "结对共建")
    if node.kind not in PAIRING_KINDS:
        raise UE.PAIRING_KIND.error("node")
    area = area_of(unit)
    if not node.path.startswith(area.path):
        raise UE.PAIRING_AREA.error("node", node=node.name, area=area.name)
    if node.archived_at is not None:
        raise UE.NODE_ARCHIVED.error("node", node=node.name)
    started_on = _day(started_on, what="开始日期", field="started_on", high=timezone.localdate())
    note = text_of(note, 200)
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(unit=unit, node=node, started_on=started_on, note=note)
            changes = {"unit": unit.pk, "node": node.pk, "started_on": started_on.isoformat()}
            _paired(actor, pairing, changes)
        return pairing
    except IntegrityError:
        pass
    # The same place again: an ended pairing is taken up again; a live one is a conflict.
    with transaction.atomic():
        pairing = Pairing.objects.filter(unit=unit, node=node).select_related("node").first()
        if pairing is not None and pairing.ended_on is not None and started_on < pairing.ended_on:
            raise UE.DATE_INVALID.error("started_on", what="开始日期", low=pairing.ended_on.isoformat(),
                                        high=timezone.localdate().isoformat())
        if pairing is None or pairing.ended_on is None or not Pairing.objects.filter(
                pk=pairing.pk, ended_on=pairing.ended_on).update(ended_on=None, started_on=started_on, note=note):
            raise UE.PAIRING_EXISTS.error("node", node=node.name)
        changes = {"unit": unit.pk, "node": node.pk, "started_on": started_on.isoformat(),
                   "earlier": [pairing.started_on.isoformat(), pairing.ended_on.isoformat()]}
        pairing.started_on, pairing.ended_on, pairing.note = started_on, None, note
        _paired(actor, pairing, changes)
    return pairing


def _paired(actor, pairing: Pairing, changes: dict) -> None:
    unit, node = pairing.unit, pairing.node
    audit_record(actor=actor, action="evaluation.unit_pairing_add", obj=pairing, node_path=unit.node.path,
                 changes=changes)
    notify(users_or_volunteers=_place_managers(node), subject=f"联点共建：{unit.name}"[:200],
           body=f"{unit.name}与{node.name}结对共建（{pairing.started_on:%Y年%m月%d日}起）。"
                + (f"共建内容：{pairing.note}" if pairing.note else ""))


def pairing_end(*, actor, pairing: Pairing, ended_on: date | None = None) -> Pairing:
    unit = pairing.unit
    require_manage(actor, unit)
    if isinstance(ended_on, date) and ended_on < pairing.started_on:
        raise E.DATES_INVALID.error("ended_on")
    ended_on = _day(ended_on, what="结束日期", field="ended_on", low=pairing.started_on,
                    high=max(timezone.localdate(), pairing.started_on))
    with transaction.atomic():
        if not Pairing.objects.filter(pk=pairing.pk, ended_on__isnull=True).update(ended_on=ended_on):
            pairing.refresh_from_db()
            raise UE.PAIRING_ENDED.error(node=pairing.node.name, date=pairing.ended_on.isoformat()
                                         if pairing.ended_on else "—")
        audit_record(actor=actor, action="evaluation.unit_pairing_end", obj=pairing, node_path=unit.node.path,
                     changes={"unit": unit.pk, "node": pairing.node_id, "ended_on": ended_on.isoformat()})
    pairing.ended_on = ended_on
    return pairing


# ---- answering a 招募令 with a team --------------------------------------------------------

def _headcount(value, limit: int) -> int:
    count = parse_pk(value) if not isinstance(value, int) or isinstance(value, bool) else value
    if count is None or not 1 <= count <= min(limit, MAX_HEADCOUNT):
        raise UE.HEADCOUNT_INVALID.error("headcount", limit=limit)
    return count


def _who_can_sign_up(call: Call, members: list[Volunteer]) -> tuple[list[Volunteer], list[Volunteer]]:
    """Members who can answer through a personal link — those with a login (they sign up
    themselves) and those the call's issuer may sign up (a link answered without a login
    signs up in the issuer's name, mobilization.call_answer) — and the others."""
    issuer = scope_for(call.created_by) if call.created_by_id else None
    reachable, others = [], []
    for v in members:
        ok = v.user_id is not None or (issuer is not None and issuer.allows(Perm.VOLUNTEER_EDIT, v.home_node.path))
        (reachable if ok else others).append(v)
    return reachable, others


def unit_call_answer(*, actor, unit: Unit, call: Call, team: Team, headcount, note: str = "") -> UnitCallAnswer:
    """The unit answers the call with one of its teams: the members are told and answer
    (sign up) themselves through their own links."""
    require_manage(actor, unit)
    _live(unit, "响应招募令")
    if not Call.objects.filter(call_area_q(unit), pk=call.pk).exists():
        raise CoreError.NOT_FOUND.error()
    if call.status != CallStatus.OPEN:
        raise UE.CALL_CLOSED.error(title=call.title)
    if timezone.now() > call.deadline:
        raise UE.CALL_DEADLINE.error(title=call.title)
    if not UnitTeam.objects.filter(unit=unit, team=team).exists():
        raise UE.TEAM_NOT_LINKED.error("team", name=team.name)
    if team.archived_at is not None:
        raise UE.TEAM_ARCHIVED.error("team", name=team.name)
    members = list(Volunteer.objects.filter(memberships__team=team, status=VolunteerStatus.ACTIVE)
                   .select_related("home_node").order_by("pk"))
    if not members:
        raise UE.TEAM_EMPTY.error("team", name=team.name)
    headcount = _headcount(headcount, len(members))
    note = text_of(note, 200)
    reachable, others = _who_can_sign_up(call, members)
    try:
        with transaction.atomic():
            answer = UnitCallAnswer.objects.create(call=call, unit=unit, team=team, headcount=headcount, note=note,
                                                   answered_by=actor, answered_at=timezone.now())
            waiting = call_target_volunteers(call=call, volunteers=reachable) if reachable else []
            when = timezone.localtime(call.shift.starts_at)
            until = timezone.localtime(call.deadline)
            told = f"{unit.name}以“{team.name}”响应了{call.node.name}的招募令，{when:%m月%d日 %H:%M} 集结。"
            notify_each([
                Message(user_id=r.volunteer.user_id, volunteer_id=r.volunteer_id, subject=f"招募令：{call.title}"[:200],
                        body=told + f"请于 {until:%m月%d日 %H:%M} 前点击链接自行报名（名额有限，满员后进入候补）。",
                        link=ANSWER_PATH + answer_token(r))
                for r in waiting])
            notify(users_or_volunteers=others, subject=f"招募令：{call.title}"[:200],
                   body=told + f"您还没有登录账号，请于 {until:%m月%d日 %H:%M} 前联系{call.node.name}或本单位联络员代为报名。")
            if call.created_by_id:
                notify(users_or_volunteers=[call.created_by], subject=f"单位响应招募令：{call.title}"[:200],
                       body=f"{unit.name}以“{team.name}”响应，可出动 {headcount} 人；已通知 {len(waiting)} 名队员自行报名"
                            + (f"，{len(others)} 名队员没有登录账号、不在您的辖区，需代为报名" if others else "") + "。"
                            + (f"说明：{note}" if note else ""),
                       link=f"/mobilization/calls/{call.pk}/")
            audit_record(actor=actor, action="evaluation.unit_call_answer", obj=answer, node_path=unit.node.path,
                         changes={"unit": unit.pk, "call": call.pk, "team": team.pk, "headcount": headcount,
                                  "told": len(waiting), "without_link": len(others)})
    except IntegrityError:
        if UnitCallAnswer.objects.filter(call=call, unit=unit).exists():
            raise UE.CALL_ANSWERED.error(title=call.title) from None
        raise
    answer.told, answer.without_link = len(waiting), len(others)
    return answer


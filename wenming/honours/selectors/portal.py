"""What the public portal shows besides the lists of records.py: a nominee's place said
coarsely (county and township, never the village), photos, the plan as a timeline, the rules
in plain words, a voter's own day, the years of the honour roll, the places a resident may
pick when nominating themselves, and the honours printed on a service certificate."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from wenming.core.params import parse_pk
from wenming.orgs.models import KIND_RANK, Node, NodeKind
from wenming.orgs.selectors import node_public_list

from ..models import (
    HonourCampaign,
    HonourLevel,
    Nomination,
    NominationFile,
    NominationStatus,
    Stage,
    Vote,
    VoterDay,
    VoterPass,
)
from .records import honour_roll
from .votes import my_votes as votes_of_voter

PLACE_KINDS = (NodeKind.COUNTY, NodeKind.SUBCENTER, NodeKind.INSTITUTE)  # township and above
SUFFIXES = ("新时代文明实践分中心", "新时代文明实践所", "新时代文明实践中心", "文明办")
PLACE_CHOICES_LIMIT = 60


# --- places -----------------------------------------------------------------------------------

def _short(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _prefixes(path: str) -> list[str]:
    return [path[:i] for i in range(4, len(path) + 1, 4)]


def public_places(nominations) -> dict[int, str]:
    """{nomination id: "秭归县 · 茅坪镇"}: the county and township of each nominee's place,
    from one query. The village or community (a station, a point) is left out: with the
    name it would point at a household."""
    nominations = list(nominations)
    prefixes = {p for n in nominations for p in _prefixes(n.node.path)}
    ancestors = {n.path: n for n in Node.objects.filter(path__in=prefixes, kind__in=PLACE_KINDS)}
    out = {}
    for n in nominations:
        names = [_short(ancestors[p].name) for p in _prefixes(n.node.path) if p in ancestors]
        if not names:  # a city's own office or a unit at the city: say the city
            names = [_short(n.node.name)] if KIND_RANK.get(n.node.kind, 9) <= KIND_RANK[NodeKind.COUNTY] else []
        out[n.pk] = " · ".join(names[-2:])
    return out


def place_choices(campaign: HonourCampaign, search: str = "") -> list[tuple[str, str]]:
    """Places a resident may give when nominating themselves: open nodes in the campaign's
    area (not grids); by name when searched, else its counties and townships."""
    search = str(search or "").replace("\x00", "").strip()[:30]
    qs = node_public_list().filter(path__startswith=campaign.node.path).exclude(kind=NodeKind.GRID)
    if search:
        qs = qs.filter(name__contains=search)
    else:
        qs = qs.filter(kind__in=[NodeKind.CITY, NodeKind.COUNTY, *PLACE_KINDS])
    rows = list(qs.select_related("parent")[:PLACE_CHOICES_LIMIT])
    return [(str(n.pk), f"{n.name}（{n.parent.name}）" if n.parent_id and search else n.name) for n in rows]


def place_get(campaign: HonourCampaign, raw) -> Node | None:
    pk = parse_pk(raw)
    if pk is None:
        return None
    return (node_public_list().filter(pk=pk, path__startswith=campaign.node.path).exclude(kind=NodeKind.GRID)
            .first())


# --- photos -----------------------------------------------------------------------------------

def photos_of(nomination: Nomination) -> list[NominationFile]:
    return list(nomination.files.filter(image__isnull=False).select_related("image").order_by("id"))


def first_photos(nominations) -> dict[int, NominationFile]:
    out: dict[int, NominationFile] = {}
    ids = [n.pk for n in nominations]
    for f in NominationFile.objects.filter(nomination_id__in=ids, image__isnull=False).order_by("nomination_id",
                                                                                                 "id"):
        out.setdefault(f.nomination_id, f)
    return out


def photo_of(nomination: Nomination, raw) -> NominationFile | None:
    pk = parse_pk(raw)
    if pk is None:
        return None
    return nomination.files.filter(pk=pk, image__isnull=False).select_related("image").first()


# --- the plan ---------------------------------------------------------------------------------

@dataclass
class Step:
    stage: str
    label: str
    when: str
    state: str  # done, current, next


def _d(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _dt(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def notice_ends(campaign: HonourCampaign) -> datetime | None:
    return campaign.notice_from + timedelta(days=campaign.notice_days) if campaign.notice_from else None


def timeline(campaign: HonourCampaign) -> list[Step]:
    """The public stages with their planned or actual dates, each done, current or next."""
    order = [s for s in campaign.stages if s != Stage.DRAFT]
    current = order.index(campaign.stage) if campaign.stage in order else -1
    steps = []
    for i, stage in enumerate(order):
        when = ""
        if stage == Stage.NOMINATING:
            when = f"{_d(campaign.nominate_from)} 至 {_d(campaign.nominate_until)}"
        elif stage == Stage.VOTING and campaign.vote_until:
            when = (f"{_dt(campaign.vote_from)} 至 " if campaign.vote_from else "至 ") + _dt(campaign.vote_until)
        elif stage == Stage.NOTICE:
            ends = notice_ends(campaign)
            when = f"{_dt(campaign.notice_from)} 至 {_dt(ends)}" if ends else f"{campaign.notice_days} 天"
        elif stage == Stage.ANNOUNCED and campaign.announced_at:
            when = _d(timezone.localtime(campaign.announced_at))
        state = "done" if i < current or campaign.stage == Stage.ANNOUNCED else ("current" if i == current else "next")
        steps.append(Step(stage, Stage(stage).label, when, state))
    return steps


def next_step(campaign: HonourCampaign) -> str:
    """What comes next, in a sentence, for a visitor."""
    stage = campaign.stage
    after_review = "初审通过的推荐对象将进入网络投票" if campaign.vote_enabled else "初审通过的推荐对象将进入复审"
    if stage == Stage.NOMINATING:
        return f"推荐报名截至 {_d(campaign.nominate_until)}，之后进行初审；{after_review}。"
    if stage == Stage.INITIAL_REVIEW:
        return f"正在初审推荐材料，{after_review}。"
    if stage == Stage.VOTING:
        until = f"投票截至 {_dt(campaign.vote_until)}，" if campaign.vote_until else ""
        return f"{until}之后由评审组复审，确定拟表彰对象并公示 {campaign.notice_days} 天。"
    if stage == Stage.FINAL_REVIEW:
        return f"评审组正在复审，确定拟表彰对象后将公示 {campaign.notice_days} 天，公示期间可以提出异议。"
    if stage == Stage.NOTICE:
        ends = notice_ends(campaign)
        return (f"公示期至 {_dt(ends)}，" if ends else "") + "期间对拟表彰对象有异议的，可以在其事迹页提出；期满后公布结果。"
    if stage == Stage.ANNOUNCED:
        return "评选结果已经公布，受表彰的先进典型已登上光荣榜。"
    return ""


def vote_rules(campaign: HonourCampaign) -> list[str]:
    """The vote's rules in plain words."""
    per_nominee = campaign.votes_per_nominee_per_day
    lines = [f"每个手机号每天最多投 {campaign.votes_per_day} 票，每天可为同一位候选人投 {per_nominee} 票。",
             "投票前须用手机号接收短信验证码验证，验证后 2 小时内可以直接投票。",
             "投票期间可以在“我的投票”中撤回自己的投票，撤回后当天的票数返还。",
             "请勿刷票：同一网络、同一设备的异常集中投票，经核实后将作废。"]
    if campaign.vote_until:
        lines.insert(0, f"投票时间：{_dt(campaign.vote_from) + ' 至 ' if campaign.vote_from else '截至 '}"
                        f"{_dt(campaign.vote_until)}。")
    return lines


# --- a voter's own day ------------------------------------------------------------------------

@dataclass
class VoterToday:
    left: int  # votes this phone may still cast today, across the campaign
    per_nominee: dict[int, int]  # live votes cast today, by nomination id


def voter_today(campaign: HonourCampaign, voter_pass: VoterPass, now: datetime | None = None) -> VoterToday:
    day = timezone.localtime(now or timezone.now()).date()
    used = (VoterDay.objects.filter(campaign=campaign, phone_hash=voter_pass.phone_hash, day=day)
            .values_list("used", flat=True).first()) or 0
    per: dict[int, int] = {}
    for nomination_id in Vote.objects.filter(campaign=campaign, phone_hash=voter_pass.phone_hash, day=day,
                                             undone_at__isnull=True).values_list("nomination_id", flat=True):
        per[nomination_id] = per.get(nomination_id, 0) + 1
    return VoterToday(max(campaign.votes_per_day - used, 0), per)


def live_votes(nomination_id: int) -> int:
    return Nomination.objects.filter(pk=nomination_id).values_list("votes", flat=True).first() or 0


# --- the honour roll and a volunteer's honours ---------------------------------------------------

def roll_years() -> list[int]:
    return sorted(set(honour_roll().values_list("campaign__year", flat=True).order_by()), reverse=True)


def roll_level(raw) -> str:
    value = str(raw or "")
    return value if value in HonourLevel.values else ""


def roll_year(raw) -> int | None:
    pk = parse_pk(raw)
    return pk if pk is not None and 2000 <= pk <= 2100 else None


def honour_label(nomination: Nomination) -> str:
    """"2020年度市级“身边好人”（宜昌市文明办）"."""
    c = nomination.campaign
    return f"{c.year}年度{HonourLevel(c.level).label}“{c.category.name}”（{c.node.name}）"


def certificate_honour_lines(volunteer, *, as_of: datetime) -> list[str]:
    """The honours a service certificate names: those announced on or before it was issued
    (so the certificate says the same every time it is downloaded)."""
    rows = (honour_roll().filter(volunteer=volunteer).filter(Q(campaign__announced_at__lte=as_of))
            .select_related("campaign__node", "campaign__category").order_by("campaign__announced_at", "id"))
    return [honour_label(n) for n in rows]


def my_votes(campaign: HonourCampaign, voter_pass: VoterPass, limit: int = 50) -> list[Vote]:
    """The voter's votes, newest first (live, taken back or voided)."""
    return list(votes_of_voter(campaign, voter_pass)[:limit])


def my_nominations(actor, campaign: HonourCampaign) -> list[Nomination]:
    """What a signed-in person submitted to the campaign (their self-nomination), each with
    `next_step`: where it stands now and what comes next."""
    if not getattr(actor, "is_authenticated", False):
        return []
    mine = list(Nomination.objects.filter(campaign=campaign, submitted_by=actor).order_by("-created_at"))
    for n in mine:
        n.next_step = self_nomination_step(campaign, n)
    return mine


def self_nomination_step(campaign: HonourCampaign, n: Nomination) -> str:
    """One sentence for the person who nominated themselves, from the nomination's status and
    the campaign's stage."""
    S, N = Stage, NominationStatus
    after_initial = "进入网络投票" if campaign.vote_enabled else "进入复审"
    if n.status == N.SUBMITTED:
        if campaign.stage == S.NOMINATING:
            return f"已提交，推荐报名截止后由所在县区初审，通过后{after_initial}。"
        return f"正在初审，通过后{after_initial}。"
    if n.status == N.RETURNED:
        if campaign.stage in (S.NOMINATING, S.INITIAL_REVIEW):
            return "已退回修改：请按退回理由联系主办的文明办补充材料。"
        return "已退回，本次评选的初审已经结束。"
    if n.status == N.SHORTLISTED:
        if campaign.stage == S.VOTING:
            return "已入围，正在网络投票，可把投票链接分享给亲友。"
        if campaign.stage == S.FINAL_REVIEW:
            return "已入围，正在复审，文明办将在名额内确定拟表彰对象。"
        return "已入围，等待复审。"
    if n.status == N.SELECTED:
        if campaign.stage == S.NOTICE:
            return "已列为拟表彰对象，正在公示；公示期满、异议答复完毕后公布结果。"
        return "已列为拟表彰对象，等待公示。"
    return {
        N.HONOURED: "已受表彰，事迹已登上光荣榜。",
        N.REJECTED: "未通过评审，感谢您的参与。",
        N.WITHDRAWN: "已撤回。",
        N.DROPPED: "公示期间异议成立，已撤销拟表彰。",
    }.get(n.status, "")

"""The demo county's honours (docs/honours.md), through the honours services with the clock
as a parameter:

- last year's 道德模范 campaign, announced: nominations by the county's stations and a
  civilized unit (epidemic front-line people flagged 抗疫一线 first), an initial review that
  passed most, returned one and rejected one, a public vote through the real text-code path,
  a final review with scores, five selected, a notice with an objection answered, the honour
  roll — the demo `volunteer` login among the honoured, so their record shows it;
- this year's 身边好人 campaign in its public vote: six nominees on the ballot (two 抗疫一线),
  votes from 80 phones, and a small cluster of votes from one address for the monitor.
The `reviewer` demo login (先进典型评审员) works at the liaison's unit, 秭归县教育局: its
nomination is flagged 回避 for them."""

import random
import re
from datetime import date, datetime, timedelta

from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.models import Notification
from wenming.honours.models import HonourCategory, Nomination
from wenming.honours.services import campaigns, nominations, notice, reviews, votes
from wenming.orgs.models import Node, Unit
from wenming.volunteers.models import Volunteer

D = timedelta(days=1)
FRONT_LINE = [  # (title, story, priority note: what the campaign's label 抗疫一线 refers to)
    ("连续值守卡点六十天的村医", "疫情期间坚守村卫生室和卡点，为返乡人员测温登记两千余人次，为慢病老人送药上门一百多次。",
     "村卫生室医生，疫情期间值守卡点"),
    ("把菜送到每一户的志愿者", "封控期间组织志愿者代购配送生活物资，三十多天跑遍全村十二个小组，没有漏掉一户独居老人。",
     "物资配送志愿者，封控期间代购配送"),
    ("方舱里的“大白”", "报名支援方舱医院四十天，负责患者生活保障和心理疏导，出舱后又投入社区核酸采样。",
     "方舱医院志愿者"),
    ("守好小区大门的网格员", "疫情期间每天在小区门口值守十几个小时，逐户排查登记，帮居家隔离的住户买药、倒垃圾。",
     "社区网格员，疫情期间值守小区"),
]
STORIES = [  # last year's 道德模范
    ("三十年义务照顾孤寡老人", "三十年来坚持照顾邻村三位孤寡老人的饮食起居，逢年过节接到家中团聚，乡亲们都说比亲人还亲。"),
    ("勇救落水儿童的货车司机", "途经江边时听到呼救，跳入江中救起两名落水儿童，事后悄然离开，家长多方寻找才得知其姓名。"),
    ("扎根山村的乡村教师", "在偏远教学点任教二十六年，一人承担多门课程，自费为学生购买图书，带出的学生有三十多人考上大学。"),
    ("诚信经营的脐橙种植户", "带头成立脐橙合作社，坚持按质论价、足斤足两，帮助八十多户果农增收，从未拖欠一分货款。"),
    ("孝老爱亲的好家人", "家人常年在外务工，一人照顾瘫痪在床的老人十二年，同时把两个孩子培养成才，邻里交口称赞。"),
    ("热心调解邻里纠纷的老党员", "退休后主动担任义务调解员，五年调解邻里、土地纠纷一百余起，做到小事不出组、大事不出村。"),
]
GOOD_PEOPLE = [  # this year's 身边好人
    ("拾金不昧的出租车司机", "捡到乘客遗落的装有三万元现金和证件的背包，连夜通过派出所找到失主，婉拒了失主的酬谢。"),
    ("义务接送学生十年的船工", "十年来每天义务撑船接送对岸村里的孩子上下学，风雨无阻，从未发生一起安全事故。"),
    ("帮助留守儿童的“爱心妈妈”", "结对帮扶十二名留守儿童，每周辅导作业、陪伴谈心，自费为孩子们购买学习用品和冬衣。"),
    ("热心公益的退休医生", "退休后每月到偏远村组义诊两次，五年义诊三千余人次，为困难群众垫付药费两万多元。"),
]


def _code(subject: str) -> str:
    sent = Notification.objects.filter(subject=subject).order_by("-pk").first()
    return re.search(r"验证码是 (\d{6})", sent.body).group(1)


def _voter(c, phone: str, at: datetime, address: str = "") -> str:
    votes.vote_code_send(campaign=c, phone=phone, address="", now=at)
    return votes.vote_verify(campaign=c, phone=phone, code=_code("投票验证码"), address=address,
                             device=f"demo-{phone[-4:]}", now=at + timedelta(minutes=1))


def _nominate(office, c, station: Node, vol: Volunteer, title: str, story: str, at: datetime, note: str = ""):
    return nominations.nomination_create(
        actor=office, campaign=c, kind="volunteer", nominated_by="node", nominating_node=station, volunteer=vol,
        consent=True, title=title, story=story, priority=bool(note), priority_note=note, now=at)


def _people(rng: random.Random, county_node: Node, n: int, keep: Volunteer | None = None) -> list[Volunteer]:
    """n adult volunteers of the county; `keep` among them, third (a slot that passes)."""
    pool = [v for v in Volunteer.objects.filter(home_node__path__startswith=county_node.path,
                                                birth_date__lt=date(2000, 1, 1))
            .select_related("home_node").order_by("pk")[:400] if v != keep]
    picked = rng.sample(pool, n - (keep is not None))
    if keep is not None:
        picked.insert(2, keep)
    return picked


def _scores(c, rng, high: bool) -> dict:
    return {str(k.pk): (k.points - rng.randint(0, 4) if high else k.points * 3 // 4 - rng.randint(0, 4))
            for k in c.criteria.all()}


def create_honours(rng: random.Random, county_node: Node) -> dict:
    office = User.objects.get(username="office")
    reviewer = User.objects.get(username="reviewer")
    liaison = User.objects.get(username="liaison")
    liaison_unit = Unit.objects.get(pk=liaison.assignments.get(role="unit_liaison").unit_id)
    demo_volunteer = Volunteer.objects.get(user__username="volunteer")
    now = timezone.now()
    year = timezone.localdate().year
    announced = _announced(rng, county_node, office, reviewer, demo_volunteer, year - 1, now - 200 * D)
    voting = _voting(rng, county_node, office, liaison, liaison_unit, year, now)
    return {"announced": announced, "voting": voting}


def _announced(rng, county_node, office, reviewer, demo_volunteer, year: int, start: datetime) -> int:
    c = campaigns.campaign_create(
        actor=office, node=county_node, category=HonourCategory.objects.get(code="moral_model"),
        name=f"{year}年度秭归县道德模范评选", year=year, nominate_from=start.date(),
        nominate_until=(start + 20 * D).date(), places=5, vote_until=start + 45 * D,
        intro="评选助人为乐、见义勇为、诚实守信、敬业奉献、孝老爱亲五类道德模范；抗疫一线人员优先推荐。")
    for name, points in (("事迹突出", 50), ("群众认可", 30), ("示范引领", 20)):
        campaigns.criterion_add(actor=office, campaign=c, name=name, points=points)
    campaigns.stage_advance(actor=office, campaign=c, to="nominating", now=start)
    people = _people(rng, county_node, 8, keep=demo_volunteer)
    noms = []
    for n, vol in enumerate(people):
        title, story, note = FRONT_LINE[n] if n < 2 else (*STORIES[n - 2], "")
        noms.append(_nominate(office, c, vol.home_node, vol, title, story, start + (n + 1) * D, note))
    review_at = start + 21 * D
    campaigns.stage_advance(actor=office, campaign=c, to="initial_review", now=review_at)
    for n, nom in enumerate(noms):
        at = review_at + timedelta(hours=n + 1)
        if n == 6:
            reviews.review_submit(actor=office, nomination=nom, decision="reject", reason="事迹材料与推荐类别不符",
                                  now=at)
        elif n == 7:
            reviews.review_submit(actor=office, nomination=nom, decision="return", reason="请补充获奖证书和事迹照片",
                                  now=at)
        else:
            reviews.review_submit(actor=office, nomination=nom, decision="pass", scores=_scores(c, rng, True), now=at)
    # the returned one was corrected and passed on a second look
    for nom in Nomination.objects.filter(campaign=c, status="returned"):
        nominations.nomination_update(actor=office, nomination=nom, consent=True, title=nom.title,
                                      story=nom.story + "（已补充获奖证书和照片）")
        reviews.review_submit(actor=reviewer, nomination=Nomination.objects.get(pk=nom.pk), decision="pass",
                              scores=_scores(c, rng, False), now=review_at + 2 * D)
    c.refresh_from_db()
    vote_at = start + 25 * D
    campaigns.stage_advance(actor=office, campaign=c, to="voting", now=vote_at)
    ballot = list(Nomination.objects.filter(campaign=c, status="shortlisted"))
    for p in range(60):
        at = vote_at + (p // 4) * D + timedelta(hours=p % 12)
        token = _voter(c, f"1880000{p:04d}", at)
        for nom in rng.sample(ballot, 3):
            votes.vote_cast(campaign=c, nomination=nom, token=token, now=at + timedelta(minutes=3))
    campaigns.stage_advance(actor=office, campaign=c, to="final_review", now=start + 46 * D)
    ranked = sorted(Nomination.objects.filter(campaign=c, status="shortlisted"),
                    key=lambda x: (not x.priority, x.volunteer != demo_volunteer, -x.votes))
    for nom in ranked:
        reviews.review_submit(actor=office, nomination=nom, decision="pass", scores=_scores(c, rng, True),
                              now=start + 47 * D)
    for nom in ranked[:5]:
        reviews.selection_set(actor=office, nomination=nom, selected=True)
    notice_at = start + 50 * D
    campaigns.stage_advance(actor=office, campaign=c, to="notice", now=notice_at)
    objection = notice.objection_submit(nomination=ranked[2], text="听说该同志的事迹有夸大成分，请组织核实。",
                                        anonymous=True, now=notice_at + 2 * D)
    notice.objection_answer(actor=office, objection=objection, now=notice_at + 4 * D, upheld=False,
                            answer="经实地走访核实，事迹属实，异议不成立。")
    campaigns.stage_advance(actor=office, campaign=c, to="announced", now=notice_at + 8 * D)
    return c.pk


def _voting(rng, county_node, office, liaison, liaison_unit, year: int, now: datetime) -> int:
    start = now - 30 * D
    c = campaigns.campaign_create(
        actor=office, node=county_node, category=HonourCategory.objects.get(code="good_people"),
        name=f"{year}年第四季度秭归好人评选", year=year, nominate_from=start.date(),
        nominate_until=(start + 14 * D).date(), places=3, vote_until=now + 10 * D, votes_per_day=3,
        intro="推选身边的凡人善举；每个手机号每天可投 3 票，同一人每天 1 票。抗疫一线人员优先推荐。")
    for name, points in (("事迹突出", 60), ("群众认可", 40)):
        campaigns.criterion_add(actor=office, campaign=c, name=name, points=points)
    campaigns.stage_advance(actor=office, campaign=c, to="nominating", now=start)
    people = _people(random.Random(rng.random()), county_node, 6)
    noms = []
    for n, vol in enumerate(people[:5]):
        title, story, note = FRONT_LINE[n + 2] if n < 2 else (*GOOD_PEOPLE[n - 2], "")
        noms.append(_nominate(office, c, vol.home_node, vol, title, story, start + (n + 1) * D, note))
    # the civilized unit nominates one of its people (the reviewer login works there: 回避)
    noms.append(nominations.nomination_create(
        actor=liaison, campaign=c, kind="volunteer", nominated_by="unit", nominating_unit=liaison_unit,
        volunteer=people[5], consent=True, title=GOOD_PEOPLE[3][0], story=GOOD_PEOPLE[3][1], now=start + 6 * D))
    campaigns.stage_advance(actor=office, campaign=c, to="initial_review", now=start + 15 * D)
    for nom in noms:
        reviews.review_submit(actor=office, nomination=nom, decision="pass", scores=_scores(c, rng, True),
                              now=start + 16 * D)
    vote_at = start + 18 * D
    campaigns.stage_advance(actor=office, campaign=c, to="voting", now=vote_at)
    ballot = list(Nomination.objects.filter(campaign=c, status="shortlisted"))
    for p in range(80):
        at = vote_at + (p % 12) * D + timedelta(hours=p % 9)
        token = _voter(c, f"1870000{p:04d}", at, address=f"10.20.{p % 40}.{p}")
        for nom in rng.sample(ballot, rng.randint(1, 3)):
            votes.vote_cast(campaign=c, nomination=nom, token=token, now=at + timedelta(minutes=2))
    # a vote farm behind one address, for the monitor to find (virtual-operator numbers)
    farm_at = vote_at + 9 * D
    for p in range(8):
        token = _voter(c, f"1710000{p:04d}", farm_at + timedelta(minutes=p), address="112.96.33.8")
        votes.vote_cast(campaign=c, nomination=ballot[-1], token=token, address="112.96.33.8",
                        now=farm_at + timedelta(minutes=p, seconds=30))
    return c.pk

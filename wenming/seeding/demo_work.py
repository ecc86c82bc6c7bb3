"""Screening, reports and campaign figures at the demo station (金缸城社区), through the apps'
services so the dashboards' summaries follow: its grids' household counts and a claim by
the station's 分队, door-to-door visits (敲门行动) with flags, three months of tallies
(横幅、宣传画、宣传单、劝导), 移风易俗 records, an information report submitted by the station
and approved and published by the institute, and an online activity with engagements."""

from datetime import timedelta

from wenming.campaigns.models import Indicator
from wenming.campaigns.online_services import activity_create, engagement_register, person_key_for
from wenming.campaigns.reform_services import reform_record_create
from wenming.campaigns.tally_services import tally_add
from wenming.core.back_entry import is_late, month_last_day
from wenming.grids.models import VisitFlag
from wenming.grids.services import grid_claim_create, grid_profile_set
from wenming.grids.visit_services import visit_record
from wenming.reporting.models import ReportCategory
from wenming.reporting.services import (
    report_approve,
    report_create,
    report_image_add,
    report_publish,
    report_submit,
)

from .demo_photos import REPORT_PHOTO_SEEDS, activity_photo

TALLIES = {"banner": (12, 20), "poster": (60, 120), "leaflet": (800, 1500), "persuasion": (200, 600)}
REFORM = [("funeral_simplified", "三组 12 号"), ("wedding_postponed", "七组 3 号"), ("proxy_sweeping", "五组 8 号")]


def create_work(demo) -> dict:
    """`demo` is demo_requests.Demo (logins, the station, its 分队, the clock, the RNG)."""
    staff, rng, now = demo.users["station"], demo.rng, demo.now
    visits = 0
    flags = list(VisitFlag.objects.filter(active=True).order_by("sort", "code"))
    for n, grid in enumerate(demo.grids):
        grid_profile_set(actor=staff, grid=grid, household_count=rng.randint(380, 620))
        grid_claim_create(actor=staff, grid=grid, team=demo.team, starts_on=(now - timedelta(days=20)).date(),
                          ends_on=(now + timedelta(days=40)).date())
        for i in range(8 if n < 3 else 2):
            picked = [f.code for f in flags if rng.random() < 0.15][:2]
            visit_record(actor=staff, grid=grid, address=f"{grid.name}{rng.randint(1, 18)}栋{i + 1}0{rng.randint(1, 4)}室",
                         visited_at=(when := now - timedelta(days=rng.randint(0, 14), hours=rng.randint(1, 8))),
                         residents_count=rng.randint(1, 5), flags=picked, team=demo.team,
                         late_reason=_late(when, "据社区纸质走访登记表补录"))
            visits += 1
    this_month = now.date().replace(day=1)
    months = [this_month, (this_month - timedelta(days=1)).replace(day=1)]
    months.append((months[-1] - timedelta(days=1)).replace(day=1))
    for code, (low, high) in TALLIES.items():
        indicator = Indicator.objects.get(code=code)
        for month in months:
            tally_add(actor=staff, indicator=indicator, period=month, value=rng.randint(low, high), node=demo.station,
                      late_reason=_late(month_last_day(month), f"据{month.year}年{month.month}月纸质宣传台账补录"))
    for kind, household in REFORM:
        day = (now - timedelta(days=rng.randint(3, 40))).date()
        reform_record_create(actor=staff, node=demo.station, kind=kind, household=household, occurred_on=day,
                             late_reason=_late(day, "据社区移风易俗登记簿补录"))
    report = report_create(actor=staff, node=demo.station, period=months[1],
                           category=ReportCategory.objects.get(code="epidemic"),
                           title="金缸城社区开展“敲门行动”和代购配送",
                           body="社区志愿服务分队认领网格，逐户敲门排查登记；对居家隔离户开展代购配送，"
                                "统一采购、上门配送、逐户确认收货。")
    for seed in REPORT_PHOTO_SEEDS:  # the report's photos, on the portal once it is published
        report_image_add(actor=staff, report=report, upload=activity_photo(seed))
    report_submit(actor=staff, report=report)
    report_approve(actor=demo.users["institute"], report=report, comment="内容翔实，同意公开")
    report_publish(actor=demo.users["institute"], report=report)
    activity = activity_create(actor=staff, node=demo.station, title="“文明实践云课堂”线上答题",
                               starts_at=now - timedelta(days=7), ends_at=now + timedelta(days=7),
                               link="https://example.org/demo-activity")
    engaged = 0
    for n in range(40):
        key = person_key_for(person=f"1380000{200 + n:04d}")
        engaged += engagement_register(activity=activity, kind="view", person_key=key)
        if n % 3 == 0:
            engaged += engagement_register(activity=activity, kind="share", person_key=key)
    return {"visits": visits, "grids": len(demo.grids), "tally_months": len(months), "reform": len(REFORM),
            "reports": 1, "engagements": engaged}


def _late(day, reason: str) -> str:
    """The 补录说明 of what is dated `day` if entering it now is a back-entry (core/back_entry.py)."""
    return reason if is_late(day) else ""

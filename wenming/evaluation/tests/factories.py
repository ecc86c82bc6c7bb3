"""An evaluation world on top of the shared `world` fixture: a county campaign with a small
indicator tree, units with duties, sites, an inspector and two liaisons."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.testing import make_jpeg
from wenming.evaluation.models import Level, Rule, Severity, SiteType
from wenming.evaluation.services import campaigns, duties, inspections
from wenming.orgs.services import unit_create
from wenming.volunteers.tests.factories import user


def photo(name: str = "p.jpg") -> ContentFile:
    return ContentFile(make_jpeg(), name=name)


def build_evaluation(world) -> SimpleNamespace:
    root = world.root
    e = SimpleNamespace(world=world)
    e.campaign = campaigns.campaign_create(actor=world.office, node=world.county, name="2023年度全国文明城市测评",
                                           year=2023, starts_on=date(2023, 1, 1), ends_on=date(2023, 12, 31))
    c = e.campaign
    e.minors = campaigns.subsystem_create(actor=world.office, campaign=c, name="未成年人思想道德建设",
                                          floor_percent=60, share_percent=20)
    save = campaigns.indicator_save
    e.area = save(actor=world.office, campaign=c, code="4", name="生活环境", level=Level.AREA)
    e.item = save(actor=world.office, campaign=c, code="4.1", name="城乡环境卫生", level=Level.ITEM, parent=e.area)
    e.market = SiteType.objects.get(code="market")
    e.street = SiteType.objects.get(code="back_street")
    e.hygiene = save(actor=world.office, campaign=c, code="4.1.1", name="农贸市场环境卫生", level=Level.INDICATOR,
                     parent=e.item, points=Decimal(4), deduct_points=Decimal("0.5"), methods=["field"],
                     site_types=[e.market])
    e.litter = save(actor=world.office, campaign=c, code="4.1.1.1", name="地面有垃圾、污水", level=Level.DEDUCTION,
                    parent=e.hygiene, deduct_points=Decimal("0.3"))
    e.roads = save(actor=world.office, campaign=c, code="4.1.2", name="背街小巷环境", level=Level.INDICATOR,
                   parent=e.item, points=Decimal(3), deduct_points=Decimal("0.5"), methods=["field", "observe"],
                   site_types=[e.street])
    e.aware = save(actor=world.office, campaign=c, code="4.1.3", name="群众对创建工作的知晓率", level=Level.INDICATOR,
                   parent=e.item, points=Decimal(2), rule=Rule.SURVEY, methods=["survey"])
    e.files = save(actor=world.office, campaign=c, code="4.1.4", name="创建工作制度与台账", level=Level.INDICATOR,
                   parent=e.item, points=Decimal(2), rule=Rule.MATERIAL, methods=["material"])
    e.minors_area = save(actor=world.office, campaign=c, code="9", name="未成年人思想道德建设", level=Level.AREA)
    e.school = save(actor=world.office, campaign=c, code="9.1", name="学校周边环境", level=Level.INDICATOR,
                    parent=e.minors_area, points=Decimal(5), deduct_points=Decimal(1), subsystem=e.minors)
    e.market_bureau = unit_create(actor=root, node=world.county, name="县市场监管局", unit_type="unit", level="county")
    e.city_admin = unit_create(actor=root, node=world.county, name="县城管局", unit_type="unit", level="county")
    e.town = unit_create(actor=root, node=world.institute, name="茅坪镇政府", unit_type="unit", level="county")
    e.education = unit_create(actor=root, node=world.county, name="县教育局", unit_type="unit", level="county")
    duties.duty_save(actor=world.office, campaign=c, indicator=e.hygiene, unit=e.market_bureau, head_name="张局长",
                     head_title="局长", plan="农贸市场整治方案", task_force="市场科、执法大队")
    duties.duty_save(actor=world.office, campaign=c, indicator=e.hygiene, unit=e.town, role="coop")
    duties.duty_save(actor=world.office, campaign=c, indicator=e.roads, unit=e.city_admin)
    duties.duty_save(actor=world.office, campaign=c, indicator=e.files, unit=e.market_bureau)
    duties.duty_save(actor=world.office, campaign=c, indicator=e.school, unit=e.education)
    e.site_market = duties.site_save(actor=world.office, node=world.station_a, site_type=e.market, name="九里村农贸市场",
                                     code="S-0001", lat="30.830000", lon="111.000000", radius_m=200)
    e.site_street = duties.site_save(actor=world.office, node=world.station_b, site_type=e.street, name="杨贵店老街",
                                     code="S-0002", lat="30.840000", lon="111.010000", unit=e.town)
    e.inspector = user("inspector")
    role_grant(actor=root, user=e.inspector, role=Role.INSPECTOR, node=world.county)
    e.liaison_market = user("liaison_market")
    role_grant(actor=root, user=e.liaison_market, role=Role.UNIT_LIAISON, node=world.county, unit=e.market_bureau)
    e.liaison_town = user("liaison_town")
    role_grant(actor=root, user=e.liaison_town, role=Role.UNIT_LIAISON, node=world.institute, unit=e.town)
    e.liaison_admin = user("liaison_admin")
    role_grant(actor=root, user=e.liaison_admin, role=Role.UNIT_LIAISON, node=world.county, unit=e.city_admin)
    campaigns.campaign_set_status(actor=world.office, campaign=c, status="active")
    return e


def a_round(e, *, announced=False, title="第一次暗访督查"):
    return inspections.round_plan(actor=e.inspector, campaign=e.campaign, node=e.world.county, title=title,
                                  planned_on=date(2023, 5, 10), sites=[e.site_market, e.site_street],
                                  indicators=[e.hygiene, e.roads], announced=announced)


def a_finding(e, rnd=None, *, site=None, indicator=None, deduction=None, points=None, severity=Severity.MINOR,
              now=None, **kw):
    return inspections.finding_record(
        actor=e.inspector, rnd=rnd or a_round(e), site=site or e.site_market, indicator=indicator or e.hygiene,
        deduction=deduction, description=kw.pop("description", "市场地面有积水和垃圾"), points=points,
        severity=severity, photos=kw.pop("photos", [photo()]), now=now, **kw)

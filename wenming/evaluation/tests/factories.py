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


def sibling_evaluation(world, unit_id: int, team_id: int) -> dict:
    """Evaluation objects station A's manager must never reach: a campaign of another county
    with its tree, duty, site, round, finding (with a photo), draft survey and material; and
    a member and a pairing of station B's unit (`unit_id`)."""
    from wenming.evaluation.models import UnitMember
    from wenming.evaluation.services import materials, surveys, units
    from wenming.orgs.models import Unit
    from wenming.orgs.services import node_create

    root = world.root
    other = node_create(actor=root, parent=None, name="兴山县文明办", kind="county", code="420526")
    station = node_create(actor=root, parent=other, name="古夫镇实践站", kind="station", code="XS-S1")
    c = campaigns.campaign_create(actor=root, node=other, name="兴山县2023年度测评", year=2023,
                                  starts_on=date(2023, 1, 1), ends_on=date(2023, 12, 31))
    area = campaigns.indicator_save(actor=root, campaign=c, code="1", name="生活环境", level=Level.AREA)
    ind = campaigns.indicator_save(actor=root, campaign=c, code="1.1", name="环境卫生", level=Level.INDICATOR,
                                   parent=area, points=Decimal(3), deduct_points=Decimal(1),
                                   site_types=[SiteType.objects.get(code="market")])
    mat_ind = campaigns.indicator_save(actor=root, campaign=c, code="1.2", name="制度台账", level=Level.INDICATOR,
                                       parent=area, points=Decimal(2), rule=Rule.MATERIAL)
    survey_ind = campaigns.indicator_save(actor=root, campaign=c, code="1.3", name="知晓率", level=Level.INDICATOR,
                                          parent=area, points=Decimal(2), rule=Rule.SURVEY)
    unit = unit_create(actor=root, node=other, name="兴山县市场监管局", unit_type="unit", level="county")
    duty = duties.duty_save(actor=root, campaign=c, indicator=ind, unit=unit)
    duties.duty_save(actor=root, campaign=c, indicator=mat_ind, unit=unit)
    site = duties.site_save(actor=root, node=station, site_type=SiteType.objects.get(code="market"), name="古夫市场",
                            code="XS-0001")
    campaigns.campaign_set_status(actor=root, campaign=c, status="active")
    rnd = inspections.round_plan(actor=root, campaign=c, node=other, title="暗访", planned_on=date(2023, 5, 1))
    finding = inspections.finding_record(actor=root, rnd=rnd, site=site, indicator=ind, description="积水",
                                         photos=[photo()])
    survey = surveys.survey_create(actor=root, campaign=c, node=other, title="知晓率调查")
    question = surveys.question_add(actor=root, survey=survey, indicator=survey_ind, text="您知道创建吗？",
                                    kind="awareness")
    liaison = user("xs_liaison")
    role_grant(actor=root, user=liaison, role=Role.UNIT_LIAISON, node=other, unit=unit)
    material = materials.material_submit(actor=liaison, campaign=c, indicator=mat_ind, text="台账")
    b_unit = Unit.objects.get(pk=unit_id)
    member = UnitMember.objects.create(unit=b_unit, volunteer=world.vol_b, joined_on=date(2023, 1, 1))
    pairing = units.pairing_add(actor=root, unit=b_unit, node=world.station_b, started_on=date(2023, 1, 1))
    return {"campaign_id": c.pk, "indicator_id": ind.pk, "duty_id": duty.pk, "site_id": site.pk, "round_id": rnd.pk,
            "finding_id": finding.pk, "photo_id": finding.photos.get().pk, "public_id": str(survey.public_id),
            "survey_id": survey.pk, "question_id": question.pk, "material_id": material.pk,
            "member_id": member.pk, "pairing_id": pairing.pk}


EVALUATION_BODIES = {
    ("post", "/evaluation/campaigns/{campaign_id}/status"): lambda w: {"status": "closed"},
    ("post", "/evaluation/campaigns/{campaign_id}/indicators"): lambda w: {"code": "9", "name": "x", "level": "area"},
    ("put", "/evaluation/campaigns/{campaign_id}/indicators/{indicator_id}"):
        lambda w: {"code": "9", "name": "x", "level": "area"},
    ("post", "/evaluation/campaigns/{campaign_id}/duties"): lambda w: {"indicator_id": 1, "unit_id": 1},
    ("post", "/evaluation/sites/{site_id}/duties"): lambda w: {"campaign_id": 1, "indicator_id": 1},
    ("post", "/evaluation/campaigns/{campaign_id}/rounds"):
        lambda w: {"node_id": w.station_a.pk, "title": "x", "planned_on": "2023-05-01"},
    ("post", "/evaluation/campaigns/{campaign_id}/accountability"):
        lambda w: {"unit_id": 1, "kind": "remind", "reason": "x"},
    ("post", "/evaluation/campaigns/{campaign_id}/copy"):
        lambda w: {"name": "x", "year": 2024, "starts_on": "2024-01-01", "ends_on": "2024-12-31"},
    ("post", "/evaluation/public/surveys/{public_id}/code"): lambda w: {"phone": "13800000000"},
    ("post", "/evaluation/public/surveys/{public_id}/answers"):
        lambda w: {"phone": "13800000000", "code": "123456", "answers": {}},
    ("post", "/evaluation/campaigns/{campaign_id}/surveys"): lambda w: {"title": "x", "node_id": w.station_a.pk},
    ("patch", "/evaluation/surveys/{survey_id}"): lambda w: {"title": "x"},
    ("post", "/evaluation/surveys/{survey_id}/questions"):
        lambda w: {"indicator_id": 1, "kind": "awareness", "text": "x"},
    ("post", "/evaluation/materials/{material_id}/review"): lambda w: {"score": 1},
    ("post", "/evaluation/materials/{material_id}/return"): lambda w: {"note": "x"},
    ("post", "/evaluation/units/{unit_id}/teams"): lambda w: {"team_id": 1},
    ("post", "/evaluation/units/{unit_id}/pairings"): lambda w: {"node_id": w.station_a.pk},
    ("post", "/evaluation/units/{unit_id}/call-answers"): lambda w: {"call_id": 1, "team_id": 1, "headcount": 1},
}

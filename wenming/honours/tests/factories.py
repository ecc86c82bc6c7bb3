"""A small city for the honours tests: 宜昌市 → two counties (秭归, 兴山) → a station each,
an office at the city and at each county, reviewers, a unit with a liaison, volunteers,
and a 身边好人 campaign run by the city."""

from datetime import date, timedelta
from types import SimpleNamespace

from django.utils import timezone

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.testing import make_id_number
from wenming.honours.models import HonourCategory
from wenming.honours.services import campaigns
from wenming.orgs.services import unit_create
from wenming.volunteers.tests.factories import node, superuser, user, volunteer


def build_city() -> SimpleNamespace:
    root = superuser()
    c = SimpleNamespace(root=root)
    c.city = node(root, None, "宜昌市文明办", "city", code="420500")
    c.county = node(root, c.city, "秭归县文明办", "county", code="420527")
    c.station = node(root, c.county, "九里村新时代文明实践站", "station", code="ZG-S1")
    c.other_county = node(root, c.city, "兴山县文明办", "county", code="420526")
    c.other_station = node(root, c.other_county, "古夫镇新时代文明实践站", "station", code="XS-S1")
    c.office = user("city_office")
    role_grant(actor=root, user=c.office, role=Role.OFFICE_STAFF, node=c.city)
    c.county_office = user("zg_office")
    role_grant(actor=root, user=c.county_office, role=Role.OFFICE_STAFF, node=c.county)
    c.other_office = user("xs_office")
    role_grant(actor=root, user=c.other_office, role=Role.OFFICE_STAFF, node=c.other_county)
    c.manager = user("zg_manager")
    role_grant(actor=root, user=c.manager, role=Role.NODE_MANAGER, node=c.station)
    c.hospital = unit_create(actor=root, node=c.county, name="秭归县人民医院", unit_type="unit", level="county")
    c.liaison = user("hospital_liaison")
    role_grant(actor=root, user=c.liaison, role=Role.UNIT_LIAISON, node=c.county, unit=c.hospital)
    c.reviewer = user("zg_reviewer")  # a county reviewer who works at the hospital
    role_grant(actor=root, user=c.reviewer, role=Role.HONOUR_REVIEWER, node=c.county, unit=c.hospital)
    c.reviewer2 = user("zg_reviewer2")
    role_grant(actor=root, user=c.reviewer2, role=Role.HONOUR_REVIEWER, node=c.county)
    c.city_reviewer = user("city_reviewer")
    role_grant(actor=root, user=c.city_reviewer, role=Role.HONOUR_REVIEWER, node=c.city)
    c.nurse = volunteer(root, c.station, name="刘护士", male=False, phone="13900000011")
    c.farmer = volunteer(root, c.station, name="张大叔", phone="13900000012")
    c.far = volunteer(root, c.other_station, name="陈老师", male=False, phone="13900000013")
    c.category = HonourCategory.objects.get(code="good_people")
    today = timezone.localdate()
    c.campaign = campaigns.campaign_create(
        actor=c.office, node=c.city, category=c.category, name="2020年度宜昌好人评选", year=2020,
        nominate_from=today - timedelta(days=1), nominate_until=today + timedelta(days=30), places=2,
        vote_until=timezone.now() + timedelta(days=7), self_nomination=True, recommenders_required=2)
    campaigns.criterion_add(actor=c.office, campaign=c.campaign, name="事迹突出", points=60)
    campaigns.criterion_add(actor=c.office, campaign=c.campaign, name="群众认可", points=40)
    campaigns.stage_advance(actor=c.office, campaign=c.campaign, to="nominating")
    return c


def resident_id(n: int = 1) -> str:
    return make_id_number(date(1960 + n, 3, 8), male=n % 2 == 1)


def story(**extra) -> dict:
    return {"title": "抗疫一线的守护者", "story": "疫情期间连续值守卡点六十天，为村民代购药品和生活物资三百余次。",
            **extra}

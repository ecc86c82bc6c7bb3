"""The public map of nearby activities and stations: public rows only (recruiting projects,
open and non-archived practice places; no grids, drafts, finished projects, archived or
closed places), nearest first from the browser's position, the visitor's home node or the
county, and nothing personal on it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.orgs.models import Node, NodeStatus
from wenming.service.models import ProjectCategory
from wenming.service.nearby import selectors
from wenming.service.project_services import project_create, project_finish, shift_add
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers.tests.factories import user

pytestmark = pytest.mark.django_db

SPOTS = {  # node attribute of the world → (lat, lon)
    "county": ("30.830000", "110.980000"), "center": ("30.831000", "110.981000"),
    "institute": ("30.840000", "110.960000"), "station_a": ("30.823000", "110.977000"),
    "station_b": ("30.850000", "110.990000"), "point_a": ("30.824000", "110.978000"),
    "grid_a": ("30.823000", "110.977000"),
}


@pytest.fixture
def w(world):
    for name, (lat, lon) in SPOTS.items():
        Node.objects.filter(pk=getattr(world, name).pk).update(lat=lat, lon=lon)
    Node.objects.filter(pk=world.station_a.pk).update(contact_name="赵六", contact_phone="13712345678",
                                                      address="九里村村委会")
    Node.objects.filter(pk=world.institute.pk).update(status=NodeStatus.CLOSED)  # 暂停开放: not on the map
    for name in SPOTS:
        getattr(world, name).refresh_from_db()
    world.near = recruiting_shift(world, lat="30.823000", lon="110.977000", address="九里村文化广场").project
    world.near.title = "九里村文明劝导"
    world.near.save(update_fields=["title"])
    category = ProjectCategory.objects.get(code="elderly_disabled")
    far = project_create(actor=world.root, node=world.station_b, title="杨贵店探访老人", category=category)
    start = timezone.now() + timedelta(days=3)
    shift_add(actor=world.root, project=far, title="下午岗", starts_at=start, ends_at=start + timedelta(hours=2),
              capacity=5)
    from wenming.service.project_services import project_open_recruiting, project_publish

    project_publish(actor=world.root, project=far)
    project_open_recruiting(actor=world.root, project=far)
    world.far = far  # no coordinates of its own: placed at station B
    world.draft = project_create(actor=world.root, node=world.station_a, title="草稿不上图", category=category,
                                 lat="30.823100", lon="110.977100")
    done = recruiting_shift(world, lat="30.823200", lon="110.977200").project
    done.title = "已结束不上图"
    done.save(update_fields=["title"])
    project_finish(actor=world.root, project=done)
    return world


def names(listed):
    return [p.name for p in listed]


def test_only_public_rows_nearest_first_from_a_position(w):
    center = selectors.map_center(user=None, position=(30.823, 110.977))
    found = selectors.map_places(center, 10)
    listed, others = found.listed, found.others
    assert (found.projects_total, found.nodes_total) == (2, 4)
    assert names(listed) == ["九里村文明劝导", "九里村新时代文明实践站", "九里村一组实践点",
                             "秭归县新时代文明实践中心", "杨贵店探访老人", "杨贵店村新时代文明实践站"]
    assert [p.number for p in listed] == [1, 2, 3, 4, 5, 6]
    assert [round(p.distance_km, 1) for p in listed] == [0.0, 0.0, 0.1, 1.0, 3.2, 3.2]
    assert all(a.distance_km <= b.distance_km for a, b in zip(listed, listed[1:], strict=False))
    far = listed[4]
    assert far.kind == "project" and far.estimated and far.next_shift.title == "下午岗"
    assert listed[0].next_shift.title == "上午岗" and not listed[0].estimated
    # not on the map: the grid, the closed institute, offices, the draft and the finished project
    assert not {"九里村第一网格", "茅坪镇新时代文明实践所", "秭归县文明办", "草稿不上图", "已结束不上图"} & set(names(listed + others))
    # a radius of 1 km keeps what is within it; the others are only dots inside the square
    listed = selectors.map_places(center, 1).listed
    assert names(listed) == ["九里村文明劝导", "九里村新时代文明实践站", "九里村一组实践点", "秭归县新时代文明实践中心"]
    assert names(selectors.map_places(center, 10, show="projects").listed) == ["九里村文明劝导", "杨贵店探访老人"]
    Node.objects.filter(pk=w.station_b.pk).update(archived_at=timezone.now())
    assert "杨贵店探访老人" not in names(selectors.map_places(center, 10).listed)  # its node archived


def test_the_page_is_public_and_carries_nothing_personal(w):
    res = Client().get(reverse("nearby:map"), {"lat": "30.8231", "lon": "110.9771", "r": "10"})
    page = res.content.decode()
    assert res.status_code == 200 and res["Cache-Control"].startswith("max-age=0")
    assert "以<strong id=\"map-center\">您的位置</strong>为中心" in page and 'id="map-me"' in page
    assert page.index("九里村文明劝导") < page.index("杨贵店探访老人")
    assert reverse("service_pages:project", args=[w.near.pk]) in page
    assert reverse("nearby:place", args=[w.station_a.pk]) in page and "九里村村委会" in page
    assert "下一班次" in page and "（按发布阵地的位置标注）" in page
    for personal in ("赵六", "13712345678", "李明", "王芳", w.vol_a.phone_masked, w.vol_a.id_number_masked):
        assert personal not in page
    assert "30.8231" not in page and 'value="30.823"' in page  # the position only rounded, only in the form
    assert "<svg" in page and "https://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]  # nothing fetched
    place = Client().get(reverse("nearby:place", args=[w.station_a.pk])).content.decode()
    assert "九里村文明劝导" in place and "九里村村委会" in place and "赵六" not in place and "13712345678" not in place


def test_centre_is_the_home_node_then_the_county(w):
    w.vol_a.user = user("vol_a")
    w.vol_a.save()
    c = Client()
    c.force_login(w.vol_a.user)
    page = c.get(reverse("nearby:map")).content.decode()
    assert "以<strong id=\"map-center\">九里村新时代文明实践站</strong>为中心" in page and "这是您所属的阵地" in page
    resident = user("resident_b")
    role_grant(actor=w.root, user=resident, role=Role.RESIDENT, node=w.station_b)
    c.force_login(resident)
    assert "杨贵店村新时代文明实践站</strong>为中心" in c.get(reverse("nearby:map")).content.decode()
    page = Client().get(reverse("nearby:map")).content.decode()
    assert "以<strong id=\"map-center\">秭归县文明办</strong>为中心" in page and "10 公里范围内" in page
    assert "登录</a>后以您所属的阵地为中心" in page
    assert "秭归县文明办</strong>为中心" in c.get(reverse("nearby:map"), {"center": "county"}).content.decode()
    page = Client().get(reverse("nearby:map"), {"at": w.station_b.pk}).content.decode()
    assert "杨贵店村新时代文明实践站</strong>为中心" in page


def test_bad_input_never_breaks_the_page(w):
    for params in ({"lat": "abc", "lon": "1"}, {"lat": "NaN", "lon": "110"}, {"lat": "1e999", "lon": "110"},
                   {"lat": "91", "lon": "110"}, {"lat": "30", "lon": "9" * 5000}, {"lat": "\x00", "lon": "\x00"},
                   {"r": "9" * 30}, {"r": "-1"}, {"r": "²"}, {"show": "<script>"}, {"at": "²"}, {"at": "9" * 23},
                   {"at": str(w.grid_a.pk)}, {"center": "x" * 1000}):
        res = Client().get(reverse("nearby:map"), params)
        assert res.status_code == 200, params
        assert "秭归县文明办</strong>为中心" in res.content.decode(), params  # fell back to the county
    far_away = Client().get(reverse("nearby:map"), {"lat": "39.9", "lon": "116.4"}).content.decode()
    assert "范围内暂无招募中的活动和实践阵地" in far_away and "扩大范围" in far_away and "以县城为中心" in far_away
    for bad in ("abc", "²", "9" * 23, str(w.grid_a.pk), str(w.institute.pk), str(w.county.pk)):
        assert Client().get(f"/map/places/{bad}/").status_code == 404, bad


def test_no_coordinates_anywhere_still_leads_somewhere(world):
    page = Client().get(reverse("nearby:map")).content.decode()
    assert "暂无标注了位置的阵地" in page and reverse("service_pages:projects") in page


def test_the_projects_list_links_to_the_map(w):
    assert reverse("nearby:map") in Client().get(reverse("service_pages:projects")).content.decode()


def test_activities_are_listed_even_among_many_places(w, monkeypatch):
    monkeypatch.setattr(selectors, "LIST_LIMIT", 3)
    monkeypatch.setattr(selectors, "PROJECT_LIMIT", 2)
    center = selectors.map_center(user=None, position=(30.823, 110.977))
    found = selectors.map_places(center, 10)
    assert names(found.listed) == ["九里村文明劝导", "九里村新时代文明实践站", "杨贵店探访老人"]
    assert (found.projects_total, found.nodes_total) == (2, 4) and len(found.others) == 3
    page = Client().get(reverse("nearby:map"), {"lat": "30.823", "lon": "110.977", "r": "10"}).content.decode()
    assert "招募中的活动 <strong>2</strong> 个，实践阵地 <strong>4</strong> 处（下面列出最近的 3 处）" in page

"""第1网格 … 第10网格 in that order wherever grids, their teams and a node's children are listed
by name, whatever order they were created in (issue 15 item 9)."""

import pytest
from django.test import Client
from django.urls import reverse

from wenming.core.pagination import paginate
from wenming.core.sorting import chinese_number, natural_key, natural_page, natural_sorted
from wenming.grids import page_selectors, selectors
from wenming.grids.tests.factories import grid, team
from wenming.orgs.models import Node
from wenming.orgs.services import node_create

pytestmark = pytest.mark.django_db

# Created in the order a spreadsheet sorted as text would give.
TEXT_ORDER = [1, 10, 11, 12, 2, 3, 4, 5, 6, 7, 8, 9]


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def test_natural_key_orders_numbers_by_value():
    names = [f"九里村第{n}网格" for n in TEXT_ORDER] + ["九里村第十一网格", "九里村第二十网格"]
    assert natural_sorted(names) == [f"九里村第{n}网格" for n in range(1, 13)][:10] + [
        "九里村第11网格", "九里村第十一网格", "九里村第12网格", "九里村第二十网格"]
    assert natural_sorted(["十二组", "二组", "一组", "三峡村", "九里村"]) == ["一组", "二组", "十二组", "三峡村", "九里村"]
    assert [chinese_number(t) for t in ("十", "十二", "二十", "一百零五", "三五")] == [10, 12, 20, 105, 35]
    assert natural_key("") < natural_key("a")  # comparable with anything, never a TypeError


def test_grid_list_of_a_station_is_in_natural_order(world):
    for n in TEXT_ORDER:
        grid(world, name=f"九里村第{n}网格")
    res = login(world.manager_a).get(reverse("grids:index"), {"node": world.station_a.pk})
    assert res.status_code == 200
    page = res.content.decode()
    positions = [page.index(f"九里村第{n}网格<") if f"九里村第{n}网格<" in page else page.index(f"九里村第{n}网格")
                 for n in range(1, 13)]
    assert positions == sorted(positions)


def test_natural_page_pages_through_the_whole_list_in_order(world):
    for n in TEXT_ORDER:
        grid(world, name=f"九里村第{n}网格")
    grid(world, parent=world.station_b, name="杨贵店村第1网格")
    qs = selectors.grid_list_for_actor(actor=world.office, node_id=world.institute.pk).exclude(pk=world.grid_a.pk)
    first = natural_page(qs, 1, 5, group="parent__path")
    second = natural_page(qs, 2, 5, group="parent__path")
    third = natural_page(qs, "x", 5, group="parent__path")  # junk page number: the first page
    assert first.count == 13 and first.pages == 3
    assert [g.name for g in first.items] == [f"九里村第{n}网格" for n in range(1, 6)]
    assert [g.name for g in second.items] == [f"九里村第{n}网格" for n in range(6, 11)]
    assert [g.name for g in third.items] == [g.name for g in first.items]
    last = natural_page(qs, 99, 5, group="parent__path")
    assert [g.name for g in last.items] == ["九里村第11网格", "九里村第12网格", "杨贵店村第1网格"]
    # The database's own order (by path, i.e. creation) is what it was before.
    assert [g.name for g in paginate(qs, 1, 5).items][:2] == ["九里村第1网格", "九里村第10网格"]


def test_claimable_teams_and_children_are_in_natural_order(world):
    for n in TEXT_ORDER:
        team(world, name=f"第{n}网格志愿服务队")
    g = grid(world, name="九里村第1网格")
    names = [t.name for t in page_selectors.claim_teams_for(actor=world.manager_a, grid=g)
             if t.name.endswith("网格志愿服务队")]
    assert names == [f"第{n}网格志愿服务队" for n in range(1, 13)]
    for n in (10, 2, 1):
        node_create(actor=world.root, parent=world.station_a, name=f"九里村{n}组实践点", kind="point")
    children = [n.name for n, _ in selectors.coverage_children_for_actor(actor=world.manager_a, node=world.station_a)
                if n.name.endswith("组实践点") and n.name[3].isdigit()]
    assert children == ["九里村1组实践点", "九里村2组实践点", "九里村10组实践点"]
    assert Node.objects.filter(name__startswith="九里村", kind="point").count() >= 3

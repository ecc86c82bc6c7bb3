"""Home page, role-based navigation and the shared error pages."""

import re

import pytest
from django.urls import reverse

PASSWORD = "Wenming!2024"


def html(response) -> str:
    return response.content.decode()


def link(name: str) -> str:
    return f'href="{reverse(name)}"'


@pytest.mark.django_db
def test_anonymous_home_is_the_public_portal(client):
    r = client.get(reverse("home"))
    assert r.status_code == 200
    page = html(r)
    assert link("volunteers:register") in page and link("accounts:login") in page
    assert "志愿者注册" in page
    assert link("volunteers:list") not in page and link("orgs:tree") not in page


@pytest.mark.django_db
def test_staff_home_lists_what_their_roles_allow(client, world):
    client.force_login(world.manager_a)
    page = html(client.get(reverse("home")))
    for name in ("orgs:tree", "orgs:units", "volunteers:list", "volunteers:teams", "volunteers:create"):
        assert link(name) in page, name
    assert "阵地管理员" in page and world.station_a.name in page
    assert link("admin:index") not in page and link("volunteers:register") not in page


@pytest.mark.django_db
def test_team_leader_gets_teams_and_volunteers_but_not_nodes(client, world):
    client.force_login(world.leader)
    page = html(client.get(reverse("home")))
    assert link("volunteers:teams") in page and link("volunteers:list") in page
    assert link("orgs:tree") not in page and link("volunteers:create") not in page


@pytest.mark.django_db
def test_staff_pages_need_login(client, world):
    for url in (reverse("orgs:tree"), reverse("volunteers:list"), reverse("volunteers:teams"),
                reverse("volunteers:detail", args=[world.vol_a.pk]), reverse("volunteers:me")):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith(reverse("accounts:login")), url


@pytest.mark.django_db
def test_pages_outside_a_role_answer_403_in_chinese(client, world):
    from wenming.volunteers.tests.factories import user

    nobody = user("nobody")
    client.force_login(nobody)
    r = client.get(reverse("orgs:tree"))
    assert r.status_code == 403 and "没有执行此操作的权限" in html(r)
    page = html(client.get(reverse("home")))
    assert "暂未分配角色" in page


@pytest.mark.django_db
def test_out_of_scope_and_missing_look_the_same(client, world):
    client.force_login(world.manager_a)
    hidden = client.get(reverse("volunteers:detail", args=[world.vol_b.pk]))
    missing = client.get(reverse("volunteers:detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404
    assert "未找到该对象或无权访问" in html(hidden)
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", html(hidden)) == strip.sub("", html(missing))

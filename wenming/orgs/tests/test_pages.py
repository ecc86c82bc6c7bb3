"""The organisation pages: scoped tree, breadcrumbs, node create/edit/move/archive, units."""

import pytest
from django.urls import reverse

from wenming.core.models import AuditEntry
from wenming.orgs.models import Node, Unit

PASSWORD = "Wenming!2024"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def html(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_tree_shows_the_scope_roots_and_drills_down(client, world):
    login(client, world.office)
    page = html(client.get(reverse("orgs:tree")))
    assert world.county.name in page and world.center.name in page   # root and its next level
    assert world.station_a.name not in page                          # deeper levels: by clicking
    page = html(client.get(reverse("orgs:node", args=[world.institute.pk])))
    assert world.station_a.name in page and world.station_b.name in page
    assert reverse("orgs:node", args=[world.center.pk]) in page       # breadcrumb up


@pytest.mark.django_db
def test_manager_sees_only_their_station(client, world):
    login(client, world.manager_a)
    page = html(client.get(reverse("orgs:tree")))
    assert world.station_a.name in page and world.station_b.name not in page
    for node in (world.station_b, world.institute, world.county):
        r = client.get(reverse("orgs:node", args=[node.pk]))
        assert r.status_code == 404
        assert node.name not in html(r)
    for name in ("orgs:node_edit", "orgs:node_move", "orgs:node_create", "orgs:unit_create"):
        assert client.get(reverse(name, args=[world.station_b.pk])).status_code == 404
    assert client.post(reverse("orgs:node_archive", args=[world.station_b.pk])).status_code == 404
    assert Node.objects.get(pk=world.station_b.pk).archived_at is None
    # Breadcrumbs stop at the top of the manager's scope.
    page = html(client.get(reverse("orgs:node", args=[world.point_a.pk])))
    assert reverse("orgs:node", args=[world.station_a.pk]) in page
    assert world.institute.name not in page


@pytest.mark.django_db
def test_create_child_node_through_the_page(client, world):
    login(client, world.manager_a)
    url = reverse("orgs:node_create", args=[world.station_a.pk])
    r = client.post(url, {"name": "九里村二组实践点", "kind": "point", "code": "ZG-P2", "status": "open",
                          "admin_code": "", "address": "九里村二组"})
    assert r.status_code == 302
    node = Node.objects.get(code="ZG-P2")
    assert node.parent == world.station_a and node.path.startswith(world.station_a.path)
    assert AuditEntry.objects.filter(action="node.create", actor=world.manager_a, object_id=str(node.pk)).exists()
    # A kind that cannot sit under a station is not offered, and a bad code is shown at its field.
    page = html(client.get(url))
    assert 'value="institute"' not in page and 'value="point"' in page
    r = client.post(url, {"name": "三组", "kind": "point", "code": "ZG-P2", "status": "open"})
    assert r.status_code == 422 and "阵地编码“ZG-P2”已被使用" in html(r)
    r = client.post(url, {"name": "四组", "kind": "point", "admin_code": "123", "status": "open"})
    assert r.status_code == 422 and "行政区划代码应为 12 位数字" in html(r)


@pytest.mark.django_db
def test_edit_node_through_the_page(client, world):
    login(client, world.manager_a)
    url = reverse("orgs:node_edit", args=[world.point_a.pk])
    page = html(client.get(url))
    assert 'value="ZG-P1"' in page
    r = client.post(url, {"name": "九里村一组新时代文明实践点", "kind": "point", "code": "ZG-P1",
                          "status": "building", "contact_name": "王五"})
    assert r.status_code == 302
    world.point_a.refresh_from_db()
    assert world.point_a.name == "九里村一组新时代文明实践点" and world.point_a.status == "building"


@pytest.mark.django_db
def test_move_subtree_by_parent_code(client, world):
    login(client, world.office)
    r = client.post(reverse("orgs:node_move", args=[world.point_a.pk]), {"parent_code": "ZG-S2"})
    assert r.status_code == 302
    world.point_a.refresh_from_db()
    assert world.point_a.parent_id == world.station_b.pk
    assert world.point_a.path.startswith(world.station_b.path)
    assert AuditEntry.objects.filter(action="node.move", object_id=str(world.point_a.pk)).exists()
    # Into its own subtree: refused at the field.
    r = client.post(reverse("orgs:node_move", args=[world.institute.pk]), {"parent_code": "ZG-S1"})
    assert r.status_code == 422 and "不能把阵地移动到它自己或它的下级之下" in html(r)


@pytest.mark.django_db
def test_manager_cannot_move_into_another_station(client, world):
    login(client, world.manager_a)
    r = client.post(reverse("orgs:node_move", args=[world.point_a.pk]), {"parent_code": "ZG-S2"})
    assert r.status_code == 422 and "不在您的管理范围内" in html(r)
    world.point_a.refresh_from_db()
    assert world.point_a.parent_id == world.station_a.pk


@pytest.mark.django_db
def test_archive_and_restore_a_subtree(client, world):
    login(client, world.manager_a)
    r = client.post(reverse("orgs:node_archive", args=[world.station_a.pk]))
    assert r.status_code == 302
    assert Node.objects.filter(path__startswith=world.station_a.path, archived_at__isnull=False).count() == 3
    page = html(client.get(reverse("orgs:node", args=[world.station_a.pk])))
    assert "已归档" in page and reverse("orgs:node_restore", args=[world.station_a.pk]) in page
    assert client.get(reverse("orgs:node_archive", args=[world.station_a.pk])).status_code == 405
    r = client.post(reverse("orgs:node_restore", args=[world.station_a.pk]))
    assert r.status_code == 302
    assert not Node.objects.filter(path__startswith=world.station_a.path, archived_at__isnull=False).exists()


@pytest.mark.django_db
def test_units_create_edit_and_list(client, world):
    login(client, world.manager_a)
    r = client.post(reverse("orgs:unit_create", args=[world.station_a.pk]), {
        "name": "九里村村委会", "unit_type": "village", "level": "county", "awarded_year": "2022"})
    assert r.status_code == 302
    unit = Unit.objects.get(name="九里村村委会")
    assert unit.node == world.station_a and unit.awarded_year == 2022
    assert "九里村村委会" in html(client.get(reverse("orgs:node", args=[world.station_a.pk])))

    r = client.post(reverse("orgs:unit_edit", args=[unit.pk]), {
        "name": "九里村村民委员会", "unit_type": "village", "level": "city", "awarded_year": "2023"})
    assert r.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "九里村村民委员会" and unit.level == "city"
    r = client.post(reverse("orgs:unit_create", args=[world.station_a.pk]), {
        "name": "九里村村民委员会", "unit_type": "village", "level": "county"})
    assert r.status_code == 422 and "该阵地下已有同名单位" in html(r)

    # Listed for the manager, invisible to the other station's manager.
    assert "九里村村民委员会" in html(client.get(reverse("orgs:units"), {"level": "city"}))
    client.logout()
    login(client, world.manager_b)
    assert "九里村村民委员会" not in html(client.get(reverse("orgs:units")))
    assert client.get(reverse("orgs:unit_edit", args=[unit.pk])).status_code == 404


@pytest.mark.django_db
def test_inspector_like_roles_without_edit_get_403_on_forms(client, world):
    from wenming.accounts.roles import Role
    from wenming.accounts.services import role_grant
    from wenming.volunteers.tests.factories import user

    inspector = user("inspector")
    role_grant(actor=world.root, user=inspector, role=Role.INSPECTOR, node=world.institute)
    login(client, inspector)
    assert client.get(reverse("orgs:node", args=[world.station_a.pk])).status_code == 200
    r = client.get(reverse("orgs:node_edit", args=[world.station_a.pk]))
    assert r.status_code == 403 and "没有执行此操作的权限" in html(r)


@pytest.mark.django_db
def test_node_tree_import_page(client, world, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["阵地编码", "名称", "类型", "上级编码"])
    wb.active.append(["ZG-P9", "九里村九组实践点", "点", "ZG-S1"])
    wb.active.append(["ZG-P8", "越权点", "点", "ZG-S2"])
    path = tmp_path / "nodes.xlsx"
    wb.save(path)
    client.force_login(world.manager_a)
    assert "从 Excel 导入" in client.get(reverse("orgs:tree")).content.decode()
    with path.open("rb") as fh:
        res = client.post(reverse("orgs:import"), {"file": fh})
    page = res.content.decode()
    assert res.status_code == 200 and "新增 1 个" in page and "上级编码“ZG-S2”不存在" in page
    assert Node.objects.get(code="ZG-P9").parent_id == world.station_a.pk
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with bad.open("rb") as fh:
        res = client.post(reverse("orgs:import"), {"file": fh})
    assert res.status_code == 422 and "表格格式不正确" in res.content.decode()
    client.force_login(world.leader)
    assert client.get(reverse("orgs:import")).status_code == 403

import pytest
from openpyxl import Workbook

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.orgs.importing import import_nodes
from wenming.orgs.models import Node
from wenming.orgs.selectors import node_get_for_actor, node_list_for_actor
from wenming.orgs.services import node_archive, node_create, node_move, node_restore, node_update

pytestmark = pytest.mark.django_db


def test_paths_make_subtrees_prefixes(world):
    assert world.station_a.path.startswith(world.institute.path)
    assert world.station_a.depth == world.institute.depth + 1
    under = set(Node.objects.filter(path__startswith=world.institute.path).values_list("pk", flat=True))
    assert {world.institute.pk, world.station_a.pk, world.station_b.pk, world.point_a.pk} <= under
    assert world.center.pk not in under


def test_child_kind_must_rank_below_parent(world):
    with pytest.raises(DomainError) as exc:
        node_create(actor=world.root, parent=world.station_a, name="错误的所", kind="institute")
    assert exc.value.code == "orgs.kind_not_allowed"


def test_move_rewrites_the_whole_subtree_and_keeps_scope(world):
    new_institute = node_create(actor=world.root, parent=world.center, name="归州镇新时代文明实践所", kind="institute")
    moved = node_move(actor=world.root, node=world.station_a, new_parent=new_institute)
    point = Node.objects.get(pk=world.point_a.pk)
    assert moved.parent_id == new_institute.pk
    assert moved.path.startswith(new_institute.path) and point.path.startswith(moved.path)
    assert point.depth == moved.depth + 1
    # manager_a's scope follows the node: still sees the point, and the volunteer
    assert node_get_for_actor(actor=world.manager_a, node_id=point.pk) == point
    assert AuditEntry.objects.filter(action="node.move", object_id=str(moved.pk)).exists()


def test_move_into_own_subtree_is_refused(world):
    with pytest.raises(DomainError) as exc:
        node_move(actor=world.root, node=world.institute, new_parent=world.station_a)
    assert exc.value.code == "orgs.move_into_self"


def test_manager_cannot_move_their_station_out(world):
    with pytest.raises(DomainError) as exc:
        node_move(actor=world.manager_a, node=world.point_a, new_parent=world.station_b)
    assert exc.value.code == "not_found"


def test_archive_hides_subtree_but_keeps_rows_and_restores(world):
    count = node_archive(actor=world.root, node=world.station_a)
    assert count == 3  # station, point, grid
    visible = node_list_for_actor(actor=world.office)
    assert not visible.filter(pk=world.point_a.pk).exists()
    assert node_list_for_actor(actor=world.office, include_archived=True).filter(pk=world.point_a.pk).exists()
    world.vol_a.refresh_from_db()
    assert world.vol_a.home_node_id == world.station_a.pk
    with pytest.raises(DomainError):
        node_create(actor=world.root, parent=world.station_a, name="新点", kind="point")
    assert node_restore(actor=world.root, node=world.station_a) == 3
    assert node_list_for_actor(actor=world.office).filter(pk=world.point_a.pk).exists()


def test_update_validates_admin_code_and_audits_changes(world):
    with pytest.raises(DomainError) as exc:
        node_update(actor=world.root, node=world.station_a, admin_code="12345")
    assert exc.value.code == "orgs.bad_admin_code"
    node_update(actor=world.manager_a, node=world.station_a, address="九里村委会", admin_code="420527100201")
    entry = AuditEntry.objects.filter(action="node.update").latest("id")
    assert entry.changes["address"] == ["", "九里村委会"]


def _sheet(tmp_path, rows, header=("阵地编码*", "名称*", "类型*", "上级编码", "地址", "经度", "纬度")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    path = tmp_path / "nodes.xlsx"
    wb.save(path)
    return path


def test_import_node_tree_in_any_order_and_rerun_changes_nothing(world, tmp_path):
    path = _sheet(tmp_path, [
        ("QY-S1", "屈原村实践站", "站", "QY-I", "屈原镇屈原村", "110.9", "30.8"),
        ("QY-I", "屈原镇新时代文明实践所", "所", "ZG-C", "", "", ""),
        ("QY-P1", "屈原村一组实践点", "实践点", "QY-S1", "", "", ""),
        ("QY-X", "坏类型", "中心X", "QY-I", "", "", ""),
        ("QY-P2", "孤儿点", "点", "NOPE", "", "", ""),
        ("QY-P3", "子点", "点", "QY-X", "", "", ""),
        ("QY-P1", "重复", "点", "QY-S1", "", "", ""),
        ("QY-Y", "坐标错", "点", "QY-S1", "", "200", "30"),
    ])
    result = import_nodes(actor=world.root, path=path)
    assert result.created == 3
    reasons = dict(result.errors)
    assert "类型“中心X”无效" in reasons[5]
    assert "NOPE" in reasons[6]
    assert "QY-X" in reasons[7]
    assert "重复" in reasons[8]
    assert "经纬度" in reasons[9]
    station = Node.objects.get(code="QY-S1")
    assert station.parent.code == "QY-I" and station.kind == "station"
    assert Node.objects.get(code="QY-P1").path.startswith(station.path)
    again = import_nodes(actor=world.root, path=path)
    assert (again.created, again.updated) == (0, 0)


def test_import_refuses_wrong_layout(world, tmp_path):
    path = _sheet(tmp_path, [("x", "y")], header=("编号", "名字"))
    with pytest.raises(DomainError) as exc:
        import_nodes(actor=world.root, path=path)
    assert exc.value.code == "orgs.import_layout"
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(DomainError):
        import_nodes(actor=world.root, path=bad)


def test_import_respects_scope(world, tmp_path):
    path = _sheet(tmp_path, [("B-P9", "越权点", "点", "ZG-S2", "", "", "")])
    result = import_nodes(actor=world.manager_a, path=path)
    assert result.created == 0 and result.errors[0][1] == "上级编码“ZG-S2”不存在"


def test_child_created_through_a_stale_parent_lands_under_its_current_path(world):
    stale = Node.objects.get(pk=world.station_a.pk)
    other = node_create(actor=world.root, parent=world.center, name="归州镇新时代文明实践所", kind="institute")
    node_move(actor=world.root, node=world.station_a, new_parent=other)
    child = node_create(actor=world.root, parent=stale, name="新点", kind="point")
    moved = Node.objects.get(pk=world.station_a.pk)
    assert child.path.startswith(moved.path) and child.depth == moved.depth + 1


def test_moving_a_stale_node_rewrites_its_current_subtree(world):
    stale_station = Node.objects.get(pk=world.station_a.pk)
    other = node_create(actor=world.root, parent=world.center, name="归州镇新时代文明实践所", kind="institute")
    node_move(actor=world.root, node=world.station_b, new_parent=other)  # unrelated move first
    moved = node_move(actor=world.root, node=stale_station, new_parent=other)
    assert Node.objects.get(pk=world.point_a.pk).path.startswith(moved.path)


def test_import_row_with_update_and_bad_move_writes_nothing(world, tmp_path):
    path = _sheet(tmp_path, [("ZG-P1", "改名了", "点", "ZG-G1", "", "", "")])  # a point cannot sit under a grid
    result = import_nodes(actor=world.root, path=path)
    assert result.errors and result.updated == 0
    assert Node.objects.get(code="ZG-P1").name == "九里村一组实践点"


def test_import_of_an_out_of_scope_code_reveals_nothing(world, tmp_path):
    answers = set()
    for name in (world.station_b.name, "别的名字"):  # its true name, and a guess
        path = _sheet(tmp_path, [("ZG-S2", name, "站", "ZG-S1", "", "", "")])
        answers.add(tuple(import_nodes(actor=world.manager_a, path=path).errors))
    assert len(answers) == 1
    assert next(iter(answers))[0][1] == "阵地编码“ZG-S2”已被使用"

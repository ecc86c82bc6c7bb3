import pytest
from openpyxl import Workbook

from wenming.cli import main
from wenming.core.tests.api_client import ApiClient
from wenming.service.models import Project, Shift

pytestmark = pytest.mark.django_db
HEADER = ["项目名称*", "类别*", "发布阵地编码*", "岗位名称*", "开始时间*", "结束时间*", "名额*", "所需技能", "纬度", "经度"]


def _sheet(tmp_path, rows):
    wb = Workbook()
    wb.active.append(HEADER)
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "projects.xlsx"
    wb.save(path)
    return path


def test_publish_many_projects_from_excel_good_rows_land(world, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    path = _sheet(tmp_path, [
        ["卡口值守", "秩序维护", "ZG-S1", "早班", "2030-02-01 08:00", "2030-02-01 12:00", 5, "", "30.8", "110.9"],
        ["卡口值守", "秩序维护", "ZG-S1", "晚班", "2030-02-01 18:00", "2030-02-01 22:00", 5, "", "30.8", "110.9"],
        ["物资配送", "物资配送", "ZG-S1", "配送", "2030-02-02 09:00", "2030-02-02 11:00", 3, "驾驶", "", ""],
        ["错类别", "不存在", "ZG-S1", "岗", "2030-02-02 09:00", "2030-02-02 11:00", 3, "", "", ""],
        ["越权", "文艺", "ZG-S2", "岗", "2030-02-02 09:00", "2030-02-02 11:00", 3, "", "", ""],
        ["反时间", "文艺", "ZG-S1", "岗", "2030-02-02 11:00", "2030-02-02 09:00", 3, "", "", ""],
        ["坏坐标", "文艺", "ZG-S1", "岗", "2030-02-02 09:00", "2030-02-02 11:00", 3, "", "300", "110"],
    ])
    assert main(["import", "projects", str(path), "--actor", "manager_a"]) == 0
    out = capsys.readouterr().out
    assert "发布项目 2 个，有误 4 处" in out
    assert "第 5 行 [service.category_unknown]" in out and "ZG-S2" in out
    duty = Project.objects.get(title="卡口值守")
    assert duty.status == "published" and Shift.objects.filter(project=duty).count() == 2
    assert [s.code for s in Project.objects.get(title="物资配送").required_skills.all()] == ["driving"]
    assert not Project.objects.filter(title__in=["错类别", "越权", "反时间", "坏坐标"]).exists()


def test_bulk_api_reports_each_bad_project_by_index(world):
    client = ApiClient("office")
    shift = {"title": "岗", "starts_at": "2030-03-01T08:00:00+08:00", "ends_at": "2030-03-01T10:00:00+08:00",
             "capacity": 4}
    body = {"projects": [
        {"node_id": world.station_a.pk, "title": f"项目{i}", "category": "arts", "shifts": [shift]} for i in range(30)
    ] + [{"node_id": world.station_a.pk, "title": "无岗位", "category": "arts", "shifts": []},
         {"node_id": 999999, "title": "无阵地", "category": "arts", "shifts": [shift]}]}
    res = client.post("/projects/bulk", body)
    assert res.status_code == 200, res.content
    data = res.json()
    assert len(data["created"]) == 30
    assert [(e["index"], e["code"]) for e in data["errors"]] == [(30, "service.no_shifts"), (31, "not_found")]
    assert Project.objects.filter(status="published").count() == 30

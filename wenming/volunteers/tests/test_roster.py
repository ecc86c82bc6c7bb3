"""Roster import/export (SPEC 4.3): real xlsx files, scoped actors, no raw ID number or phone out."""

import itertools
import logging
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from wenming.cli import main as cli
from wenming.core.crypto import mask_id_number, mask_phone
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry, Counter
from wenming.core.testing import make_id_number, with_bad_checksum, years_ago
from wenming.volunteers.models import Source, Volunteer
from wenming.volunteers.roster.columns import COLUMNS
from wenming.volunteers.roster.exporter import export_roster
from wenming.volunteers.roster.importer import import_roster
from wenming.volunteers.roster.template import build_template

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in COLUMNS]
KEYS = [c.key for c in COLUMNS]
_seq = itertools.count(1)


def new_id(age: int = 25) -> str:
    """A valid ID number no other test row uses (the world's volunteers are 30)."""
    n = next(_seq)
    return make_id_number(years_ago(age, days=20 + n), seq=n % 100, male=n % 2 == 1)


def person(name="赵敏", *, node="ZG-S1", age=25, **extra) -> dict:
    n = next(_seq)
    return {"name": name, "id_number": new_id(age), "phone": f"137{n:08d}", "home_node": node, **extra}


def write_roster(path: Path, rows: list[dict], headers=None, title="志愿者名册") -> Path:
    book = Workbook()
    ws = book.active
    ws.title = title
    ws.append(headers or HEADERS)
    for row in rows:
        ws.append([row.get(k) for k in KEYS])
    book.save(path)
    return path


def cells(path: Path) -> list[list]:
    book = load_workbook(path, read_only=True)
    out = [list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)]
    book.close()
    return out


def all_text(path: Path) -> str:
    return "\n".join(str(v) for row in cells(path) for v in row if v is not None)


def snapshot() -> tuple:
    return (Volunteer.objects.count(), AuditEntry.objects.count(),
            list(Volunteer.objects.order_by("pk").values_list("pk", "updated_at")),
            list(Counter.objects.values_list("name", "value")))


# --- good rows land, each bad one is listed -----------------------------------------------

def test_good_rows_land_and_each_bad_row_is_reported_with_its_row_and_reason(world, tmp_path):
    minor = years_ago(16, days=30)
    rows = [
        person("钱多多"),                                                                   # 2 good
        person("孙悦", skills="医疗护理、驾驶", grid="ZG-G1", lat=30.85, lon=110.98,           # 3 good
               consent_location="是", availability="工作日白天、周末节假日", address="九里村3组12号",
               is_reserve="是", political_status="中共党员", insurance_valid_until="2030-12-31"),
        person("周一", id_number=with_bad_checksum(new_id())),                            # 4 checksum
        person("吴二", phone="1234"),                                                      # 5 bad phone
        None,                                                                              # 6 duplicate of 2
        person("郑三", id_number=world.vol_b.reveal_id_number()),                         # 7 other station
        person("王小", age=12),                                                            # 8 under 14
        person("冯少", age=16),                                                            # 9 no guardian
        person("陈少", id_number=make_id_number(minor, seq=77, male=True), guardian_name="陈父",
               guardian_phone="13800001111", guardian_consent="是"),                         # 10 good minor
        person("", ),                                                                      # 11 no name
        person("褚四", phone=None),                                                        # 12 no phone
        person("卫五", node=None),                                                         # 13 no node
        person("蒋六", node="NOPE-1"),                                                     # 14 unknown node
        person("沈七", node="ZG-S2"),                                                      # 15 out of scope
        person("韩八", id_number=4.20527199501011e17),                                     # 16 ID as number
    ]
    rows[4] = dict(person("杨九"), id_number=rows[0]["id_number"])
    path = write_roster(tmp_path / "roster.xlsx", rows)
    errors_path = tmp_path / "roster.errors.xlsx"
    before = Volunteer.objects.count()

    report = import_roster(actor=world.manager_a, source=path, errors_path=errors_path)

    assert report.counts() == {"rows": 15, "created": 3, "updated": 0, "unchanged": 0, "failed": 12}
    assert Volunteer.objects.count() == before + 3
    by_row = {e.row: e for e in report.errors}
    assert {row: e.code for row, e in by_row.items()} == {
        4: "volunteer.id_checksum", 5: "volunteer.phone_invalid", 6: "volunteer.id_duplicate_in_file",
        7: "roster.id_elsewhere", 8: "volunteer.under_14", 9: "volunteer.guardian_required",
        11: "volunteer.name_required", 12: "volunteer.phone_required", 13: "volunteer.node_required",
        14: "volunteer.node_unknown", 15: "volunteer.node_unknown", 16: "roster.id_not_text",
    }
    assert by_row[6].message == "与第 2 行证件号码重复"
    assert by_row[7].message == "该证件号码已在其他阵地登记"
    assert by_row[4].column == "证件号码" and by_row[12].column == "手机号码" and by_row[14].column == "所属阵地编码"
    assert by_row[15].message == by_row[14].message.replace("NOPE-1", "ZG-S2")  # no hint that ZG-S2 exists
    assert "未满 14 周岁" in by_row[8].message and "监护人" in by_row[9].message

    raw = [r["id_number"] for r in rows if isinstance(r.get("id_number"), str)] + \
          [r["phone"] for r in rows if len(r.get("phone") or "") >= 11] + [world.vol_b.reveal_phone()]
    messages = " ".join(e.message for e in report.errors)
    assert not [value for value in raw if value in messages]

    sun = Volunteer.objects.get(name="孙悦")
    assert sun.source == Source.IMPORT and sun.home_node == world.station_a and sun.grid == world.grid_a
    assert sorted(s.code for s in sun.skills.all()) == ["driving", "medical"]
    assert sun.availability == 5 and sun.is_reserve and sun.political_status == "party_member"
    assert sun.reveal_address() == "九里村3组12号" and sun.consent_location_at is not None
    assert sun.id_number_masked == mask_id_number(rows[1]["id_number"])
    assert Volunteer.objects.get(name="陈少").guardian_consent_at is not None

    created = Volunteer.objects.filter(source=Source.IMPORT)
    assert AuditEntry.objects.filter(action="volunteer.create",
                                     object_id__in=[str(pk) for pk in created.values_list("pk", flat=True)]).count() == 3
    summary = AuditEntry.objects.get(action="volunteer.import")
    assert summary.actor == world.manager_a and summary.changes["created"] == 3 and summary.changes["failed"] == 12

    # The error workbook: the refused rows as written, with row number and reason, masked.
    book = cells(errors_path)
    assert book[0][:2] == ["行号", "错误原因"] and book[0][2:2 + len(HEADERS)] == HEADERS
    assert [r[0] for r in book[1:]] == sorted(by_row)
    assert "与第 2 行证件号码重复" in book[1 + sorted(by_row).index(6)][1]
    text = all_text(errors_path)
    assert not [value for value in raw if value in text]
    assert mask_id_number(rows[2]["id_number"]) in text and mask_phone(rows[4]["phone"]) in text


def test_an_id_number_in_the_wrong_column_is_not_echoed_back(world, tmp_path):
    number = new_id()
    row = person("钱多多", id_type=number)
    report = import_roster(actor=world.office, source=write_roster(tmp_path / "r.xlsx", [row]))
    assert report.errors[0].code == "volunteer.id_type_invalid"
    assert number not in report.errors[0].message and report.errors[0].message == "证件类型无效"


def test_import_log_holds_counts_not_personal_data(world, tmp_path, caplog):
    rows = [person("钱多多"), person("吴二", phone="139123")]
    path = write_roster(tmp_path / "r.xlsx", rows)
    with caplog.at_level(logging.DEBUG):
        import_roster(actor=world.office, source=path)
    assert "'created': 1" in caplog.text
    assert rows[0]["id_number"] not in caplog.text and "139123" not in caplog.text


# --- re-runnable --------------------------------------------------------------------------

def test_second_import_of_the_same_file_creates_and_changes_nothing(world, tmp_path):
    rows = [person("钱多多", address="九里村1组"), person("孙悦", skills="心理疏导", guardian_phone="13800002222"),
            person("李四", node="ZG-P1", lat="30.9", lon="110.9", consent_location="是")]
    path = write_roster(tmp_path / "r.xlsx", rows)
    first = import_roster(actor=world.office, source=path)
    assert first.created == 3
    volunteers, audits, stamps, counters = snapshot()

    again = import_roster(actor=world.office, source=path)

    assert again.counts() == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3, "failed": 0}
    assert snapshot()[0] == volunteers and snapshot()[2] == stamps and snapshot()[3] == counters
    assert AuditEntry.objects.count() == audits + 1  # only the import's summary row
    assert AuditEntry.objects.order_by("-pk").first().action == "volunteer.import"


def test_reimport_updates_only_the_rows_that_changed(world, tmp_path):
    rows = [person("钱多多"), person("孙悦", address="旧地址", skills="医疗护理"), person("李四", skills="驾驶")]
    import_roster(actor=world.office, source=write_roster(tmp_path / "a.xlsx", rows))
    old_phone = rows[0]["phone"]
    rows[0]["phone"] = "13912345678"
    rows[1]["address"] = "新地址"
    rows[1]["skills"] = "驾驶、手语"
    stamp = Volunteer.objects.get(name="李四").updated_at

    report = import_roster(actor=world.office, source=write_roster(tmp_path / "b.xlsx", rows))

    assert report.counts() == {"rows": 3, "created": 0, "updated": 2, "unchanged": 1, "failed": 0}
    qian = Volunteer.objects.get(name="钱多多")
    assert qian.reveal_phone() == "13912345678" and qian.phone_masked == "139****5678"
    sun = Volunteer.objects.get(name="孙悦")
    assert sun.reveal_address() == "新地址" and sorted(s.code for s in sun.skills.all()) == ["driving", "sign_language"]
    assert [s.code for s in Volunteer.objects.get(name="李四").skills.all()] == ["driving"]
    assert Volunteer.objects.get(name="李四").updated_at == stamp
    updates = AuditEntry.objects.filter(action="volunteer.update")
    assert updates.count() == 2
    assert updates.get(object_id=str(qian.pk)).changes["phone"] == "已变更"
    assert updates.get(object_id=str(sun.pk)).changes["skills"] == "已变更"
    assert qian.updated_at > stamp
    assert not [a for a in updates if old_phone in str(a.changes) or "13912345678" in str(a.changes)]


def test_an_existing_volunteer_in_scope_is_updated_by_id_number(world, tmp_path):
    vol = world.vol_a
    row = person(vol.name, id_number=vol.reveal_id_number(), phone=vol.reveal_phone(), political_status="共青团员")
    report = import_roster(actor=world.manager_a, source=write_roster(tmp_path / "r.xlsx", [row]))
    assert (report.created, report.updated) == (0, 1)
    vol.refresh_from_db()
    assert vol.political_status == "league_member" and vol.source != Source.IMPORT


def test_new_rows_are_written_exactly_as_the_registration_service_writes_them(world):
    """The importer builds new rows without model instances; they must match fill_volunteer."""
    from django.utils import timezone

    from wenming.core.crypto import blind_index, decrypt
    from wenming.volunteers.inputs import build_values, skills_index
    from wenming.volunteers.models import ID_PURPOSE
    from wenming.volunteers.roster.bulk import insert_fields
    from wenming.volunteers.roster.newrows import new_volunteer_record
    from wenming.volunteers.services import fill_volunteer

    nodes = {"ZG-S1": world.station_a, "ZG-G1": world.grid_a}
    data = person("孙悦", skills="医疗护理", grid="ZG-G1", lat="30.85", lon="110.98", consent_location="是",
                  consent_health="是", availability="应急随时", address="九里村3组", is_reserve="是",
                  insurance_valid_until="2030-01-01", age=16, guardian_name="孙父", guardian_phone="13800003333",
                  guardian_consent="是", political_status="共青团员")
    values = build_values(data, resolve_node=nodes.get, skills_by_key=skills_index())
    now = timezone.now()
    vol = Volunteer(source=Source.IMPORT, consent_terms_at=now, volunteer_no="WM0000000999",
                    registered_at=now, updated_at=now)
    fill_volunteer(vol, values, now)
    record = new_volunteer_record(values, id_hash=blind_index(values.identity.number, ID_PURPOSE),
                                  number="WM0000000999", now=now)
    for field in insert_fields(Volunteer):
        name = field.attname
        expected, got = getattr(vol, name), record[name]
        if name.endswith("_enc"):
            expected, got = decrypt(expected), decrypt(got)
        assert got == expected, name


# --- files refused as a whole -------------------------------------------------------------

@pytest.mark.parametrize("kind, code", [
    ("wrong_headers", "roster.missing_headers"),
    ("empty_sheet", "roster.empty_sheet"),
    ("not_xlsx", "roster.not_xlsx"),
    ("header_only", "roster.no_data"),
])
def test_unusable_files_are_refused_with_a_code_and_nothing_written(world, tmp_path, kind, code):
    path = tmp_path / "bad.xlsx"
    if kind == "wrong_headers":
        write_roster(path, [person()], headers=["名字", "身份证", "电话", "单位", *HEADERS[7:]])
    elif kind == "empty_sheet":
        Workbook().save(path)
    elif kind == "not_xlsx":
        path.write_text("姓名,证件号码\n张三,420527199001011234\n", encoding="utf-8")
    else:
        write_roster(path, [])
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        import_roster(actor=world.root, source=path, errors_path=tmp_path / "bad.errors.xlsx")
    assert caught.value.code == code
    assert snapshot() == before
    assert not (tmp_path / "bad.errors.xlsx").exists()
    if kind == "wrong_headers":
        assert "姓名、证件号码、手机号码、所属阵地编码" in caught.value.message


def test_an_actor_without_edit_scope_cannot_import(world, tmp_path):
    path = write_roster(tmp_path / "r.xlsx", [person()])
    with pytest.raises(DomainError) as caught:
        import_roster(actor=world.leader, source=path)
    assert caught.value.code == "roster.no_edit_scope"


def test_dry_run_checks_everything_and_writes_nothing(world, tmp_path):
    rows = [person("钱多多"), person("孙悦"), person("吴二", phone="12")]
    path = write_roster(tmp_path / "r.xlsx", rows)
    before = snapshot()
    report = import_roster(actor=world.office, source=path, dry_run=True, errors_path=tmp_path / "e.xlsx")
    assert report.counts() == {"rows": 3, "created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    assert report.dry_run and "试运行" in report.summary()
    assert snapshot() == before


def test_rows_read_in_a_child_process_give_the_same_result(world, tmp_path):
    rows = [person("钱多多"), person("孙悦", phone="1"), person("李四")]
    path = write_roster(tmp_path / "r.xlsx", rows)
    dry = import_roster(actor=world.office, source=path, dry_run=True, parallel=False)
    report = import_roster(actor=world.office, source=path, parallel=True, batch_size=2)
    assert report.counts() == dry.counts() == {"rows": 3, "created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    assert report.errors[0].row == 3
    with pytest.raises(DomainError) as caught:
        import_roster(actor=world.office, source=write_roster(tmp_path / "h.xlsx", []), parallel=True)
    assert caught.value.code == "roster.no_data"


def test_the_downloadable_template_imports_once_filled(world, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(build_template())
    book = load_workbook(path)
    assert book.sheetnames == ["志愿者名册", "填写说明"]
    assert [c.value for c in book["志愿者名册"][1]] == HEADERS
    notes = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert "医疗护理" in notes and "中共党员" in notes and "周末节假日" in notes
    row = person("钱多多", skills="医疗护理")
    book["志愿者名册"].append([row.get(k) for k in KEYS])
    book.save(path)
    assert import_roster(actor=world.office, source=path).created == 1


# --- command line -------------------------------------------------------------------------

@pytest.fixture
def cli_keeps_db(monkeypatch):
    """`wenming …` closes every connection when a command ends; keep the test's transaction."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_cli_imports_writes_the_error_workbook_and_exits_zero(world, tmp_path, capsys, cli_keeps_db):
    rows = [person("钱多多"), person("吴二", phone="123")]
    path = write_roster(tmp_path / "名册.xlsx", rows)
    assert cli(["import", "volunteers", str(path), "--actor", "office"]) == 0
    out = capsys.readouterr().out
    assert "导入完成：共 2 行，新增 1 人" in out and "第 3 行【手机号码】" in out
    errors_path = tmp_path / "名册.errors.xlsx"
    assert errors_path.exists() and str(errors_path) in out
    assert rows[1]["id_number"] not in all_text(errors_path) and rows[1]["id_number"] not in out

    assert cli(["import", "volunteers", str(path), "--dry-run"]) == 0
    assert "未变化 1 人" in capsys.readouterr().out

    template = tmp_path / "t.xlsx"
    assert cli(["import", "volunteers", "--template", str(template)]) == 0
    assert load_workbook(template).sheetnames[0] == "志愿者名册"


def test_cli_refuses_a_bad_layout_with_a_non_zero_exit(world, tmp_path, capsys, cli_keeps_db):
    path = write_roster(tmp_path / "bad.xlsx", [person()], headers=["甲", "乙"])
    with pytest.raises(SystemExit) as caught:
        cli(["import", "volunteers", str(path)])
    assert caught.value.code != 0
    assert "roster.missing_headers" in capsys.readouterr().err


# --- export -------------------------------------------------------------------------------

def test_export_is_masked_and_scoped(world, tmp_path):
    out = tmp_path / "a.xlsx"
    assert export_roster(actor=world.manager_a, out=out) == 1
    rows = cells(out)
    assert rows[0][0] == "志愿者编号" and len(rows) == 2
    assert rows[1][0] == world.vol_a.volunteer_no and world.vol_b.volunteer_no not in all_text(out)
    assert rows[1][3] == world.vol_a.id_number_masked and rows[1][6] == world.vol_a.phone_masked
    text = all_text(out)
    assert world.vol_a.reveal_id_number() not in text and world.vol_a.reveal_phone() not in text

    everything = tmp_path / "all.xlsx"
    assert export_roster(actor=world.office, out=everything, political_status="masses") == 2
    assert AuditEntry.objects.filter(action="volunteer.export").count() == 2


def test_export_lists_skills_of_each_volunteer(world, tmp_path):
    import_roster(actor=world.office, source=write_roster(tmp_path / "r.xlsx", [
        person("钱多多", skills="医疗护理、驾驶"), person("孙悦", skills="手语")]))
    out = tmp_path / "e.xlsx"
    export_roster(actor=world.office, out=out, search="钱多多")
    rows = cells(out)
    assert len(rows) == 2 and rows[1][11] == "医疗护理、驾驶"


def test_cli_export_uses_the_actor_scope(world, tmp_path, capsys, cli_keeps_db):
    out = tmp_path / "b.xlsx"
    assert cli(["export", "volunteers", str(out), "--actor", "manager_b"]) == 0
    assert "已导出 1 名志愿者" in capsys.readouterr().out
    assert world.vol_b.volunteer_no in all_text(out) and world.vol_a.volunteer_no not in all_text(out)
    assert cli(["export", "volunteers", str(out), "--node", "ZG-S1"]) == 0
    assert world.vol_a.volunteer_no in all_text(out) and world.vol_b.volunteer_no not in all_text(out)


# --- web ----------------------------------------------------------------------------------

def test_web_template_upload_and_error_workbook(client, world, tmp_path):
    client.force_login(world.manager_a)
    r = client.get(reverse("roster:template"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(_save(tmp_path / "t.xlsx", r)).sheetnames == ["志愿者名册", "填写说明"]

    assert client.get(reverse("roster:upload")).status_code == 200
    rows = [person("钱多多"), person("吴二", phone="123"), person("沈七", node="ZG-S2")]
    path = write_roster(tmp_path / "r.xlsx", rows)
    with path.open("rb") as f:
        r = client.post(reverse("roster:upload"), {"file": f})
    page = r.content.decode()
    assert r.status_code == 200 and "新增 1 人" in page and "有误 2 行" in page
    assert "手机号码“123”" not in page and rows[1]["id_number"] not in page
    token = r.context["errors_token"]
    assert token and reverse("roster:errors", args=[token]) in page
    r = client.get(reverse("roster:errors", args=[token]))
    assert r.status_code == 200
    errors_file = _save(tmp_path / "e.xlsx", r)
    assert [row[0] for row in cells(errors_file)[1:]] == [3, 4]
    assert rows[1]["id_number"] not in all_text(errors_file)

    client.force_login(world.manager_b)  # another user never gets that workbook
    assert client.get(reverse("roster:errors", args=[token])).status_code == 404


def test_web_upload_dry_run_refusal_and_permissions(client, world, tmp_path, settings):
    client.force_login(world.manager_a)
    path = write_roster(tmp_path / "r.xlsx", [person("钱多多")])
    before = Volunteer.objects.count()
    with path.open("rb") as f:
        r = client.post(reverse("roster:upload"), {"file": f, "dry_run": "on"})
    assert r.status_code == 200 and "试运行" in r.content.decode() and Volunteer.objects.count() == before

    bad = write_roster(tmp_path / "bad.xlsx", [person()], headers=["甲"])
    with bad.open("rb") as f:
        r = client.post(reverse("roster:upload"), {"file": f})
    assert r.status_code == 400 and "roster.missing_headers" in r.content.decode()

    settings.ROSTER_UPLOAD_MAX_BYTES = 100
    with path.open("rb") as f:
        r = client.post(reverse("roster:upload"), {"file": f})
    assert r.status_code == 400 and "文件过大" in r.content.decode() and Volunteer.objects.count() == before

    client.force_login(world.leader)  # leads a team: may export, may not import
    assert client.get(reverse("roster:upload")).status_code == 403
    assert client.get(reverse("roster:template")).status_code == 403
    client.logout()
    assert client.get(reverse("roster:upload")).status_code == 302


def test_web_export_takes_the_list_filters_and_masks(client, world, tmp_path):
    client.force_login(world.office)
    r = client.get(reverse("roster:export"), {"q": world.vol_a.name})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    out = _save(tmp_path / "x.xlsx", r)
    text = all_text(out)
    assert world.vol_a.volunteer_no in text and world.vol_b.volunteer_no not in text
    assert world.vol_a.id_number_masked in text and world.vol_a.reveal_id_number() not in text

    r = client.get(reverse("roster:export"), {"node": world.station_b.pk, "sex": "F"})
    text = all_text(_save(tmp_path / "y.xlsx", r))
    assert world.vol_b.volunteer_no in text and world.vol_a.volunteer_no not in text

    client.force_login(world.manager_a)
    r = client.get(reverse("roster:export"))
    text = all_text(_save(tmp_path / "z.xlsx", r))
    assert world.vol_a.volunteer_no in text and world.vol_b.volunteer_no not in text
    r = client.get(reverse("roster:export"), {"node": world.station_b.pk})  # out of scope: nothing
    assert len(cells(_save(tmp_path / "w.xlsx", r))) == 1


def _save(path: Path, response) -> Path:
    path.write_bytes(b"".join(response.streaming_content))
    return path

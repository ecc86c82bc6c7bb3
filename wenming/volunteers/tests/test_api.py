import logging

import pytest

from wenming.core.models import AuditEntry
from wenming.core.testing import with_bad_checksum
from wenming.core.tests.api_client import ApiClient
from wenming.volunteers.models import Volunteer
from wenming.volunteers.tests.factories import volunteer_input

pytestmark = pytest.mark.django_db


def _body(node, **kw):
    body = volunteer_input(node, **kw)
    body["home_node_id"] = body.pop("home_node")
    return body


def test_create_volunteer_full_record(world):
    client = ApiClient("manager_a")
    body = _body(world.station_a, name="赵小红", male=False, skills=["medical", "心理疏导"], availability=5,
                 is_reserve=True, insurance_valid_until="2027-06-30", consent_location=True, lat="30.8231",
                 lon="110.9776", grid_id=world.grid_a.pk, political_status="party_member", address="九里村3组")
    res = client.post("/volunteers", body)
    assert res.status_code == 201, res.content
    data = res.json()
    assert data["volunteer_no"].startswith("WM") and data["sex"] == "F"
    assert {s["code"] for s in data["skills"]} == {"medical", "psychological"}
    assert data["lat"] == "30.823"  # coarse location only
    vol = Volunteer.objects.get(pk=data["id"])
    assert vol.reveal_id_number() == body["id_number"] and body["id_number"] not in vol.id_number_enc
    assert vol.name_initials == "zxh"


def test_bad_input_gets_code_and_chinese_message(world):
    client = ApiClient("manager_a")
    body = _body(world.station_a)
    body["id_number"] = with_bad_checksum(body["id_number"])
    res = client.post("/volunteers", body)
    assert res.status_code == 422
    assert res.json() == {"code": "volunteer.id_checksum", "message": "身份证号码校验位错误", "field": "id_number"}
    res = client.post("/volunteers", _body(world.station_a, phone="12345"))
    assert res.json()["code"] == "volunteer.phone_invalid"
    res = client.post("/volunteers", _body(world.station_a, age=13))
    assert res.json()["code"] == "volunteer.under_14"
    res = client.post("/volunteers", _body(world.station_a, age=16))
    assert res.json()["code"] == "volunteer.guardian_required"
    res = client.post("/volunteers", _body(world.station_a, age=16, guardian_name="赵父", guardian_phone="13811112222",
                                           guardian_consent=True))
    assert res.status_code == 201
    res = client.post("/volunteers", _body(world.station_a, lat="30.1", lon="110.1"))
    assert res.json()["code"] == "volunteer.location_needs_consent"
    res = client.post("/volunteers", {"name": "缺字段"})
    assert res.status_code == 422 and res.json()["code"] == "invalid_input"


def test_duplicate_id_is_refused_once_registered(world):
    client = ApiClient("office")
    body = _body(world.station_a)
    assert client.post("/volunteers", body).status_code == 201
    body2 = dict(body, phone="13700001111", name="另一人")
    res = client.post("/volunteers", body2)
    assert res.status_code == 409 and res.json()["code"] == "volunteer.id_duplicate"
    body3 = dict(body2, id_number=body["id_number"].lower())
    assert client.post("/volunteers", body3).status_code == 409


def test_patch_changes_only_given_fields_and_audits_without_personal_data(world):
    client = ApiClient("manager_a")
    old_id = world.vol_a.reveal_id_number()
    res = client.patch(f"/volunteers/{world.vol_a.pk}", {"phone": "13655556666", "is_reserve": True})
    assert res.status_code == 200, res.content
    vol = Volunteer.objects.get(pk=world.vol_a.pk)
    assert vol.reveal_phone() == "13655556666" and vol.is_reserve and vol.reveal_id_number() == old_id
    entry = AuditEntry.objects.filter(action="volunteer.update").latest("id")
    assert entry.changes["phone"] == "已变更" and "13655556666" not in str(entry.changes)
    assert entry.actor == world.manager_a


def test_reveal_needs_privilege_and_is_audited(world):
    res = ApiClient("manager_a").post(f"/volunteers/{world.vol_a.pk}/reveal", {"fields": ["id_number"]})
    assert res.status_code == 403 and res.json()["code"] == "volunteer.reveal_forbidden"
    assert AuditEntry.objects.filter(action="volunteer.reveal_denied", actor=world.manager_a).exists()
    res = ApiClient("office").post(f"/volunteers/{world.vol_a.pk}/reveal", {"fields": ["id_number", "phone"],
                                                                             "reason": "核实身份"})
    assert res.status_code == 200
    assert res.json() == {"id_number": world.vol_a.reveal_id_number(), "phone": "13900000001"}
    entry = AuditEntry.objects.get(action="volunteer.reveal")
    assert entry.actor == world.office and entry.changes["fields"] == ["id_number", "phone"]
    assert world.vol_a.reveal_id_number() not in str(entry.changes)


def test_search_by_pinyin_initials_number_and_phone(world):
    client = ApiClient("office")
    for term in ("李明", "liming", "lm", world.vol_a.volunteer_no, "13900000001"):
        items = client.get("/volunteers", search=term).json()["items"]
        assert [v["id"] for v in items] == [world.vol_a.pk], term


def test_teams_tree_and_members(world):
    client = ApiClient("office")
    corps = client.post("/teams", {"name": "秭归县志愿服务总队", "level": "corps", "node_id": world.center.pk}).json()
    det = client.post("/teams", {"name": "茅坪镇支队", "level": "detachment", "node_id": world.institute.pk,
                                 "parent_id": corps["id"], "kind": "party"})
    assert det.status_code == 201, det.content
    res = client.post("/teams", {"name": "倒挂", "level": "corps", "node_id": world.institute.pk,
                                 "parent_id": det.json()["id"]})
    assert res.json()["code"] == "team.level_order"
    res = client.post("/teams", {"name": "茅坪镇支队", "level": "division", "node_id": world.institute.pk})
    assert res.status_code == 409
    tid = det.json()["id"]
    assert client.post(f"/teams/{tid}/members", {"volunteer_id": world.vol_a.pk, "role": "leader"}).status_code == 201
    assert client.post(f"/teams/{tid}/members", {"volunteer_id": world.vol_a.pk}).json()["code"] == "team.member_exists"
    members = client.get(f"/teams/{tid}/members").json()
    assert members[0]["phone_masked"] == "139****0001" and members[0]["role"] == "leader"
    assert client.get(f"/teams/{tid}").json()["member_count"] == 1
    assert client.delete(f"/teams/{tid}/members/{world.vol_a.pk}").status_code == 204


def test_no_raw_id_in_logs(world, caplog):
    caplog.set_level(logging.DEBUG)
    client = ApiClient("manager_a")
    body = _body(world.station_a)
    client.post("/volunteers", body)
    client.post("/volunteers", body)  # duplicate
    bad = dict(body, id_number=with_bad_checksum(body["id_number"]))
    client.post("/volunteers", bad)
    assert body["id_number"] not in caplog.text and bad["id_number"] not in caplog.text
    assert body["phone"] not in caplog.text


def test_openapi_document_lists_the_resources(world):
    client = ApiClient()
    doc = client.client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/auth/token", "/api/v1/nodes", "/api/v1/units", "/api/v1/volunteers", "/api/v1/teams"):
        assert path in doc["paths"]
    assert client.client.get("/api/v1/docs").status_code == 200


def test_team_rules_archive_roles_and_rosters(world):
    from wenming.accounts.models import User
    from wenming.orgs.services import node_archive, node_create
    from wenming.volunteers.team_services import team_member_add

    client = ApiClient("office")
    squad = world.team_a
    res = client.post("/teams", {"name": "上级", "level": "division", "node_id": world.station_a.pk})
    division = res.json()["id"]
    assert client.patch(f"/teams/{squad.pk}", {"parent_id": division}).status_code == 200
    res = client.patch(f"/teams/{division}", {"level": "squad"})  # would sit level with its child
    assert res.json()["code"] == "team.level_above_children"
    res = client.post("/teams", {"name": "无效方向", "level": "squad", "node_id": world.station_a.pk,
                                 "skill_code": "nope"})
    assert res.json()["code"] == "team.skill_unknown"
    closed = node_create(actor=world.root, parent=world.station_a, name="已撤点", kind="point")
    node_archive(actor=world.root, node=closed)
    res = client.post("/teams", {"name": "撤点队", "level": "squad", "node_id": closed.pk})
    assert res.json()["code"] == "team.node_archived"
    team_member_add(actor=world.root, team=squad, volunteer=world.vol_a)
    res = client.patch(f"/teams/{squad.pk}/members/{world.vol_a.pk}", {"role": "deputy"})
    assert res.status_code == 200 and res.json()["role"] == "deputy"
    # a plain member sees the team but not its roster
    member = User.objects.create_user(username="vol_a_user", password="Wenming!2024")
    world.vol_a.user = member
    world.vol_a.save(update_fields=["user"])
    as_member = ApiClient("vol_a_user")
    assert as_member.get(f"/teams/{squad.pk}").status_code == 200
    assert as_member.get(f"/teams/{squad.pk}/members").status_code == 403
    assert ApiClient("leader").get(f"/teams/{squad.pk}/members").status_code == 200
    assert client.post(f"/teams/{squad.pk}/archive").json()["archived_at"]


def test_token_revoke_and_bad_paging_input(world):
    client = ApiClient("office")
    assert client.get("/volunteers", page="abc", page_size="x").status_code in (200, 422)
    assert client.post("/auth/token/revoke").status_code == 204
    assert client.get("/auth/me").status_code == 401

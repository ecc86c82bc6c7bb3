"""The volunteer web pages: self-registration, scoped staff pages, masking, reveal, teams."""

import pytest
from django.urls import reverse

from wenming.accounts.models import RoleAssignment, User
from wenming.core.models import AuditEntry
from wenming.core.testing import with_bad_checksum
from wenming.volunteers.models import TeamMember, Volunteer

PASSWORD = "Wenming!2024"
NEW_PASSWORD = "Qingshan#2024"


def reg_data(world, id_number: str, **overrides) -> dict:
    data = {
        "name": "赵小雨", "id_type": "resident", "id_number": id_number, "phone": "13700000123",
        "home_node": str(world.point_a.pk), "political_status": "league_member",
        "skills": ["medical", "driving"], "availability": ["1", "4"], "is_reserve": "on",
        "consent_terms": "on", "consent_location": "on",
        "username": "zhaoxy", "password": NEW_PASSWORD, "password2": NEW_PASSWORD, "action": "register",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def html(response) -> str:
    return response.content.decode()


# --- self-registration ------------------------------------------------------------------

@pytest.mark.django_db
def test_self_registration_creates_account_volunteer_and_role_then_logs_in(client, world, id_number):
    number = id_number(age=25)
    r = client.post(reverse("volunteers:register"), reg_data(world, number))
    assert r.status_code == 302, html(r)
    assert r.url == reverse("volunteers:me")

    user = User.objects.get(username="zhaoxy")
    vol = Volunteer.objects.get(user=user)
    assert vol.source == "self" and vol.home_node == world.point_a
    assert vol.reveal_id_number() == number and vol.is_reserve and vol.availability == 5
    assert {s.code for s in vol.skills.all()} == {"medical", "driving"}
    assert vol.consent_terms_at and vol.consent_location_at and vol.consent_health_at is None
    assert RoleAssignment.objects.filter(user=user, role="volunteer", node=world.point_a).exists()
    assert AuditEntry.objects.filter(action="role.grant", actor=user).exists()

    # Logged in straight away; the own page shows the unmasked number, not cached.
    me = client.get(reverse("volunteers:me"))
    assert me.status_code == 200
    assert number in html(me) and vol.volunteer_no in html(me)
    assert "no-store" in me["Cache-Control"]
    assert AuditEntry.objects.filter(action="volunteer.reveal", actor=user, object_id=str(vol.pk)).exists()

    # And can log in again by phone number.
    client.post(reverse("accounts:logout"))
    r = client.post(reverse("accounts:login"), {"username": "13700000123", "password": NEW_PASSWORD})
    assert r.status_code == 302
    assert "我的志愿者信息" in html(client.get(reverse("home")))


@pytest.mark.django_db
def test_self_registration_refuses_under_14(client, world, id_number):
    r = client.post(reverse("volunteers:register"), reg_data(world, id_number(age=13)))
    assert r.status_code == 422
    assert "未满 14 周岁不能注册为志愿者" in html(r)
    assert not User.objects.filter(username="zhaoxy").exists()
    assert Volunteer.objects.count() == 2


@pytest.mark.django_db
def test_self_registration_of_a_minor_needs_the_guardian(client, world, id_number):
    number = id_number(age=15)
    r = client.post(reverse("volunteers:register"), reg_data(world, number))
    assert r.status_code == 422
    assert "14–17 周岁须经监护人同意" in html(r)
    assert not User.objects.filter(username="zhaoxy").exists()

    r = client.post(reverse("volunteers:register"), reg_data(
        world, number, guardian_name="赵大山", guardian_phone="13700000999", guardian_consent="on"))
    assert r.status_code == 302
    vol = Volunteer.objects.get(user__username="zhaoxy")
    assert vol.guardian_name == "赵大山" and vol.guardian_consent_at is not None


@pytest.mark.django_db
def test_bad_checksum_is_shown_at_the_id_field_and_the_form_keeps_own_values(client, world, id_number):
    bad = with_bad_checksum(id_number(age=30))
    r = client.post(reverse("volunteers:register"), reg_data(world, bad))
    assert r.status_code == 422
    page = html(r)
    error_at = page.index('field-error" role="alert">身份证号码校验位错误')  # under the field (also listed above the form)
    assert page.rindex('id="f-id_number"', 0, error_at) > page.rindex('id="f-id_type"', 0, error_at)
    assert f'value="{bad}"' in page          # the applicant's own number is kept
    assert 'value="赵小雨"' in page
    assert NEW_PASSWORD not in page            # passwords are never echoed
    assert not User.objects.filter(username="zhaoxy").exists()


@pytest.mark.django_db
def test_duplicate_id_gets_the_conflict_message_and_nothing_is_written(client, world):
    taken = world.vol_b.reveal_id_number()
    r = client.post(reverse("volunteers:register"), reg_data(world, taken))
    assert r.status_code == 409
    page = html(r)
    assert "该证件号码已登记为志愿者" in page
    assert world.vol_b.name not in page and world.vol_b.volunteer_no not in page
    assert not User.objects.filter(username="zhaoxy").exists()


@pytest.mark.django_db
def test_terms_are_required_and_taken_username_is_reported(client, world, id_number):
    r = client.post(reverse("volunteers:register"), reg_data(world, id_number(), consent_terms=None))
    assert r.status_code == 422 and "须同意志愿服务协议" in html(r)
    r = client.post(reverse("volunteers:register"), reg_data(world, id_number(), username="manager_a"))
    assert r.status_code == 409 and "用户名“manager_a”已被使用" in html(r)
    assert Volunteer.objects.count() == 2


@pytest.mark.django_db
def test_home_node_search_lists_matches_and_keeps_what_was_typed(client, world, id_number):
    number = id_number()
    data = reg_data(world, number, home_node="", node_q="杨贵店", action="search")
    r = client.post(reverse("volunteers:register"), data)
    assert r.status_code == 200
    page = html(r)
    assert f'value="{world.station_b.pk}"' in page and world.station_b.name in page
    assert world.station_a.name not in page       # only matches are listed
    assert f'value="{number}"' in page and "errorlist" not in page and 'role="alert"' not in page
    assert not User.objects.filter(username="zhaoxy").exists()
    # Grids and offices are not offered as a home node.
    r = client.post(reverse("volunteers:register"), reg_data(world, number, home_node=str(world.grid_a.pk)))
    assert r.status_code == 422 and not User.objects.filter(username="zhaoxy").exists()
    # "²" is a digit to str.isdigit but not to int(): a form error, never a 500
    for bad in ("²", "99999999999999999999999"):
        r = client.post(reverse("volunteers:register"), reg_data(world, number, home_node=bad, institute=bad))
        assert r.status_code == 422 and not User.objects.filter(username="zhaoxy").exists()


@pytest.mark.django_db
def test_registration_form_works_with_csrf_checks(world, id_number):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("volunteers:register"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    token = client.cookies["csrftoken"].value
    r = client.post(reverse("volunteers:register"), {**reg_data(world, id_number()), "csrfmiddlewaretoken": token})
    assert r.status_code == 302 and Volunteer.objects.filter(user__username="zhaoxy").exists()


# --- staff pages: scope and masking ------------------------------------------------------------

@pytest.mark.django_db
def test_manager_sees_own_station_only(client, world):
    login(client, world.manager_a)
    page = html(client.get(reverse("volunteers:list")))
    assert world.vol_a.volunteer_no in page and world.vol_b.volunteer_no not in page
    for name in ("volunteers:detail", "volunteers:edit"):
        r = client.get(reverse(name, args=[world.vol_b.pk]))
        assert r.status_code == 404
        assert world.vol_b.name not in html(r)
    r = client.post(reverse("volunteers:edit", args=[world.vol_b.pk]), {"name": "改名"})
    assert r.status_code == 404
    r = client.get(reverse("volunteers:list"), {"node": world.station_b.pk})
    assert r.status_code == 200 and world.vol_a.volunteer_no not in html(r) and world.station_b.name not in html(r)


@pytest.mark.django_db
def test_list_search_and_filters(client, world):
    login(client, world.office)
    url = reverse("volunteers:list")
    assert world.vol_a.volunteer_no in html(client.get(url, {"q": "liming"}))
    assert world.vol_b.volunteer_no not in html(client.get(url, {"q": "lm"}))
    assert world.vol_a.volunteer_no in html(client.get(url, {"q": "13900000001"}))
    by_node = html(client.get(url, {"node": world.station_b.pk}))
    assert world.vol_b.volunteer_no in by_node and world.vol_a.volunteer_no not in by_node
    by_sex = html(client.get(url, {"sex": "F"}))
    assert world.vol_b.volunteer_no in by_sex and world.vol_a.volunteer_no not in by_sex


@pytest.mark.django_db
def test_no_raw_id_or_phone_in_staff_pages_without_reveal(client, world):
    TeamMember.objects.create(team=world.team_a, volunteer=world.vol_a)  # so the team page lists them
    login(client, world.manager_a)
    born = world.vol_a.birth_date  # with the masked ID it would give the whole number
    raw = [world.vol_a.reveal_id_number(), world.vol_a.reveal_phone(), born.isoformat(), f"{born:%Y%m%d}"]
    pages = [
        reverse("volunteers:list"),
        reverse("volunteers:list") + "?q=liming",
        reverse("volunteers:detail", args=[world.vol_a.pk]),
        reverse("volunteers:edit", args=[world.vol_a.pk]),
        reverse("volunteers:teams"),
        reverse("volunteers:team_detail", args=[world.team_a.pk]),
        reverse("orgs:node", args=[world.station_a.pk]),
    ]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        for value in raw:
            assert value not in html(r), url
    detail = html(client.get(reverse("volunteers:detail", args=[world.vol_a.pk])))
    assert world.vol_a.id_number_masked in detail and world.vol_a.phone_masked in detail
    # Searching by phone finds the row; the number appears only where the searcher typed it:
    # the search box and the export link that repeats the same query.
    found = html(client.get(reverse("volunteers:list"), {"q": raw[1]}))
    assert world.vol_a.volunteer_no in found
    assert found.count(raw[1]) == found.count(f'value="{raw[1]}"') + found.count(f"q={raw[1]}") == 2


@pytest.mark.django_db
def test_reveal_by_office_shows_the_number_once_and_is_audited(client, world):
    login(client, world.office)
    url = reverse("volunteers:reveal", args=[world.vol_a.pk])
    r = client.post(url, {"reason": "核实身份办理保险"})
    assert r.status_code == 200
    assert world.vol_a.reveal_id_number() in html(r) and world.vol_a.reveal_phone() in html(r)
    assert "no-store" in r["Cache-Control"]
    entry = AuditEntry.objects.get(action="volunteer.reveal", object_id=str(world.vol_a.pk))
    assert entry.actor == world.office and entry.changes["reason"] == "核实身份办理保险"
    assert world.vol_a.reveal_id_number() not in str(entry.changes)
    # Not kept anywhere: the next page view is masked again.
    assert world.vol_a.reveal_id_number() not in html(client.get(reverse("volunteers:detail", args=[world.vol_a.pk])))
    # A reason is required.
    r = client.post(url, {"reason": ""})
    assert r.status_code == 422 and "请填写查看原因" in html(r)
    assert world.vol_a.reveal_id_number() not in html(r)


@pytest.mark.django_db
def test_reveal_by_manager_without_privilege_is_refused_and_audited(client, world):
    login(client, world.manager_a)
    r = client.post(reverse("volunteers:reveal", args=[world.vol_a.pk]), {"reason": "想看看"})
    assert r.status_code == 403
    assert "您没有查看完整个人信息的权限" in html(r)
    assert world.vol_a.reveal_id_number() not in html(r)
    assert AuditEntry.objects.filter(action="volunteer.reveal_denied", actor=world.manager_a,
                                     object_id=str(world.vol_a.pk)).exists()
    assert not AuditEntry.objects.filter(action="volunteer.reveal").exists()
    # Out of scope is a plain 404 (and nothing is revealed or audited as a reveal).
    r = client.post(reverse("volunteers:reveal", args=[world.vol_b.pk]), {"reason": "x"})
    assert r.status_code == 404


@pytest.mark.django_db
def test_staff_registers_and_edits_a_volunteer_through_the_pages(client, world, id_number):
    login(client, world.manager_a)
    number = id_number(age=40)
    r = client.post(reverse("volunteers:create"), {
        "name": "孙建国", "id_type": "resident", "id_number": number, "phone": "13800000555",
        "home_node": str(world.station_a.pk), "grid": str(world.grid_a.pk), "political_status": "party_member",
        "address": "九里村二组 8 号", "action": "save",
    })
    assert r.status_code == 302, html(r)
    vol = Volunteer.objects.get(name="孙建国")
    assert vol.source == "staff" and vol.grid == world.grid_a and vol.reveal_address() == "九里村二组 8 号"

    # Out-of-scope home node is refused at the field.
    r = client.post(reverse("volunteers:create"), {
        "name": "钱多多", "id_type": "resident", "id_number": id_number(), "phone": "13800000556",
        "home_node": str(world.station_b.pk), "action": "save"})
    assert r.status_code == 422 and "不存在或不在您的管理范围内" in html(r)

    # Edit: the page never carries the stored number; blank keeps it.
    edit_url = reverse("volunteers:edit", args=[vol.pk])
    page = html(client.get(edit_url))
    assert number not in page and "13800000555" not in page and "九里村二组" not in page
    r = client.post(edit_url, {"name": "孙建国", "id_type": "resident", "id_number": "", "phone": "",
                               "home_node": str(world.point_a.pk), "political_status": "masses",
                               "is_reserve": "on", "action": "save"})
    assert r.status_code == 302, html(r)
    vol.refresh_from_db()
    assert vol.reveal_id_number() == number and vol.reveal_phone() == "13800000555"
    assert vol.home_node == world.point_a and vol.is_reserve and vol.political_status == "masses"
    assert vol.reveal_address() == "九里村二组 8 号"


# --- teams ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_team_create_member_add_and_remove(client, world):
    login(client, world.manager_a)
    r = client.post(reverse("volunteers:team_create"), {
        "name": "九里村应急分队", "level": "squad", "kind": "professional", "node": str(world.station_a.pk),
        "skill": "rescue", "description": "防汛抢险"})
    assert r.status_code == 302, html(r)
    team = world.team_a.__class__.objects.get(name="九里村应急分队")
    assert team.node == world.station_a and team.skill.code == "rescue"

    add_url = reverse("volunteers:member_add", args=[team.pk])
    r = client.post(add_url, {"volunteer_no": world.vol_a.volunteer_no.lower(), "role": "leader"})
    assert r.status_code == 302
    assert TeamMember.objects.filter(team=team, volunteer=world.vol_a, role="leader").exists()
    detail = html(client.get(reverse("volunteers:team_detail", args=[team.pk])))
    assert world.vol_a.name in detail and world.vol_a.phone_masked in detail
    assert world.vol_a.reveal_phone() not in detail

    # Twice, or someone out of scope: a message at the field, no row.
    r = client.post(add_url, {"volunteer_no": world.vol_a.volunteer_no, "role": "member"})
    assert r.status_code == 422 and "该志愿者已是队伍成员" in html(r)
    r = client.post(add_url, {"volunteer_no": world.vol_b.volunteer_no, "role": "member"})
    assert r.status_code == 422 and "志愿者不存在或不在您的管理范围内" in html(r)
    assert not TeamMember.objects.filter(team=team, volunteer=world.vol_b).exists()

    r = client.post(reverse("volunteers:member_remove", args=[team.pk, world.vol_a.pk]))
    assert r.status_code == 302 and not TeamMember.objects.filter(team=team).exists()

    # Other station's manager cannot see it.
    client.logout()
    login(client, world.manager_b)
    assert client.get(reverse("volunteers:team_detail", args=[team.pk])).status_code == 404
    assert "九里村应急分队" not in html(client.get(reverse("volunteers:teams")))


@pytest.mark.django_db
def test_team_level_rule_is_shown_on_the_form(client, world):
    login(client, world.manager_a)
    r = client.post(reverse("volunteers:team_create"), {
        "name": "九里村总队", "level": "corps", "kind": "general", "node": str(world.station_a.pk),
        "parent": str(world.team_a.pk)})
    assert r.status_code == 422 and "下级队伍的层级必须低于上级队伍" in html(r)


@pytest.mark.django_db
def test_team_leader_sees_their_team_but_cannot_edit(client, world):
    TeamMember.objects.create(team=world.team_a, volunteer=world.vol_a)
    login(client, world.leader)
    r = client.get(reverse("volunteers:team_detail", args=[world.team_a.pk]))
    assert r.status_code == 200 and world.vol_a.name in html(r)
    assert reverse("volunteers:member_add", args=[world.team_a.pk]) not in html(r)
    assert client.get(reverse("volunteers:team_edit", args=[world.team_a.pk])).status_code == 403
    page = html(client.get(reverse("volunteers:list")))
    assert world.vol_a.volunteer_no in page and world.vol_b.volunteer_no not in page


@pytest.mark.django_db
def test_certificates_show_expiry(client, world):
    from datetime import date, timedelta

    from wenming.volunteers.services import certificate_add

    certificate_add(actor=world.root, volunteer=world.vol_a, name="红十字救护员证",
                    expires_on=date.today() - timedelta(days=1))
    login(client, world.manager_a)
    page = html(client.get(reverse("volunteers:detail", args=[world.vol_a.pk])))
    assert "红十字救护员证" in page and "已过期" in page


@pytest.mark.django_db
def test_non_numeric_page_parameters_fall_back_to_the_first_page(client, world):
    client.force_login(world.office)
    for url in (reverse("volunteers:list"), reverse("orgs:node", args=[world.station_a.pk])):
        assert client.get(url, {"page": "abc"}).status_code == 200


@pytest.mark.parametrize("path", ["/volunteers/", "/volunteers/roster/export/", "/orgs/units/", "/volunteers/teams/"])
def test_a_node_filter_that_is_not_an_id_is_ignored_not_a_server_error(client, world, path):
    client.force_login(world.office)
    for bad in ("²", "١٢", "abc", "9" * 30):
        assert client.get(path, {"node": bad, "parent": bad}).status_code in (200, 302), (path, bad)

"""Registration shows every mistake at once, under its field, in clean Chinese punctuation
(issue 15 item 6)."""

import re

import pytest
from django.urls import reverse

from wenming.accounts.models import User
from wenming.core.form_errors import join_messages, tidy
from wenming.core.testing import with_bad_checksum
from wenming.volunteers.models import Volunteer
from wenming.volunteers.tests.test_pages import NEW_PASSWORD, html, reg_data


def errors_under(page: str) -> dict[str, list[str]]:
    """{field name: its messages} as rendered by core/_field.html."""
    found: dict[str, list[str]] = {}
    for block in re.finditer(r'<div class="field has-error" id="f-([\w-]+)">(.*?)</div>', page, re.S):
        found[block.group(1)] = re.findall(r'<p class="error field-error" role="alert">(.*?)</p>', block.group(2))
    return found


def test_messages_are_joined_with_one_separator_and_one_full_stop():
    assert join_messages(["这个密码太常见了。", "密码只包含数字。"]) == "这个密码太常见了；密码只包含数字。"
    assert join_messages(["密码长度太短。密码必须包含至少 8 个字符。", "这个密码太常见了。"]) == (
        "密码长度太短。密码必须包含至少 8 个字符；这个密码太常见了。")
    assert join_messages(["a；", "", "a", "b，"]) == "a；b。"
    assert join_messages([]) == ""
    assert tidy("这个密码太常见了。；密码只包含数字。。") == "这个密码太常见了；密码只包含数字。"
    assert tidy("请填写；。") == "请填写。"


@pytest.mark.django_db
def test_bad_id_bad_phone_and_weak_password_are_shown_together(client, world, id_number):
    data = reg_data(world, with_bad_checksum(id_number()), phone="12345", password="12345678",
                    password2="12345678")
    r = client.post(reverse("volunteers:register"), data)
    assert r.status_code == 422
    page = html(r)
    errors = errors_under(page)
    assert errors["id_number"] == ["身份证号码校验位错误"]
    assert errors["phone"] == ["手机号码无效，应为 11 位中国大陆手机号"]
    assert errors["password"] == ["密码不符合要求：这个密码太常见了；密码不能全是数字。"]
    assert set(errors) == {"id_number", "phone", "password"}
    # The summary above the form lists the three, each linking to its field.
    start = page.index('class="alert form-errors"')
    summary = page[start:page.index("</ul>", start)]
    for name in ("id_number", "phone", "password"):
        assert f'href="#f-{name}"' in summary
    assert "。；" not in page and "；。" not in page
    assert not User.objects.filter(username="zhaoxy").exists() and Volunteer.objects.count() == 2


@pytest.mark.django_db
def test_every_field_problem_is_reported_in_one_round(client, world):
    data = reg_data(world, "12345", name="张3", phone="999", guardian_phone="abc", home_node="",
                    username="x", password="short", password2="other", consent_terms=None)
    r = client.post(reverse("volunteers:register"), data)
    assert r.status_code == 422
    errors = errors_under(html(r))
    assert errors["name"] == ["姓名应为 2–30 个字符，且不含数字或特殊符号"]
    assert errors["id_number"] == ["身份证号码格式不正确（应为 18 位，末位可为 X）"]
    assert errors["phone"] and errors["guardian_phone"] and errors["home_node"] == ["请选择所属阵地"]
    assert errors["consent_terms"] == ["须同意志愿服务协议"]
    assert errors["username"] and errors["password2"] == ["两次输入的密码不一致"]
    assert errors["password"][0].startswith("密码不符合要求：密码太短，至少需要 8 个字符") and errors["password"][0].endswith("。")


@pytest.mark.django_db
def test_a_filled_field_carries_no_required_message_and_fixed_fields_clear_on_resubmit(client, world, id_number):
    # First round: name and phone missing.
    r = client.post(reverse("volunteers:register"), reg_data(world, id_number(), name="", phone=""))
    assert r.status_code == 422
    first = errors_under(html(r))
    assert set(first) == {"name", "phone"} and first["name"] == ["这个字段是必填项。"]
    # Second round: both filled, the password now weak: only that one is left.
    r = client.post(reverse("volunteers:register"), reg_data(world, id_number(), password="abcdefgh1",
                                                             password2="abcdefgh1", username="zhaoxy2"))
    assert r.status_code in (302, 422)
    if r.status_code == 422:
        assert set(errors_under(html(r))) <= {"password"}
        assert "这个字段是必填项" not in html(r)


@pytest.mark.django_db
def test_an_under_14_applicant_is_told_at_the_id_field_with_the_other_errors(client, world, id_number):
    r = client.post(reverse("volunteers:register"), reg_data(world, id_number(age=13), phone="123"))
    assert r.status_code == 422
    errors = errors_under(html(r))
    assert errors["id_number"] == ["未满 14 周岁不能注册为志愿者"] and errors["phone"]


@pytest.mark.django_db
def test_the_service_still_refuses_a_weak_password_with_clean_punctuation(world, id_number):
    from wenming.core.errors import DomainError
    from wenming.volunteers.registration import volunteer_self_register

    data = {"name": "赵小雨", "id_type": "resident", "id_number": id_number(), "phone": "13700000123",
            "home_node": str(world.point_a.pk)}
    with pytest.raises(DomainError) as caught:
        volunteer_self_register(data=data, username="zhaoxy", password="12345678", consent_terms=True)
    assert caught.value.message == "密码不符合要求：这个密码太常见了；密码不能全是数字。"
    assert caught.value.code == "accounts.weak_password" and caught.value.field == "password"


@pytest.mark.django_db
def test_search_presses_show_no_errors_and_a_good_form_still_registers(client, world, id_number):
    r = client.post(reverse("volunteers:register"), reg_data(world, "123", phone="1", action="search",
                                                             node_q="金缸"))
    assert r.status_code == 200 and 'class="alert form-errors"' not in html(r)
    r = client.post(reverse("volunteers:register"), reg_data(world, id_number()))
    assert r.status_code == 302 and Volunteer.objects.filter(user__username="zhaoxy").exists()


@pytest.mark.django_db
def test_staff_form_reports_all_field_errors_at_once(client, world, id_number):
    from wenming.volunteers.tests.test_pages import PASSWORD

    assert client.login(username="manager_a", password=PASSWORD)
    data = {"name": "王", "id_type": "resident", "id_number": with_bad_checksum(id_number()), "phone": "12",
            "home_node": str(world.station_a.pk), "lat": "30.5", "political_status": "masses"}
    r = client.post(reverse("volunteers:create"), data)
    assert r.status_code == 422
    errors = errors_under(html(r))
    assert {"name", "id_number", "phone", "lon"} <= set(errors)
    assert NEW_PASSWORD not in html(r)

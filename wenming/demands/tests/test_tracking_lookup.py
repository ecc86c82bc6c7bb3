"""Staff open a request by its number as well as by its id, and find it on the board by
number, only within their scope (issue 15 item 9). The public form shows a bad phone together
with the other errors (item 6)."""

import pytest
from django.test import Client
from django.urls import reverse

from wenming.core.errors import DomainError
from wenming.demands.models import DemandStatus
from wenming.demands.selectors import demand_get_by_ref_for_actor, demand_search_for_actor, tracking_number
from wenming.demands.tests.factories import entered

pytestmark = pytest.mark.django_db


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def test_tracking_numbers_are_read_as_people_type_them():
    assert tracking_number(" d2026 0000001 ") == "D20260000001"
    assert tracking_number("Ｄ２０２６００００００１") == "D20260000001"  # full-width, from a Chinese keyboard
    for bad in ("", "abc", "D", "12", "D2026\x000001", "²", "D" + "9" * 40):
        assert tracking_number(bad) == ""


def test_detail_page_opens_by_number_and_by_id_within_scope(world):
    demand, _ = entered(world)
    staff = login(world.manager_a)
    by_id = staff.get(reverse("demands:detail", args=[demand.pk]))
    by_no = staff.get(f"/demands/{demand.tracking_no}/")
    by_lower = staff.get(f"/demands/{demand.tracking_no.lower()}/")
    assert by_id.status_code == by_no.status_code == by_lower.status_code == 200
    assert demand.tracking_no in by_no.content.decode()
    # Actions accept the number too (the page posts to the id, but an address typed by hand works).
    res = staff.post(f"/demands/{demand.tracking_no}/review/")
    assert res.status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.REVIEWED


def test_a_number_outside_scope_is_the_same_404_as_an_unknown_one(world):
    demand, _ = entered(world)
    other = login(world.manager_b)
    outside = other.get(f"/demands/{demand.tracking_no}/")
    unknown = other.get("/demands/D20999999999/")
    assert outside.status_code == unknown.status_code == 404
    assert demand.tracking_no not in outside.content.decode()
    for bad in ("²", "D", "d2026", "x" * 300, "D2026%000001", "99999999999999999999999"):
        assert other.get(f"/demands/{bad}/").status_code == 404
    with pytest.raises(DomainError) as caught:
        demand_get_by_ref_for_actor(actor=world.manager_b, ref=demand.tracking_no)
    assert caught.value.status == 404


def test_board_finds_a_request_by_its_number_or_last_digits(world):
    first, _ = entered(world)
    second, _ = entered(world, description="需要有人陪同就医")
    staff = login(world.manager_a)
    # The whole number opens the request.
    res = staff.get(reverse("demands:board"), {"q": second.tracking_no.lower()})
    assert res.status_code == 302 and res.url == reverse("demands:detail", args=[second.pk])
    # The last digits list the matches, in any state.
    tail = first.tracking_no[-4:]
    res = staff.get(reverse("demands:board"), {"q": tail})
    assert res.status_code == 200
    page = res.content.decode()
    assert f'id="demand-{first.pk}"' in page and f"编号含“{tail}”" in page
    # Nothing in scope: said so, with the way back.
    res = login(world.manager_b).get(reverse("demands:board"), {"q": first.tracking_no})
    assert res.status_code == 200 and f'id="demand-{first.pk}"' not in res.content.decode()
    assert "没有编号含" in res.content.decode()
    assert list(demand_search_for_actor(actor=world.manager_b, number=first.tracking_no)) == []
    assert list(demand_search_for_actor(actor=world.manager_a, number="abc")) == []
    # Junk in the box is no 500.
    for bad in ("\x00", "x" * 500, "²"):
        assert staff.get(reverse("demands:board"), {"q": bad}).status_code == 200


def test_a_bad_phone_is_shown_with_the_other_errors_on_the_operator_form(world):
    staff = login(world.manager_a)
    res = staff.post(reverse("demands:enter"), {"node": world.station_a.pk, "name": "", "phone": "12345",
                                                "address": "九里村", "category": "", "description": "",
                                                "urgency": "normal"})
    assert res.status_code == 422
    page = res.content.decode()
    assert "手机号码无效" in page and page.count("这个字段是必填项") >= 3

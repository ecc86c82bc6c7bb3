"""派给我的点单 show their state and the next step in words (issue 15): 待接单 with the time
limit, then the accepted request's progress (已接单 → 服务中 → 已完成 → 已评价), and for the
others what happened and that nothing is asked of them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wenming.demands import workflow as wf
from wenming.demands.models import Offer
from wenming.demands.tests.factories import volunteer_user
from wenming.demands.tests.test_workflow import _to
from wenming.demands.volunteer_views import offer_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(world):
    world.helper = volunteer_user(world, "helper1", phone="13700000001")
    world.second = volunteer_user(world, "helper2", phone="13700000002")
    world.bystander = volunteer_user(world, "helper3", phone="13700000003")
    return world


def _page(person, name="demands:offers", *args) -> str:
    c = Client()
    c.force_login(person)
    return c.get(reverse(name, args=args)).content.decode()


@pytest.mark.parametrize(("state", "label", "step"), [
    ("accepted", "已接单", "出发前点“开始服务”"),
    ("in_progress", "服务中", "点“完成”"),
    ("completed", "已完成", "等待群众评价"),
    ("rated", "已评价", "群众评价 5 星"),
    ("closed", "已办结", "无需操作"),
])
def test_accepted_offer_follows_the_requests_progress(cast, state, label, step):
    demand, _ = _to(cast, state)
    offer = Offer.objects.select_related("demand").get(demand=demand, volunteer=cast.helper)
    shown = offer_state(offer, mine=True, now=timezone.now())
    assert (shown.label, step in shown.note) == (label, True)
    page = _page(cast.helper.user)
    assert label in page and step in page
    # the other volunteer asked was withdrawn when the helper accepted
    other = _page(cast.second.user)
    assert "已撤回" in other and "无需操作" in other


def test_open_offer_says_until_when_and_hides_buttons_once_lapsed(cast):
    demand, _ = _to(cast, "dispatched")
    page = _page(cast.helper.user)
    assert "待接单" in page and "前接单" in page and ">接单</button>" in page
    offer = Offer.objects.get(demand=demand, volunteer=cast.helper)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = _page(cast.helper.user)
    assert "已过接单时限" in page and ">接单</button>" not in page


def test_declined_offer_says_nothing_more_is_asked(cast):
    demand, _ = _to(cast, "dispatched")
    wf.offer_decline(actor=cast.helper.user, offer=Offer.objects.get(demand=demand, volunteer=cast.helper),
                     reason="今天在外地")
    page = _page(cast.helper.user)
    assert "已婉拒" in page and "无需操作" in page


def test_my_demand_page_says_the_next_step(cast):
    demand, _ = _to(cast, "accepted")
    page = _page(cast.helper.user, "demands:my_demand", demand.pk)
    assert 'id="next-step"' in page and "开始服务" in page

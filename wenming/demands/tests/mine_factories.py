"""Helpers for the phone-code login and 我的点单 tests: the last text code written to a phone
(the outbox backend keeps the text), and a request taken to 已完成 through the services."""

import re

from wenming.core.demo_sms import demo_texts
from wenming.demands import workflow as wf
from wenming.demands.models import Offer


def last_code(phone: str) -> str:
    """The 6-digit code of the newest text to `phone` (outbox backend: the row keeps the text)."""
    texts = demo_texts(phone)
    assert texts, f"no text to {phone}"
    found = re.search(r"\b(\d{6})\b", texts[0].body)
    assert found, texts[0].body
    return found.group(1)


def completed(world, demand, helper):
    """Station A's staff review and dispatch the request to `helper`, who accepts, starts and
    completes it (what happens on the board and the volunteer's pages)."""
    demand = wf.demand_review(actor=world.manager_a, demand=demand)
    demand = wf.demand_dispatch(actor=world.manager_a, demand=demand, volunteers=[helper])
    demand = wf.offer_accept(actor=helper.user, offer=Offer.objects.get(demand=demand, volunteer=helper))
    demand = wf.demand_start(actor=helper.user, demand=demand)
    return wf.demand_complete(actor=helper.user, demand=demand, note="药已送到，本人签收", receipt_amount="36.50")

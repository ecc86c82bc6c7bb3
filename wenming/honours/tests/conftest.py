import pytest

from wenming.core.notify import FakeSmsGateway
from wenming.honours.tests.factories import build_city


@pytest.fixture
def city(db):
    return build_city()


@pytest.fixture
def gateway(settings):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    return FakeSmsGateway

"""The survey world the survey tests share: an open survey over the township with two
questions, the fake SMS gateway, and fixtures to ask for a code and answer (registered for
the package's tests in conftest.py)."""

from decimal import Decimal

import pytest

from wenming.core.notify import FakeSmsGateway
from wenming.evaluation.models import Level, Rule
from wenming.evaluation.services import campaigns
from wenming.evaluation.services import surveys as sv
from wenming.evaluation.tests.factories import build_evaluation

PHONES = ["13811110001", "13811110002", "13811110003", "13811110004"]
BAD_IDS = ["²", "abc", "99999999999999999999999"]


@pytest.fixture
def gateway(settings):
    settings.WENMING_NOTIFY_BACKEND = "wenming.core.notify.FakeSmsGateway"
    FakeSmsGateway.sent.clear()
    FakeSmsGateway.failing = False
    return FakeSmsGateway


def last_code(phone: str) -> str:
    text = next(t for p, t in reversed(FakeSmsGateway.sent) if p == phone)
    return text.split("验证码是 ")[1][:6]


def with_survey(world):
    """The evaluation world plus a second survey-rule indicator and an open survey over the
    township (茅坪镇) with an awareness and a satisfaction question."""
    e = build_evaluation(world)
    e.satisfied = campaigns.indicator_save(actor=world.office, campaign=e.campaign, code="4.1.5",
                                           name="群众对城乡环境的满意率", level=Level.INDICATOR, parent=e.item,
                                           points=Decimal(3), rule=Rule.SURVEY, methods=["survey"])
    e.survey = sv.survey_create(actor=world.office, campaign=e.campaign, node=world.institute,
                                title="茅坪镇创建工作群众调查", intro="耽误您一分钟，请如实作答。")
    e.q1 = sv.question_add(actor=world.office, survey=e.survey, indicator=e.aware,
                           text="您知道我县正在创建全国文明城市吗？", kind="awareness")
    e.q2 = sv.question_add(actor=world.office, survey=e.survey, indicator=e.satisfied,
                           text="您对居住地周边的环境卫生满意吗？", kind="satisfaction")
    sv.survey_open(actor=world.office, survey=e.survey)
    return e


@pytest.fixture
def ev(world):
    return with_survey(world)


@pytest.fixture
def send(gateway, django_capture_on_commit_callbacks):
    def send(survey, phone=PHONES[0], **kw) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sv.survey_code_send(survey=survey, phone=phone, **kw)
        return last_code(phone)

    return send


@pytest.fixture
def answer(send):
    def answer(e, phone, aware: int, satisfied: int, **kw):
        code = send(e.survey, phone)
        return sv.survey_answer(survey=e.survey, phone=phone, code=code,
                                answers={e.q1.pk: aware, str(e.q2.pk): satisfied}, **kw)

    return answer

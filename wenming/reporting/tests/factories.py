"""Helpers that go through the services, so tests see the rows the product makes."""

import tempfile
from datetime import date, timedelta
from types import SimpleNamespace

from django.test import override_settings
from django.utils import timezone

from wenming.accounts.roles import Role
from wenming.accounts.services import role_grant
from wenming.core.testing import make_jpeg
from wenming.orgs.services import unit_create
from wenming.reporting import services
from wenming.reporting.models import InfoReport, ReportCategory
from wenming.volunteers.tests.factories import user

BODY = "九里村新时代文明实践站组织志愿者开展敲门行动。\n\n共走访 120 户，发放宣传单 300 份。"


def category(code: str = "work_news") -> ReportCategory:
    return ReportCategory.objects.get(code=code)  # seeded by the data migration


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def last_month() -> date:
    return (this_month() - timedelta(days=1)).replace(day=1)


def unit_with_liaison(world, node, name: str, username: str):
    """A 文明单位 at `node` and a liaison account bound to it."""
    unit = unit_create(actor=world.root, node=node, name=name, unit_type="unit", level="county")
    liaison = user(username)
    role_grant(actor=world.root, user=liaison, role=Role.UNIT_LIAISON, node=node, unit=unit)
    return unit, liaison


def reporting_world(world) -> SimpleNamespace:
    """The shared world plus units with liaisons at both stations, a second manager at
    station A and a manager at the institute (the stations' reviewer)."""
    w = world
    w.unit_a, w.liaison_a = unit_with_liaison(w, w.station_a, "九里村小学", "liaison_a")
    w.unit_a2, w.liaison_a2 = unit_with_liaison(w, w.station_a, "九里村卫生室", "liaison_a2")
    w.unit_b, w.liaison_b = unit_with_liaison(w, w.station_b, "杨贵店村委会", "liaison_b")
    w.manager_a2 = user("manager_a2")
    role_grant(actor=w.root, user=w.manager_a2, role=Role.NODE_MANAGER, node=w.station_a)
    w.inst_manager = user("inst_manager")
    role_grant(actor=w.root, user=w.inst_manager, role=Role.NODE_MANAGER, node=w.institute)
    return w


def draft(actor, *, unit=None, node=None, title: str = "九里村敲门行动", body: str = BODY, period=None,
          code: str = "work_news") -> InfoReport:
    return services.report_create(actor=actor, unit=unit, node=node, title=title, body=body,
                                  category=category(code), period=period or this_month())


def submitted(actor, **kwargs) -> InfoReport:
    return services.report_submit(actor=actor, report=draft(actor, **kwargs))


def approved(actor, reviewer, **kwargs) -> InfoReport:
    return services.report_approve(actor=reviewer, report=submitted(actor, **kwargs))


def published(actor, reviewer, **kwargs) -> InfoReport:
    return services.report_publish(actor=reviewer, report=approved(actor, reviewer, **kwargs))


def returned(actor, reviewer, **kwargs) -> InfoReport:
    return services.report_return(actor=reviewer, report=submitted(actor, **kwargs), comment="请补充走访户数")


def sibling_reporting(world) -> dict:
    """A report of station B (submitted, so not public) with an image, for the cross-app
    "sibling station answers 404" sweep over every object endpoint
    (volunteers/tests/test_api_scope.py). The image is stored in a temporary directory that
    is removed again: the sweep needs its id, never its file."""
    report = draft(world.manager_b, node=world.station_b, title="杨贵店村工作动态")
    with tempfile.TemporaryDirectory() as tmp, override_settings(UPLOAD_DIR=tmp):
        image = services.report_image_add(actor=world.manager_b, report=report, upload=make_jpeg())
    report = services.report_submit(actor=world.manager_b, report=report)
    adoption = services.report_adoption_add(actor=world.root, report=report, outlet=services.outlet_get("xuexi"),
                                            adopted_on=this_month())
    return {"report_id": report.pk, "report_image_id": image.pk, "adoption_id": adoption.pk}


# A body that passes validation for each POST/PATCH endpoint naming a report, so the
# sweep's answer is about scope, not input (same format as BODIES in test_api_scope.py).
REPORTING_BODIES = {
    ("patch", "/reports/{report_id}"): lambda w: {"title": "改名"},
    ("post", "/reports/{report_id}/approve"): lambda w: {"comment": ""},
    ("post", "/reports/{report_id}/return"): lambda w: {"comment": "请补充"},
    ("post", "/reports/{report_id}/unpublish"): lambda w: {"comment": "撤回"},
    ("post", "/reports/{report_id}/adoptions"): lambda w: {"outlet": "xuexi", "adopted_on": "2020-02-15"},
}

"""Publication by outlet (issue 14): a reviewer records that 学习强国 or 中国文明网 adopted a
report — once per outlet, dated, with its link — counted per outlet in the figures, the work
report and the dashboard; taken back when recorded by mistake; refused in Chinese otherwise."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.core.tests.api_client import ApiClient
from wenming.dashboards.rebuild import differences
from wenming.dashboards.summary import figures_for, fold_all
from wenming.dashboards.work_report import work_report, work_report_text
from wenming.reporting import services
from wenming.reporting.models import ReportAdoption

from .factories import draft, reporting_world, submitted

pytestmark = pytest.mark.django_db
FEB = date(2020, 2, 1)


def adopted(node, outlet: str, month=FEB) -> int:
    return int(sum(figures_for(node, [f"reports_adopted:{outlet}"], since=month, until=month).values()))


def test_adoptions_are_counted_per_outlet_once_and_can_be_taken_back(world):
    w = reporting_world(world)
    report = submitted(w.manager_a, node=w.station_a)
    for outlet in ("xuexi", "wenming_cn"):
        services.report_adoption_add(actor=w.inst_manager, report=report, outlet=services.outlet_get(outlet),
                                     adopted_on=date(2020, 2, 15), link="https://www.xuexi.cn/a.html")
    with pytest.raises(DomainError) as refused:
        services.report_adoption_add(actor=w.inst_manager, report=report, outlet=services.outlet_get("学习强国"),
                                     adopted_on=date(2020, 2, 16))
    assert refused.value.code == "reporting.adopted_already" and "学习强国" in refused.value.message
    assert adopted(w.county, "xuexi") == 1 and adopted(w.county, "wenming_cn") == 1
    text = work_report_text(work_report(w.county, since=FEB, until=FEB))
    assert "信息刊播：学习强国1篇，中国文明网1篇。" in text
    first = ReportAdoption.objects.get(outlet__code="xuexi")
    services.report_adoption_remove(actor=w.inst_manager, report=report, adoption_id=first.pk)
    services.report_adoption_remove(actor=w.inst_manager, report=report, adoption_id=first.pk)  # idempotent
    assert adopted(w.county, "xuexi") == 0 and adopted(w.county, "wenming_cn") == 1
    fold_all()
    assert differences() == []


def test_who_may_record_and_bad_input(world):
    w = reporting_world(world)
    report = submitted(w.manager_a, node=w.station_a)
    xuexi = services.outlet_get("xuexi")
    with pytest.raises(DomainError) as refused:
        services.report_adoption_add(actor=w.manager_a, report=report, outlet=xuexi, adopted_on=FEB)
    assert refused.value.code == "reporting.not_reviewer"
    with pytest.raises(DomainError) as refused:
        services.report_adoption_add(actor=w.inst_manager, report=draft(w.manager_a, node=w.station_a), outlet=xuexi,
                                     adopted_on=FEB)
    assert refused.value.code == "reporting.not_adoptable"
    for kwargs, code in (({"adopted_on": timezone.localdate() + timedelta(days=1)}, "reporting.adopted_on_invalid"),
                         ({"adopted_on": "1999-12-31"}, "reporting.adopted_on_invalid"),
                         ({"adopted_on": "\x00"}, "reporting.adopted_on_invalid"),
                         ({"link": "javascript:alert(1)"}, "reporting.link_invalid"),
                         ({"link": "https://" + "a" * 600}, "reporting.link_invalid")):
        with pytest.raises(DomainError) as refused:
            services.report_adoption_add(actor=w.inst_manager, report=report, outlet=xuexi,
                                         **{"adopted_on": FEB, **kwargs})
        assert refused.value.code == code, kwargs
    with pytest.raises(DomainError) as refused:
        services.outlet_get("不存在的平台")
    assert refused.value.code == "reporting.outlet_unknown"
    assert not ReportAdoption.objects.exists()


def test_the_api_and_the_page(world):
    w = reporting_world(world)
    report = submitted(w.manager_a, node=w.station_a)
    api = ApiClient("inst_manager")
    assert "学习强国" in [o["name"] for o in api.get("/reports/outlets").json()]
    res = api.post(f"/reports/{report.pk}/adoptions", {"outlet": "xuexi", "adopted_on": "2020-02-15"})
    assert res.status_code == 201 and res.json()["outlet_name"] == "学习强国"
    detail = api.get(f"/reports/{report.pk}").json()
    assert [a["outlet"] for a in detail["adoptions"]] == ["xuexi"] and "adopt" in detail["actions"]
    assert api.post(f"/reports/{report.pk}/adoptions", {"outlet": 10**30, "adopted_on": "2020-02-15"}).status_code \
        == 422
    res = ApiClient("manager_a").post(f"/reports/{report.pk}/adoptions", {"outlet": "people", "adopted_on": "2020-02-15"})
    assert res.status_code == 403
    assert api.delete(f"/reports/{report.pk}/adoptions/{10**30}").status_code in (204, 404, 422)
    client = Client()
    client.force_login(w.inst_manager)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "刊播采用" in page and "学习强国" in page and "登记刊播采用" in page
    res = client.post(f"/reports/{report.pk}/adoptions/", {"outlet": services.outlet_get("people").pk,
                                                          "adopted_on": "2020-02-20", "link": ""})
    assert res.status_code == 302 and ReportAdoption.objects.count() == 2
    bad = client.post(f"/reports/{report.pk}/adoptions/", {"outlet": services.outlet_get("xinhua").pk,
                                                          "adopted_on": "2099-01-01"})
    assert bad.status_code == 422 and "刊播日期应为" in bad.content.decode()
    one = ReportAdoption.objects.get(outlet__code="people")
    assert client.post(f"/reports/{report.pk}/adoptions/{one.pk}/delete/").status_code == 302
    assert ReportAdoption.objects.count() == 1
    author = Client()
    author.force_login(w.manager_a)
    seen = author.get(f"/reports/{report.pk}/").content.decode()
    assert "学习强国" in seen and "登记刊播采用" not in seen

"""The campaigns pages through real requests."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from wenming.accounts.models import User
from wenming.campaigns.models import ActivityEngagement, PartyCheckin, ReformRecord, TallyEntry

from .factories import activity, add, fill, liaison, party_member, reform, this_month, unit

pytestmark = pytest.mark.django_db


def login(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def html(response) -> str:
    return response.content.decode()


def _month() -> str:
    return f"{this_month():%Y-%m}"


def test_tallies_page_shows_own_values_subtree_totals_and_children(world):
    add(world.root, world.station_a, 10)
    add(world.root, world.point_a, 5)
    add(world.root, unit(world), 2)
    res = login(world.manager_a).get(reverse("campaigns:tallies"), {"subject": f"n:{world.station_a.pk}",
                                                                    "month": _month()})
    assert res.status_code == 200
    page = html(res)
    assert 'id="indicator-banner"' in page and "<strong>17</strong>" in page and world.point_a.name in page
    assert "下载填报表" in page


def test_a_foreign_subject_shows_nothing(world):
    add(world.root, world.station_b, 99)
    res = login(world.manager_a).get(reverse("campaigns:tallies"), {"subject": f"n:{world.station_b.pk}"})
    assert res.status_code == 200 and "99" not in html(res).split("</form>", 1)[1]
    res = login(world.manager_a).get(reverse("campaigns:sheet_download"), {"subject": f"n:{world.station_b.pk}"})
    assert res.status_code == 404
    for bad in ("n:²", "u:abc", "x:1", "n:" + "9" * 30):
        assert login(world.manager_a).get(reverse("campaigns:tallies"), {"subject": bad}).status_code == 200


def test_entry_form_correction_and_ledger(world):
    c = login(world.manager_a)
    from wenming.campaigns.tests.factories import indicator

    res = c.post(reverse("campaigns:entry_new"), {"subject": f"n:{world.station_a.pk}", "month": _month(),
                                                  "indicator": indicator("poster").pk, "value": "40"})
    assert res.status_code == 302, html(res)
    entry = TallyEntry.objects.get()
    res = c.post(reverse("campaigns:entry_correct", args=[entry.pk]), {"delta": "-50", "reason": "多报"})
    assert res.status_code == 409 and "将为负数" in html(res)
    res = c.post(reverse("campaigns:entry_correct", args=[entry.pk]), {"delta": "-5", "reason": "多报"})
    assert res.status_code == 302
    page = html(c.get(reverse("campaigns:entries")))
    assert "更正 #" in page and "-5" in page
    res = c.post(reverse("campaigns:entry_new"), {"subject": f"n:{world.station_b.pk}", "month": _month(),
                                                  "indicator": indicator("poster").pk, "value": "1"})
    assert res.status_code == 422 and TallyEntry.objects.count() == 2
    other = add(world.root, world.station_b, 3)
    assert c.get(reverse("campaigns:entry_correct", args=[other.pk])).status_code == 404


def test_sheet_download_and_upload_pages(world):
    c = login(world.manager_a)
    res = c.get(reverse("campaigns:sheet_download"), {"subject": f"n:{world.station_a.pk}", "month": _month()})
    data = b"".join(res.streaming_content)
    assert load_workbook(io.BytesIO(data)).active["B2"].value == world.station_a.code
    bad = io.BytesIO(fill(data, {"banner": "很多", "poster": 3}))
    bad.name = "表.xlsx"
    res = c.post(reverse("campaigns:sheet_upload"), {"file": bad})
    assert res.status_code == 422 and "id=\"row-errors\"" in html(res) and "很多" in html(res)
    assert not TallyEntry.objects.exists()
    good = io.BytesIO(fill(data, {"banner": 3}))
    good.name = "表.xlsx"
    res = c.post(reverse("campaigns:sheet_upload"), {"file": good})
    assert res.status_code == 200 and "1 项有变动" in html(res)
    junk = io.BytesIO(b"hello")
    junk.name = "x.xlsx"
    res = c.post(reverse("campaigns:sheet_upload"), {"file": junk})
    assert res.status_code == 400 and "无法读取文件" in html(res)


def test_a_liaison_uses_the_tally_pages_for_their_unit(world):
    mine = unit(world)
    person = liaison(world, mine)
    c = login(person)
    page = html(c.get(reverse("campaigns:tallies")))
    assert mine.name in page and world.station_b.name not in page
    assert login(world.leader).get(reverse("campaigns:tallies")).status_code == 403


def test_reform_pages(world):
    c = login(world.manager_a)
    res = c.post(reverse("campaigns:reform_new"), {"node": world.station_a.pk, "kind": "funeral_simplified",
                                                   "household": "三组 12 号", "head_name": "张三丰",
                                                   "occurred_on": str(this_month())})
    assert res.status_code == 302, html(res)
    page = html(c.get(reverse("campaigns:reform"), {"node": world.station_a.pk}))
    assert "张*丰" in page and "张三丰" not in page and 'id="reform-counts"' in page
    record = ReformRecord.objects.get()
    assert c.post(reverse("campaigns:reform_void", args=[record.pk]), {"reason": "重复"}).status_code == 302
    theirs = reform(world.manager_b, world.station_b)
    assert c.get(reverse("campaigns:reform_void", args=[theirs.pk])).status_code == 404


def test_online_pages_and_the_public_page_count_once_per_browser(world):
    c = login(world.manager_a)
    res = c.post(reverse("campaigns:online_new"), {"node": world.station_a.pk, "title": "网上祭英烈",
                                                   "starts_at": "2020-01-01T08:00", "ends_at": "2099-01-01T08:00",
                                                   "link": "https://example.org"})
    assert res.status_code == 302, html(res)
    act = activity(world.manager_a, world.station_a, title="第二个")
    visitor = Client()
    url = reverse("campaigns:online_public", args=[act.pk])
    assert visitor.get(url).status_code == 200 and "wm_visitor" in visitor.cookies
    visitor.get(url)
    assert visitor.post(url, {"kind": "participate"}).status_code == 200
    assert "今天已记录过" in html(visitor.post(url, {"kind": "participate"}))
    Client().get(url)  # another browser
    assert ActivityEngagement.objects.filter(activity=act, kind="view").count() == 2
    assert ActivityEngagement.objects.filter(activity=act, kind="participate").count() == 1
    page = html(c.get(reverse("campaigns:online_detail", args=[act.pk])))
    assert 'id="stats"' in page
    other = activity(world.manager_b, world.station_b)
    assert c.get(reverse("campaigns:online_detail", args=[other.pk])).status_code == 404
    assert Client().get(reverse("campaigns:online_public", args=[999999])).status_code == 404


def test_party_pages(world):
    member = party_member(world)
    member.user = User.objects.create_user(username="dangyuan", password="x")
    member.save(update_fields=["user"])
    me = login(member.user)
    assert "到九里村新时代文明实践站报到" in html(me.get(reverse("campaigns:party")))
    assert me.post(reverse("campaigns:party_checkin")).status_code == 302
    assert me.post(reverse("campaigns:party_checkin")).status_code == 302
    assert PartyCheckin.objects.filter(withdrawn_at__isnull=True).count() == 1
    staff = login(world.manager_a)
    other = party_member(world, phone="13900000056")
    assert staff.post(reverse("campaigns:party_checkin"), {"volunteer_no": other.volunteer_no}).status_code == 302
    res = staff.post(reverse("campaigns:party_checkin"), {"volunteer_no": world.vol_a.volunteer_no})
    assert res.status_code == 409 and "中共党员" in html(res)
    res = staff.post(reverse("campaigns:party_checkin"), {"volunteer_no": world.vol_b.volunteer_no})
    assert res.status_code == 404
    page = html(staff.get(reverse("campaigns:party"), {"node": world.station_a.pk}))
    assert "<strong>2</strong>" in page
    checkin = PartyCheckin.objects.get(volunteer=other)
    assert staff.post(reverse("campaigns:party_withdraw", args=[checkin.pk]), {"reason": "迁出"}).status_code == 302
    assert login(world.manager_b).get(reverse("campaigns:party_withdraw", args=[checkin.pk])).status_code == 404

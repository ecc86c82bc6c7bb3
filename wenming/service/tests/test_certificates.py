from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry
from wenming.core.tests.api_client import ApiClient
from wenming.service.certificate_services import (
    certificate_batch_zip,
    certificate_issue,
    certificate_issue_batch,
    certificate_pdf,
    certificate_revoke,
    mask_name,
)
from wenming.service.hours_services import hours_correct, hours_makeup
from wenming.service.models import Certificate, VolunteerStats
from wenming.service.tests.factories import many_volunteers
from wenming.service.tests.test_certificate_pdf import flat, read
from wenming.volunteers.tests.factories import user

pytestmark = pytest.mark.django_db


def _ledger(world, volunteer=None):
    """Three entries: 3 h, 2 h corrected by +1.5 and -0.5, and 4 h corrected away to 0."""
    vol = volunteer or world.vol_a
    node = vol.home_node
    first = hours_makeup(actor=world.root, volunteer=vol, hours=Decimal(3), service_date=date(2025, 3, 1),
                         reason="社区清扫", node=node)
    second = hours_makeup(actor=world.root, volunteer=vol, hours=Decimal(2), service_date=date(2025, 4, 2),
                          reason="文明劝导", node=node)
    third = hours_makeup(actor=world.root, volunteer=vol, hours=Decimal(4), service_date=date(2025, 5, 3),
                         reason="误录", node=node)
    correction = hours_correct(actor=world.root, record=second, delta=Decimal("1.5"), reason="漏记")
    hours_correct(actor=world.root, record=correction, delta=Decimal("-0.5"), reason="更正的更正")
    hours_correct(actor=world.root, record=third, delta=Decimal(-4), reason="误录撤销")
    return first, second, third


def test_mask_name():
    assert [mask_name(n) for n in ("张三丰", "李明", "欧阳娜娜", "王", "")] == ["张*丰", "李*", "欧**娜", "*", ""]


def test_total_equals_the_ledger_after_corrections(world):
    _ledger(world)
    cert = certificate_issue(actor=world.manager_a, volunteer=world.vol_a)
    stats = VolunteerStats.objects.get(pk=world.vol_a.pk)
    assert cert.total_hours == stats.total_hours == Decimal("6.00")
    assert [(line["date"], line["hours"]) for line in cert.lines] == [("2025-03-01", "3.00"), ("2025-04-02", "3.00")]
    assert (cert.period_from, cert.period_to) == (date(2025, 3, 1), date(2025, 4, 2))
    assert cert.number.startswith("ZS") and len(cert.number) == 14 and len(cert.verify_code) >= 20
    assert AuditEntry.objects.filter(action="certificate.issue", object_id=str(cert.pk)).exists()
    assert "李明" not in str(cert.lines) and world.vol_a.volunteer_no not in str(cert.lines)


def test_pdf_holds_name_number_hours_and_no_raw_id(world):
    _ledger(world)
    cert = certificate_issue(actor=world.manager_a, volunteer=world.vol_a)
    pdf = certificate_pdf(cert)
    _, text = read(pdf)
    text = flat(text)
    for expected in ("李明", world.vol_a.volunteer_no, "6小时", cert.number, world.vol_a.id_number_masked,
                     world.station_a.name):
        assert expected in text, expected
    raw = world.vol_a.reveal_id_number()
    assert raw not in text and raw.encode() not in pdf


def test_no_hours_is_refused(world):
    with pytest.raises(DomainError) as exc:
        certificate_issue(actor=world.root, volunteer=world.vol_a)
    assert exc.value.code == "service.certificate_no_hours"


def test_scope_sibling_station_gets_404(world):
    _ledger(world, world.vol_b)
    with pytest.raises(DomainError) as exc:
        certificate_issue(actor=world.manager_a, volunteer=world.vol_b)
    assert exc.value.status == 404
    _ledger(world)
    with pytest.raises(DomainError) as exc:  # nor in the name of a node out of scope
        certificate_issue(actor=world.manager_a, volunteer=world.vol_a, node=world.station_b)
    assert exc.value.status == 404
    cert = certificate_issue(actor=world.manager_b, volunteer=world.vol_b)
    client = Client()
    client.force_login(world.manager_a)
    assert client.get(f"/service/certificates/{cert.pk}/pdf").status_code == 404
    assert ApiClient("manager_a").get(f"/service-certificates/{cert.pk}").status_code == 404
    client.force_login(world.manager_b)
    res = client.get(f"/service/certificates/{cert.pk}/pdf")
    assert res.status_code == 200 and res["Content-Type"] == "application/pdf"


def test_volunteer_issues_their_own(world):
    _ledger(world)
    account = user("li_ming")
    world.vol_a.user = account
    world.vol_a.save(update_fields=["user"])
    cert = certificate_issue(actor=account, volunteer=world.vol_a)
    assert cert.node_id == world.station_a.pk
    with pytest.raises(DomainError):
        certificate_issue(actor=account, volunteer=world.vol_b)


def test_verification_page_masks_the_name_and_shows_revocation(world):
    _ledger(world)
    cert = certificate_issue(actor=world.manager_a, volunteer=world.vol_a)
    page = Client().get(f"/service/verify/{cert.verify_code}/").content.decode()
    assert "李*" in page and "李明" not in page and world.vol_a.volunteer_no in page and cert.number in page
    assert "有效" in page and world.station_a.name in page and "6 小时" in page
    for secret in (world.vol_a.reveal_id_number(), world.vol_a.id_number_masked, world.vol_a.reveal_phone(),
                   world.vol_a.phone_masked):
        assert secret not in page
    res = Client().get("/service/verify/", {"number": cert.number.lower(), "volunteer_no": world.vol_a.volunteer_no})
    assert res.status_code == 302 and res["Location"].endswith(f"/service/verify/{cert.verify_code}/")
    # The number alone, or with someone else's volunteer number, finds nothing.
    assert Client().get("/service/verify/", {"number": cert.number}).status_code == 404
    assert Client().get("/service/verify/", {"number": cert.number, "volunteer_no": "WM9999999999"}).status_code == 404
    certificate_revoke(actor=world.manager_a, certificate=cert, reason="重新出具")
    page = Client().get(f"/service/verify/{cert.verify_code}/").content.decode()
    assert "已作废" in page
    api = ApiClient().get(f"/service-certificates/verify/{cert.verify_code}").json()
    assert api["valid"] is False and api["volunteer_name"] == "李*" and "id_number" not in str(api)
    with pytest.raises(DomainError):
        certificate_pdf(cert)


@pytest.mark.parametrize("path", ["/service/verify/AAAAAAAAAAAAAAAAAAAAAA/", "/service/verify/%3Cx%3E/",
                                  "/service/verify/?number=ZS202500000099&volunteer_no=WM0000000001",
                                  "/service/verify/?number=abc&volunteer_no=x"])
def test_unknown_and_malformed_answer_the_same_404(world, path):
    res = Client().get(path)
    assert res.status_code == 404
    assert "未找到该证明，请核对证书编号或核验码" in res.content.decode()


def test_batch_of_n_makes_n_certificates_and_a_zip(world, tmp_path):
    import zipfile

    vols = many_volunteers(world, 3)
    for vol in vols:
        hours_makeup(actor=world.root, volunteer=vol, hours=Decimal(2), service_date=date(2025, 6, 1),
                     reason="补录", node=world.station_a)
    certs = certificate_issue_batch(actor=world.manager_a, volunteers=vols, node=world.station_a)
    assert len(certs) == 3 == Certificate.objects.count()
    assert len({c.number for c in certs}) == 3
    assert certificate_batch_zip(certs, tmp_path / "b.zip") == 3
    assert len(zipfile.ZipFile(tmp_path / "b.zip").namelist()) == 3


def test_api_issue_detail_pdf_revoke_and_batch(world):
    _ledger(world)
    client = ApiClient("manager_a")
    res = client.post("/service-certificates", {"volunteer_id": world.vol_a.pk})
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["total_hours"] in ("6.00", 6.0, "6") and body["verify_url"].endswith("/")
    cid = body["id"]
    assert client.get(f"/service-certificates/{cid}").json()["number"] == body["number"]
    pdf = client.get(f"/service-certificates/{cid}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.post(f"/service-certificates/{cid}/revoke", {"reason": "x"}).json()["revoked_at"]
    assert client.post(f"/service-certificates/{cid}/revoke", {}).status_code == 409
    res = client.post("/service-certificates/batch", {"volunteer_ids": [world.vol_a.pk]})
    assert res.status_code == 201 and len(res.json()) == 1
    res = client.post("/service-certificates/batch", {"volunteer_ids": [world.vol_a.pk, world.vol_b.pk]})
    assert res.status_code == 404
    assert ApiClient().get("/service-certificates/verify/nope").status_code == 404


def test_typed_lookups_are_rate_limited_per_address(world):
    from django.core.cache import cache

    from wenming.service.certificate_views import LOOKUPS_PER_WINDOW

    cache.clear()
    client = Client(REMOTE_ADDR="203.0.113.7")
    codes = [client.get("/service/verify/", {"number": f"ZS2025{n:08d}", "volunteer_no": "WM0000000001"}).status_code
             for n in range(LOOKUPS_PER_WINDOW + 1)]
    assert codes[:-1] == [404] * LOOKUPS_PER_WINDOW
    assert codes[-1] == 429
    other = Client(REMOTE_ADDR="203.0.113.8").get("/service/verify/", {"number": "ZS202500000001",
                                                                       "volunteer_no": "WM0000000001"})
    assert other.status_code == 404  # another address is not affected
    cache.clear()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_tap_on_my_certificate_issues_one():
    from wenming.accounts.models import User
    from wenming.service.certificate_services import certificate_issue_own
    from wenming.service.tests.factories import storm
    from wenming.volunteers.tests.factories import build_world

    world = build_world()
    hours_makeup(actor=world.manager_a, volunteer=world.vol_a, hours=Decimal("6"), service_date=date(2026, 3, 1),
                 reason="补录", node=world.station_a)
    world.vol_a.user = User.objects.create_user(username="liming", password="x")
    world.vol_a.save()
    results = storm([lambda: certificate_issue_own(actor=world.vol_a.user, volunteer=world.vol_a)[1]] * 6, threads=6)
    assert sorted(results) == [False] * 5 + [True]
    assert Certificate.objects.filter(volunteer=world.vol_a).count() == 1


def test_the_rate_limit_counts_the_address_the_proxy_reports(world, settings):
    from django.core.cache import cache

    from wenming.service.certificate_views import LOOKUPS_PER_WINDOW

    settings.CLIENT_IP_HEADER = "X-Real-IP"
    cache.clear()
    proxy = Client(REMOTE_ADDR="10.0.0.1")  # every visitor arrives from the proxy
    query = {"number": "ZS202500000001", "volunteer_no": "WM0000000001"}
    for _ in range(LOOKUPS_PER_WINDOW):
        assert proxy.get("/service/verify/", query, HTTP_X_REAL_IP="198.51.100.1").status_code == 404
    assert proxy.get("/service/verify/", query, HTTP_X_REAL_IP="198.51.100.1").status_code == 429
    assert proxy.get("/service/verify/", query, HTTP_X_REAL_IP="198.51.100.2").status_code == 404
    cache.clear()

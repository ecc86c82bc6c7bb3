"""No dead ends (issue 15): a volunteer updates their own insurance and skills with evidence;
the update is pending (待审核) and does not count for sign-up until staff over the volunteer's
node confirm it, or return it with a reason (已退回：原因). Scope, own changes, audit rows and
bad input."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from wenming.accounts.models import User
from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry, Notification, StoredImage
from wenming.core.testing import make_jpeg
from wenming.service.enrollment_services import enrollment_create
from wenming.service.tests.factories import recruiting_shift
from wenming.volunteers import change_services as cs
from wenming.volunteers.change_models import ProfileChange
from wenming.volunteers.change_selectors import profile_change_list_for_actor
from wenming.volunteers.models import Skill
from wenming.volunteers.selectors import pending_confirmations_count

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path / "uploads")


@pytest.fixture
def me(world):
    user = User.objects.create_user(username="liming", password="Wenming!2024")
    world.vol_a.user = user
    world.vol_a.save()
    return user


def _photo(name="policy.jpg"):
    return SimpleUploadedFile(name, make_jpeg(80, 60), content_type="image/jpeg")


def _insurance(world, me, **over):
    kw = {"insurer": "中国人寿秭归支公司", "policy_no": "PZG2026-0001", "evidence": _photo(),
          "valid_until": timezone.localdate() + timedelta(days=365), **over}
    return cs.insurance_change_submit(actor=me, volunteer=world.vol_a, **kw)


def _code(fn, **kw):
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    return exc.value.code


# ---- services ---------------------------------------------------------------------------


def test_insurance_counts_for_sign_up_only_after_staff_confirm(world, me):
    shift = recruiting_shift(world, capacity=3, requires_insurance=True)
    change = _insurance(world, me)
    assert change.status == "pending" and change.evidence is not None
    world.vol_a.refresh_from_db()
    assert world.vol_a.insurance_valid_until is None  # nothing changed on the volunteer yet
    assert _code(enrollment_create, actor=me, shift=shift, volunteer=world.vol_a) == "service.insurance_required"

    cs.profile_change_confirm(actor=world.manager_a, change=change)
    change.refresh_from_db()
    world.vol_a.refresh_from_db()
    assert change.status == "confirmed" and change.decided_by == world.manager_a and change.decided_at
    assert world.vol_a.insurance_valid_until == change.insurance_valid_until
    assert enrollment_create(actor=me, shift=shift, volunteer=world.vol_a).status == "confirmed"
    actions = list(AuditEntry.objects.filter(action__startswith="volunteer.change_").values_list("action", flat=True))
    assert sorted(actions) == ["volunteer.change_confirm", "volunteer.change_submit"]
    assert Notification.objects.filter(volunteer=world.vol_a, subject="保险信息已确认").exists()


def test_skills_count_only_after_confirmation_and_rejection_keeps_the_old_set(world, me):
    medical = Skill.objects.get(code="medical")
    shift = recruiting_shift(world, capacity=3)
    shift.project.required_skills.add(medical)
    change = cs.skills_change_submit(actor=me, volunteer=world.vol_a, skills=[medical], note="持红十字救护员证")
    assert _code(enrollment_create, actor=me, shift=shift, volunteer=world.vol_a) == "service.skills_missing"
    cs.profile_change_reject(actor=world.manager_a, change=change, reason="请附上救护员证照片")
    change.refresh_from_db()
    assert (change.status, change.reject_reason) == ("rejected", "请附上救护员证照片")
    assert list(world.vol_a.skills.all()) == []
    assert Notification.objects.filter(volunteer=world.vol_a, subject="技能特长被退回").exists()

    again = cs.skills_change_submit(actor=me, volunteer=world.vol_a, skills=[medical], evidence=_photo("cert.jpg"))
    cs.profile_change_confirm(actor=world.office, change=again)  # office staff over the county: also in scope
    assert list(world.vol_a.skills.all()) == [medical]
    assert enrollment_create(actor=me, shift=shift, volunteer=world.vol_a).status == "confirmed"


def test_a_new_submission_withdraws_the_pending_one(world, me):
    first = _insurance(world, me)
    second = _insurance(world, me, policy_no="PZG2026-0002")
    first.refresh_from_db()
    assert first.status == "withdrawn" and second.status == "pending"
    assert ProfileChange.objects.filter(volunteer=world.vol_a, status="pending").count() == 1
    cs.profile_change_withdraw(actor=me, change=second)
    second.refresh_from_db()
    assert second.status == "withdrawn"
    assert pending_confirmations_count(world.manager_a) == 0


def test_decisions_happen_once(world, me):
    change = _insurance(world, me)
    cs.profile_change_confirm(actor=world.manager_a, change=change)
    assert _code(cs.profile_change_confirm, actor=world.manager_a, change=change) == "volunteer_change.not_pending"
    assert _code(cs.profile_change_reject, actor=world.office, change=change, reason="晚了") == \
        "volunteer_change.not_pending"
    assert AuditEntry.objects.filter(action="volunteer.change_confirm").count() == 1


def test_scope_staff_of_another_node_cannot_see_or_decide(world, me):
    change = _insurance(world, me)
    assert pending_confirmations_count(world.manager_a) == 1
    assert pending_confirmations_count(world.office) == 1
    assert pending_confirmations_count(world.manager_b) == 0
    assert list(profile_change_list_for_actor(actor=world.manager_b)) == []
    assert _code(cs.profile_change_confirm, actor=world.manager_b, change=change) == "not_found"
    assert _code(cs.profile_change_reject, actor=world.manager_b, change=change, reason="x") == "not_found"
    assert _code(cs.profile_change_confirm, actor=world.leader, change=change) == "not_found"  # leaders: no
    assert _code(cs.profile_change_confirm, actor=me, change=change) == "not_found"  # the volunteer
    change.refresh_from_db()
    assert change.status == "pending"


def test_staff_who_is_the_volunteer_cannot_confirm_their_own(world):
    """A station manager who is also a volunteer: their own change waits for someone else."""
    world.vol_a.user = world.manager_a
    world.vol_a.save()
    change = _insurance(world, world.manager_a)
    assert _code(cs.profile_change_confirm, actor=world.manager_a, change=change) == "volunteer_change.own_change"
    assert pending_confirmations_count(world.manager_a) == 0  # not on their own to-do list
    assert pending_confirmations_count(world.office) == 1


def test_only_the_volunteer_submits_their_own(world, me):
    assert _code(cs.insurance_change_submit, actor=world.manager_a, volunteer=world.vol_a, insurer="人保财险",
                 policy_no="A1234", valid_until=timezone.localdate(), evidence=_photo()) == "not_found"
    assert _code(cs.skills_change_submit, actor=me, volunteer=world.vol_b, skills=[]) == "not_found"
    assert not StoredImage.objects.exists()


@pytest.mark.parametrize(("field", "value", "code"), [
    ("insurer", "", "volunteer_change.insurer_required"),
    ("insurer", "人\x00保", "volunteer_change.insurer_invalid"),
    ("insurer", "保" * 101, "volunteer_change.insurer_invalid"),
    ("policy_no", "保单号", "volunteer_change.policy_invalid"),
    ("policy_no", "A" * 65, "volunteer_change.policy_invalid"),
    ("policy_no", "AB\x0012", "volunteer_change.policy_invalid"),
    ("valid_until", None, "volunteer_change.valid_until_required"),
    ("valid_until", "2030-01-01", "volunteer_change.valid_until_required"),  # not a date object
    ("evidence", None, "volunteer_change.evidence_required"),
    ("note", "说" * 201, "volunteer_change.note_invalid"),
])
def test_bad_insurance_input_is_refused_and_writes_nothing(world, me, field, value, code):
    assert _code(_insurance, world=world, me=me, **{field: value}) == code
    assert not ProfileChange.objects.exists() and not StoredImage.objects.exists()


def test_insurance_dates_past_and_far_future_are_refused(world, me):
    today = timezone.localdate()
    assert _code(_insurance, world=world, me=me, valid_until=today - timedelta(days=1)) == \
        "volunteer_change.valid_until_past"
    assert _code(_insurance, world=world, me=me, valid_until=today.replace(year=today.year + 11)) == \
        "volunteer_change.valid_until_far"
    assert _insurance(world, me, valid_until=today).status == "pending"  # valid through today: fine


def test_full_width_policy_number_is_folded(world, me):
    change = _insurance(world, me, policy_no="ｐｚｇ　２０２６－００１")
    assert change.policy_no == "PZG2026-001"


def test_a_huge_or_fake_photo_is_refused_and_nothing_is_kept(world, me, settings):
    settings.UPLOAD_MAX_BYTES = 200_000
    huge = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * 300_000, content_type="image/jpeg")
    assert _code(_insurance, world=world, me=me, evidence=huge) == "upload.too_large"
    fake = SimpleUploadedFile("policy.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    assert _code(_insurance, world=world, me=me, evidence=fake) == "upload.unsupported_type"
    assert not ProfileChange.objects.exists() and not StoredImage.objects.exists()


def test_reject_needs_a_clean_reason(world, me):
    change = _insurance(world, me)
    assert _code(cs.profile_change_reject, actor=world.manager_a, change=change, reason="  ") == \
        "volunteer_change.reason_required"
    assert _code(cs.profile_change_reject, actor=world.manager_a, change=change, reason="a\x00b") == \
        "volunteer_change.reason_invalid"
    assert _code(cs.profile_change_reject, actor=world.manager_a, change=change, reason="因" * 201) == \
        "volunteer_change.reason_invalid"
    change.refresh_from_db()
    assert change.status == "pending"


def test_unchanged_skills_are_refused(world, me):
    assert _code(cs.skills_change_submit, actor=me, volunteer=world.vol_a, skills=[]) == \
        "volunteer_change.skills_unchanged"


# ---- pages ------------------------------------------------------------------------------


@pytest.fixture
def vol_client(client, me):
    client.force_login(me)
    return client


def _post_insurance(c, **over):
    data = {"insurer": "中国人寿秭归支公司", "policy_no": "PZG2026-0001",
            "valid_until": f"{timezone.localdate() + timedelta(days=200):%Y-%m-%d}", "evidence": _photo(), **over}
    return c.post(reverse("volunteers:my_insurance") + "?next=/projects/1/", data)


def test_volunteer_updates_insurance_from_their_page_and_sees_pending(vol_client, world):
    page = vol_client.get(reverse("volunteers:me")).content.decode()
    assert f'href="{reverse("volunteers:my_insurance")}"' in page and "保险和技能可以自己更新" in page
    res = _post_insurance(vol_client)
    assert res.status_code == 302 and res["Location"] == reverse("volunteers:my_insurance") + "?next=%2Fprojects%2F1%2F"
    page = vol_client.get(res["Location"]).content.decode()
    assert "待审核" in page and "PZG2026-0001" in page and 'id="back-to-next"' in page
    assert "更新待审核" in vol_client.get(reverse("volunteers:me")).content.decode()


def test_insurance_form_shows_every_error_at_once(vol_client, world):
    res = _post_insurance(vol_client, insurer="", policy_no="保单", valid_until="2000-01-01", evidence="")
    page = res.content.decode()
    assert res.status_code == 422
    for message in ("请填写保险公司", "保单号应为", "保险有效期已过", "请上传保单照片或扫描件"):
        assert message in page
    assert not ProfileChange.objects.exists()


def test_insurance_form_refuses_nul_and_a_bad_next(vol_client, world):
    res = _post_insurance(vol_client, insurer="人保\x00财险", next="https://evil.example/")
    assert res.status_code == 422 and "不能包含空字符" in res.content.decode()
    res = vol_client.post(reverse("volunteers:my_insurance"), {
        "insurer": "人保财险", "policy_no": "A12345", "valid_until": f"{timezone.localdate():%Y-%m-%d}",
        "evidence": _photo(), "next": "https://evil.example/"})
    assert res.status_code == 302 and res["Location"] == reverse("volunteers:my_insurance")


def test_photo_problem_is_shown_under_the_photo_field(vol_client, world):
    fake = SimpleUploadedFile("policy.jpg", b"<html>not an image</html>", content_type="image/jpeg")
    res = _post_insurance(vol_client, evidence=fake)
    assert res.status_code == 415 and 'id="f-evidence"' in res.content.decode()
    page = res.content.decode()
    field = page[page.index('id="f-evidence"'):]
    assert "JPG" in field[:field.index("</div>")] or "图片" in field[:field.index("</div>")]


def test_skills_page_submits_the_whole_set(vol_client, world):
    medical, driving = Skill.objects.get(code="medical"), Skill.objects.exclude(code="medical").first()
    res = vol_client.post(reverse("volunteers:my_skills"), {"skills": [medical.pk, driving.pk], "note": "救护员证"})
    assert res.status_code == 302
    change = ProfileChange.objects.get(kind="skills")
    assert set(change.skills.all()) == {medical, driving}
    res = vol_client.post(reverse("volunteers:my_skills"), {"skills": ["99999999999999999999999", "abc"]})
    assert res.status_code == 422 and "所选技能不在技能目录中" in res.content.decode()


def test_staff_confirm_and_reject_from_the_list(client, world, me):
    change = _insurance(world, me)
    other = cs.skills_change_submit(actor=me, volunteer=world.vol_a, skills=[Skill.objects.get(code="medical")])
    client.force_login(world.manager_a)
    page = client.get(reverse("volunteers:changes")).content.decode()
    assert f'id="change-{change.pk}"' in page and f'id="change-{other.pk}"' in page and "PZG2026-0001" in page
    assert "待审核" in client.get(reverse("volunteers:list")).content.decode()
    evidence = client.get(reverse("volunteers:change_evidence", args=[change.pk]))
    assert evidence.status_code == 200 and evidence["Content-Type"] == "image/jpeg"

    res = client.post(reverse("volunteers:change_reject", args=[other.pk]), {"reason": ""})
    assert res.status_code == 422 and "退回时请填写原因" in res.content.decode()
    res = client.post(reverse("volunteers:change_reject", args=[other.pk]), {"reason": "请附证书照片"})
    assert res.status_code == 302
    res = client.post(reverse("volunteers:change_confirm", args=[change.pk]), follow=True)
    assert "已确认" in res.content.decode()
    res = client.post(reverse("volunteers:change_confirm", args=[change.pk]), follow=True)  # a second tap
    assert "该变更已处理" in res.content.decode()
    world.vol_a.refresh_from_db()
    assert world.vol_a.insurance_valid_until == change.insurance_valid_until

    client.force_login(me)
    page = client.get(reverse("volunteers:my_skills")).content.decode()
    assert "已退回" in page and "请附证书照片" in page
    page = client.get(reverse("volunteers:my_insurance")).content.decode()
    assert "已确认" in page


def test_staff_outside_the_node_and_the_volunteer_get_404(client, world, me):
    change = _insurance(world, me)
    client.force_login(world.manager_b)
    for name in ("change_confirm", "change_reject"):
        assert client.post(reverse(f"volunteers:{name}", args=[change.pk]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("volunteers:change_evidence", args=[change.pk])).status_code == 404
    assert f'id="change-{change.pk}"' not in client.get(reverse("volunteers:changes")).content.decode()
    client.force_login(me)
    assert client.post(reverse("volunteers:change_confirm", args=[change.pk])).status_code == 403  # not staff at all
    assert client.get(reverse("volunteers:change_evidence", args=[change.pk])).status_code == 200  # their own
    for bad in ("abc", "99999999999999999999999", "1%00"):
        assert client.post(f"/volunteers/me/changes/{bad}/withdraw/").status_code == 404
    change.refresh_from_db()
    assert change.status == "pending"


def test_account_without_volunteer_record_is_sent_to_registration(client, world):
    user = User.objects.create_user(username="resident1", password="Wenming!2024")
    client.force_login(user)
    page = client.get(reverse("volunteers:my_insurance")).content.decode()
    assert "尚未登记为志愿者" in page and f'href="{reverse("volunteers:register")}"' in page

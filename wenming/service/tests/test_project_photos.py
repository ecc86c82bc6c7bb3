"""Project photos (活动照片): staff over the project's node (or the claiming team's leader) add
and remove them, through the pages and the API; uploads are checked like every image
(type, size, pixels) with Chinese messages and stable codes; removals are audited; the
photos show on the project page to whoever may see the project, and a draft project's
photos are a 404 to the public."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from wenming.core.models import AuditEntry, StoredImage
from wenming.core.testing import CONCURRENT, make_jpeg, make_png_header, ran_ok
from wenming.core.tests.api_client import ApiClient
from wenming.service.models import Project, ProjectCategory, ProjectPhoto
from wenming.service.photos.models import MAX_PHOTOS
from wenming.service.photos.services import project_photo_add
from wenming.service.project_services import project_cancel, project_create
from wenming.service.tests.factories import recruiting_shift, storm
from wenming.volunteers.tests.factories import build_world, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world, settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    world.tmp = tmp_path
    world.project = recruiting_shift(world).project
    world.vol_user = user("vol_a")
    world.vol_a.user = world.vol_user
    world.vol_a.save()
    return world


def as_user(u) -> Client:
    c = Client()
    c.force_login(u)
    return c


def api_upload(client: Client, project_id, data: bytes, name="photo.jpg", content_type="image/jpeg", **fields):
    return client.post(f"/api/v1/projects/{project_id}/photos",
                       {"image": SimpleUploadedFile(name, data, content_type), **fields})


def test_staff_add_a_photo_that_shows_on_the_public_page_without_metadata(w):
    c = as_user(w.manager_a)
    res = api_upload(c, w.project.pk, make_jpeg(640, 480), phase="before", caption="  踩点\x00 照片 ")
    assert res.status_code == 201, res.content
    body = res.json()
    assert (body["phase"], body["phase_label"], body["caption"]) == ("before", "活动前", "踩点 照片")
    photo = ProjectPhoto.objects.get(pk=body["id"])
    assert photo.added_by == w.manager_a and photo.image.purpose == "project_photo"
    stored = next(w.tmp.rglob("*.jpg"))
    with Image.open(stored) as im:  # re-encoded: no EXIF, no GPS
        assert not im.getexif() and im.size == (640, 480)
    entry = AuditEntry.objects.get(action="project.photo_add")
    assert entry.object_id == str(w.project.pk) and entry.changes["phase"] == "before"

    anon = Client()
    page = anon.get(reverse("service_pages:project", args=[w.project.pk])).content.decode()
    image_url = reverse("project_photos:image", args=[w.project.pk, photo.pk])
    assert 'id="photos"' in page and image_url in page and f'id="photo-{photo.pk}"' in page  # the full view
    assert "管理活动照片" not in page  # not for the public
    assert anon.get(image_url).status_code == 200
    assert "管理活动照片" in c.get(reverse("service_pages:project", args=[w.project.pk])).content.decode()
    listed = ApiClient("manager_b").get(f"/projects/{w.project.pk}/photos").json()  # a published project
    assert [p["id"] for p in listed["items"]] == [photo.pk] and listed["may_manage"] is False


def test_bad_uploads_are_refused_with_chinese_messages_and_codes(w, settings):
    c = as_user(w.manager_a)
    res = api_upload(c, w.project.pk, b"%PDF-1.4 not an image", "x.jpg")
    assert res.status_code == 415
    assert res.json() == {"code": "upload.unsupported_type", "message": "无法识别的图片格式，仅支持 JPEG、PNG、WebP 图片"}
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00" \
          b"\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    assert api_upload(c, w.project.pk, gif, "a.gif", "image/gif").json()["code"] == "upload.unsupported_type"
    res = api_upload(c, w.project.pk, make_png_header(20000, 20000), "bomb.png", "image/png")
    assert res.status_code == 422 and res.json()["code"] == "upload.too_many_pixels"
    settings.UPLOAD_MAX_BYTES = 1000
    res = api_upload(c, w.project.pk, make_jpeg(400, 300))
    assert res.status_code == 413 and res.json() == {"code": "upload.too_large", "message": "图片过大，上限为 1000 字节"}
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    res = c.post(f"/api/v1/projects/{w.project.pk}/photos", {"phase": "during"})
    assert res.status_code == 422 and res.json()["code"] == "upload.empty"
    res = api_upload(c, w.project.pk, make_jpeg(), phase="later")
    assert res.status_code == 422 and res.json() == {"code": "service.photo_phase_invalid",
                                                     "message": "请选择照片类别：活动前、活动中或活动后",
                                                     "field": "phase"}
    res = api_upload(c, w.project.pk, make_jpeg(), caption="长" * 61)
    assert res.status_code == 422 and res.json()["code"] == "service.photo_caption_too_long"
    # nothing half-written: no row, no stored image, no file
    assert not ProjectPhoto.objects.exists() and not StoredImage.objects.exists()
    assert not [p for p in w.tmp.rglob("*") if p.is_file()]


def test_only_those_who_run_the_project_manage_photos(w):
    volunteer = as_user(w.vol_user)  # sees the published project, may not add to it
    res = api_upload(volunteer, w.project.pk, make_jpeg())
    assert res.status_code == 403 and res.json()["code"] == "service.photo_forbidden"
    assert "只有项目所在阵地的工作人员" in res.json()["message"]
    assert as_user(w.manager_b).get(reverse("project_photos:manage", args=[w.project.pk])).status_code == 403
    # a draft of station A: station B's manager and the public cannot even see it
    category = ProjectCategory.objects.get(code="civility")
    draft = project_create(actor=w.root, node=w.station_a, title="草稿项目", category=category)
    photo = ProjectPhoto.objects.get(pk=api_upload(as_user(w.manager_a), draft.pk, make_jpeg()).json()["id"])
    other = as_user(w.manager_b)
    for res in (api_upload(other, draft.pk, make_jpeg()), other.get(f"/api/v1/projects/{draft.pk}/photos"),
                other.get(f"/api/v1/projects/{draft.pk}/photos/{photo.pk}"),
                other.delete(f"/api/v1/projects/{draft.pk}/photos/{photo.pk}")):
        assert res.status_code == 404 and res.json()["code"] == "not_found"
    assert other.get(reverse("project_photos:manage", args=[draft.pk])).status_code == 404
    assert Client().get(reverse("project_photos:image", args=[draft.pk, photo.pk])).status_code == 404
    # another project's photo through this project's address: not found
    res = as_user(w.manager_a).get(reverse("project_photos:image", args=[w.project.pk, photo.pk]))
    assert res.status_code == 404
    for bad in ("abc", "²", "9" * 23):
        assert Client().get(f"/projects/{bad}/photos/1/").status_code == 404
        assert Client().get(f"/projects/{w.project.pk}/photos/{bad}/").status_code == 404
        assert as_user(w.manager_a).get(f"/manage/projects/{bad}/photos/").status_code == 404
    assert ApiClient("manager_a").get(f"/projects/{10**20}/photos").status_code in (404, 422)
    # the leader of a team that claimed a project runs it: photos included
    w.project.claimed_by = w.team_a
    w.project.save(update_fields=["claimed_by"])
    assert api_upload(as_user(w.leader), w.project.pk, make_jpeg()).status_code == 201


def test_remove_is_audited_and_the_file_goes_after_commit(w, django_capture_on_commit_callbacks):
    c = as_user(w.manager_a)
    photo_id = api_upload(c, w.project.pk, make_jpeg()).json()["id"]
    image_id = ProjectPhoto.objects.get(pk=photo_id).image_id
    assert as_user(w.manager_b).delete(f"/api/v1/projects/{w.project.pk}/photos/{photo_id}").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert c.delete(f"/api/v1/projects/{w.project.pk}/photos/{photo_id}").status_code == 204
    assert not ProjectPhoto.objects.exists() and not StoredImage.objects.filter(pk=image_id).exists()
    assert not list(w.tmp.rglob("*.jpg"))
    entry = AuditEntry.objects.get(action="project.photo_remove")
    assert entry.actor == w.manager_a and entry.changes["photo"] == photo_id
    res = c.delete(f"/api/v1/projects/{w.project.pk}/photos/{photo_id}")  # a second tap
    assert res.status_code == 404


def test_the_staff_page_uploads_several_removes_and_shows_the_state(w):
    c = as_user(w.manager_a)
    url = reverse("project_photos:manage", args=[w.project.pk])
    page = c.get(url).content.decode()
    assert "已上传 <strong id=\"photo-count\">0</strong> / 20 张" in page and "活动前" in page
    res = c.post(url, {"images": [SimpleUploadedFile("a.jpg", make_jpeg(), "image/jpeg"),
                                  SimpleUploadedFile("b.txt", b"hello", "text/plain")],
                       "phase": "after", "caption": "合影"}, follow=True)
    page = res.content.decode()
    assert "已上传 1 张活动照片" in page and "第 2 张照片未保存：无法识别的图片格式" in page
    assert ProjectPhoto.objects.filter(project=w.project, phase="after", caption="合影").count() == 1
    res = c.post(url, {"phase": "after"})  # no file: the error under its field, nothing stored
    assert res.status_code == 422 and "请选择要上传的照片" in res.content.decode()
    photo = ProjectPhoto.objects.get()
    res = c.post(reverse("project_photos:delete", args=[w.project.pk, photo.pk]), follow=True)
    assert "已删除照片" in res.content.decode() and not ProjectPhoto.objects.exists()
    res = c.post(reverse("project_photos:delete", args=[w.project.pk, photo.pk]), follow=True)
    assert res.status_code == 200 and "该照片已删除" in res.content.decode()
    # the staff project page links there
    assert url in c.get(reverse("service_staff:project", args=[w.project.pk])).content.decode()


def test_the_limit_holds_and_a_cancelled_project_takes_no_photos(w):
    c = as_user(w.manager_a)
    ProjectPhoto.objects.bulk_create([
        ProjectPhoto(project=w.project, slot=n, image=StoredImage.objects.create(
            purpose="project_photo", path=f"project_photo/x/{n}.jpg", content_type="image/jpeg", width=1, height=1,
            bytes=1, sha256="0" * 64)) for n in range(MAX_PHOTOS)])
    res = api_upload(c, w.project.pk, make_jpeg())
    assert res.status_code == 409 and res.json()["code"] == "service.photo_limit"
    assert "最多 20 张" in res.json()["message"]
    page = c.get(reverse("project_photos:manage", args=[w.project.pk])).content.decode()
    assert "照片已达上限" in page and 'id="photo-form"' not in page
    ProjectPhoto.objects.filter(slot=3).delete()
    assert api_upload(c, w.project.pk, make_jpeg()).status_code == 201
    assert ProjectPhoto.objects.filter(project=w.project, slot=3).exists()  # the free slot is taken again
    project_cancel(actor=w.root, project=w.project, reason="天气原因")
    ProjectPhoto.objects.filter(slot=5).delete()
    res = api_upload(c, w.project.pk, make_jpeg())
    assert res.status_code == 409 and res.json()["code"] == "service.bad_status"
    assert res.json()["message"] == "项目当前为“已取消”，不能上传活动照片"


@CONCURRENT
def test_concurrent_uploads_never_pass_the_limit_nor_leave_files(settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    world = build_world()
    project = recruiting_shift(world).project
    data = make_jpeg()
    copies = [Project.objects.select_related("node").get(pk=project.pk) for _ in range(MAX_PHOTOS + 6)]
    results = storm([lambda c=c: ran_ok(lambda: project_photo_add(actor=world.manager_a, project=c, upload=data))
                     for c in copies])
    assert results.count("ok") == MAX_PHOTOS and results.count("service.photo_limit") == 6
    assert sorted(ProjectPhoto.objects.filter(project=project).values_list("slot", flat=True)) == list(range(MAX_PHOTOS))
    assert StoredImage.objects.count() == MAX_PHOTOS == len(list(tmp_path.rglob("*.jpg")))


def test_demo_photos_are_drawn_here_and_go_through_the_service(w):
    from wenming.accounts.roles import Role
    from wenming.accounts.services import role_grant
    from wenming.seeding.demo_photos import PROJECT_PHOTOS, activity_photo, create_project_photos

    assert activity_photo(11).read() == activity_photo(11).read() != activity_photo(12).read()  # same seed, same photo
    role_grant(actor=w.root, user=user("station"), role=Role.NODE_MANAGER, node=w.station_a)
    w.project.title = "关爱空巢老人 · 上门探访陪伴"
    w.project.save(update_fields=["title"])
    assert create_project_photos(w.station_a) == len(PROJECT_PHOTOS["关爱空巢老人 · 上门探访陪伴"]) == 1
    photo = ProjectPhoto.objects.get(project=w.project)
    assert (photo.phase, photo.caption, photo.image.width, photo.image.height) == ("during", "志愿者上门陪伴老人", 800, 600)

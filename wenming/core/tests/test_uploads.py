import hashlib
import io
import stat
import struct
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory
from django.urls import path
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps

from wenming.core.errors import DomainError
from wenming.core.models import AuditEntry, StoredImage
from wenming.core.testing import (
    LEFT_COLOUR,
    RIGHT_COLOUR,
    make_jpeg,
    make_png,
    make_png_header,
    make_webp,
)
from wenming.core.uploads import MAX_SIDE, image_path, image_response, image_store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Every test stores under a temporary var/, never the real one."""
    var = tmp_path / "var"
    settings.UPLOAD_DIR = var / "uploads"
    settings.STATIC_ROOT = var / "static"
    settings.MEDIA_ROOT = var / "media"
    return var


@pytest.fixture
def user():
    return get_user_model().objects.create_user(username="uploader", password="x")


def _refused(code, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        image_store(**{"actor": None, "purpose": "test", **kwargs})
    assert exc.value.code == code
    return exc.value


def _open(image: StoredImage) -> Image.Image:
    return Image.open(io.BytesIO(image_path(image).read_bytes()))


def _close(a, b, tolerance=40):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


def _encoded(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# What comes out


def test_jpeg_with_gps_exif_is_stored_without_any_metadata(user):
    data = make_jpeg(64, 48, gps=True, xmp=True, comment=b"home of Zhang San", icc=True)
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries a position
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(source.info)

    image = image_store(actor=user, upload=data, purpose="demand_proof")

    stored = _open(image)
    assert stored.format == "JPEG" and image.content_type == "image/jpeg"
    assert len(stored.getexif()) == 0
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(stored.info)
    raw = image_path(image).read_bytes()
    for marker in (b"Exif", b"WenmingTestCam", b"xmpmeta", b"Zhang San", b"GPS"):
        assert marker not in raw
    assert (image.width, image.height) == (64, 48) == stored.size
    assert image.uploaded_by == user and image.purpose == "demand_proof"


def test_exif_orientation_is_applied_to_the_pixels():
    # Orientation 6: the camera was turned; the left half of the sensor is the top of the picture.
    image = image_store(actor=None, upload=make_jpeg(80, 40, orientation=6), purpose="test")

    stored = _open(image).convert("RGB")
    assert stored.size == (40, 80) == (image.width, image.height)
    assert _close(stored.getpixel((20, 5)), LEFT_COLOUR)
    assert _close(stored.getpixel((20, 75)), RIGHT_COLOUR)
    assert len(stored.getexif()) == 0


QUADRANTS = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (230, 230, 30)]  # TL, TR, BL, BR


def _quadrant_jpeg(orientation: int) -> bytes:
    img = Image.new("RGB", (60, 40))
    for i, colour in enumerate(QUADRANTS):
        x, y = (i % 2) * 30, (i // 2) * 20
        img.paste(colour, (x, y, x + 30, y + 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return _encoded(img, "JPEG", quality=95, exif=exif)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_as_pillow_shows_it_upright(orientation):
    data = _quadrant_jpeg(orientation)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")

    stored = _open(image_store(actor=None, upload=data, purpose="test")).convert("RGB")

    assert stored.size == expected.size
    w, h = stored.size
    for point in ((w // 4, h // 4), (3 * w // 4, h // 4), (w // 4, 3 * h // 4), (3 * w // 4, 3 * h // 4)):
        assert _close(stored.getpixel(point), expected.getpixel(point)), (orientation, point)


def test_png_with_transparency_stays_png_with_its_alpha():
    image = image_store(actor=None, upload=make_png(40, 20, alpha=True), purpose="test")

    stored = _open(image)
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert image.content_type == "image/png" and image.path.endswith(".png")
    assert stored.getpixel((5, 10))[:3] == LEFT_COLOUR and stored.getpixel((5, 10))[3] == 255
    assert stored.getpixel((35, 10))[3] == 0


@pytest.mark.parametrize("data", [make_png(40, 20, alpha=False), make_webp(40, 20)], ids=["opaque-png", "webp"])
def test_opaque_png_and_webp_are_stored_as_jpeg(data):
    image = image_store(actor=None, upload=data, purpose="test")

    stored = _open(image)
    assert stored.format == "JPEG" and image.content_type == "image/jpeg" and image.path.endswith(".jpg")
    assert _close(stored.convert("RGB").getpixel((5, 10)), LEFT_COLOUR)


@pytest.mark.parametrize(("data", "content_type", "pixel"), [
    (_encoded(Image.new("P", (10, 10)), "PNG", transparency=0), "image/png", (0, 0, 0, 0)),
    (_encoded(Image.new("I;16", (10, 10), 30000), "PNG"), "image/jpeg", (116, 116, 116)),
    (_encoded(Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG"), "image/jpeg", (255, 0, 0)),
    (_encoded(Image.new("RGBA", (10, 10), (200, 100, 50, 128)), "WEBP", lossless=True), "image/png",
     (200, 100, 50, 128)),
], ids=["palette-transparent-png", "16-bit-grey-png", "cmyk-jpeg", "translucent-webp"])
def test_other_colour_modes_are_normalised(data, content_type, pixel):
    image = image_store(actor=None, upload=data, purpose="test")

    assert image.content_type == content_type
    assert _close(_open(image).getpixel((5, 5)), pixel, tolerance=4)


def test_big_photo_is_downscaled_to_the_long_side_limit():
    image = image_store(actor=None, upload=make_jpeg(3000, 1500, gps=True), purpose="test")

    assert max(image.width, image.height) == MAX_SIDE
    assert (image.width, image.height) == (2560, 1280) == _open(image).size


def test_django_uploaded_files_and_named_bytes_are_accepted():
    for upload in (SimpleUploadedFile("相片.JPG", make_jpeg(), content_type="image/jpeg"),
                   ContentFile(make_png(), name="scan.png")):
        image = image_store(actor=None, upload=upload, purpose="test")
        assert image.bytes == image_path(image).stat().st_size


def test_the_file_name_and_declared_type_are_not_trusted():
    # A real PNG called .jpg and declared as GIF is judged by its content.
    upload = SimpleUploadedFile("photo.jpg", make_png(alpha=True), content_type="image/gif")

    assert image_store(actor=None, upload=upload, purpose="test").content_type == "image/png"


# What is refused


class CountingReader(io.BytesIO):
    """A stream that reports how much of it was read; `size` as a client might declare it."""

    def __init__(self, data: bytes, size=None):
        super().__init__(data)
        self.size = size
        self.bytes_read = 0

    def read(self, n=-1):
        chunk = super().read(n)
        self.bytes_read += len(chunk)
        return chunk


def test_oversize_stream_is_refused_after_reading_at_most_limit_plus_one_bytes(settings, var_dir):
    settings.UPLOAD_MAX_BYTES = 1000
    stream = CountingReader(make_jpeg(600, 600) + b"\0" * 50_000)  # no declared size

    error = _refused("upload.too_large", upload=stream)

    assert stream.bytes_read <= 1001
    assert error.status == 413 and "上限" in error.message
    assert _files(var_dir) == [] and not StoredImage.objects.exists()


def test_declared_oversize_upload_is_refused_without_reading_anything(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    stream = CountingReader(b"\xff\xd8" + b"\0" * 5000, size=5002)

    _refused("upload.too_large", upload=stream)

    assert stream.bytes_read == 0


def test_upload_exactly_at_the_limit_is_accepted(settings):
    data = make_jpeg()
    settings.UPLOAD_MAX_BYTES = len(data)

    assert image_store(actor=None, upload=CountingReader(data), purpose="test").width == 64
    _refused("upload.too_large", upload=data + b"\0")


DISGUISED = {
    "pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "html": b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
    "text": "这不是图片".encode(),
}


@pytest.mark.parametrize("kind", sorted(DISGUISED))
def test_non_images_named_jpg_are_refused(kind):
    upload = SimpleUploadedFile("photo.jpg", DISGUISED[kind], content_type="image/jpeg")

    assert _refused("upload.unsupported_type", upload=upload).status == 415


def test_image_formats_other_than_jpeg_png_webp_are_refused():
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")

    _refused("upload.unsupported_type", upload=SimpleUploadedFile("a.jpg", buf.getvalue()))


def test_empty_upload_is_refused():
    _refused("upload.empty", upload=SimpleUploadedFile("a.jpg", b""))


@pytest.mark.parametrize("keep", [0.5, 0.95])
def test_truncated_jpeg_is_refused(keep, var_dir):
    data = make_jpeg(200, 150)

    _refused("upload.corrupt", upload=data[: int(len(data) * keep)])

    assert _files(var_dir) == [] and not StoredImage.objects.exists()


@pytest.mark.parametrize(("width", "height", "code"), [
    (20000, 20000, "upload.too_many_pixels"),  # past Pillow's own bomb limit
    (7000, 7000, "upload.too_many_pixels"),  # 49 megapixels: within 8000 × 8000, over 40 MP
    (9000, 10, "upload.dimensions"),  # few pixels, but too wide
])
def test_huge_declared_dimensions_are_refused_before_decoding(width, height, code):
    data = make_png_header(width, height)
    assert len(data) < 200
    assert struct.unpack(">II", data[16:24]) == (width, height)  # IHDR declares the size

    # Decoding these few bytes would fail as "corrupt": the size code proves it never started.
    _refused(code, upload=data)


def test_refused_upload_is_not_audited():
    _refused("upload.unsupported_type", upload=DISGUISED["pdf"])

    assert not AuditEntry.objects.filter(action="image.store").exists()


def test_purpose_must_be_a_plain_name():
    for purpose in ("../../etc", "Demand", "", "a/b", "test\n", "x" * 41):
        with pytest.raises(ValueError):
            image_store(actor=None, upload=make_jpeg(), purpose=purpose)


# Where and how it is stored


def test_stored_file_is_under_var_uploads_outside_static_and_media_with_private_permissions(settings, user):
    image = image_store(actor=user, upload=make_jpeg(), purpose="report_image")

    file = image_path(image)
    root = Path(settings.UPLOAD_DIR).resolve()
    assert file.is_relative_to(root) and root.parts[-2:] == ("var", "uploads")
    assert not file.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not file.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    created = timezone.localtime(image.created_at)
    assert image.path.startswith("report_image/")
    assert file.parent.relative_to(root).parts == ("report_image", f"{created:%Y}", f"{created:%m}")
    assert file.name == f"{image.public_id.hex}.jpg"
    assert stat.S_IMODE(file.stat().st_mode) == 0o640
    content = file.read_bytes()
    assert image.sha256 == hashlib.sha256(content).hexdigest() and image.bytes == len(content)
    assert _files(Path(settings.UPLOAD_DIR)) == [file]  # no temporary file left behind


def test_default_upload_dir_is_var_uploads_outside_static_and_media():
    from wenming import settings as project

    assert project.UPLOAD_DIR == project.VAR_DIR / "uploads"
    for served in (project.STATIC_ROOT, project.MEDIA_ROOT):
        assert not project.UPLOAD_DIR.is_relative_to(served)
    assert project.UPLOAD_MAX_BYTES == 10 * 1024 * 1024 or "WENMING_UPLOAD_MAX_BYTES" in __import__("os").environ


def test_each_store_is_audited_without_personal_data(user):
    image = image_store(actor=user, upload=make_jpeg(gps=True), purpose="test")

    entry = AuditEntry.objects.get(action="image.store")
    assert entry.actor == user and entry.object_id == str(image.pk)
    assert entry.changes == {"purpose": "test", "content_type": "image/jpeg", "width": 64, "height": 48,
                             "bytes": image.bytes}


def test_anonymous_upload_has_no_uploader():
    image = image_store(actor=None, upload=make_jpeg(), purpose="test")

    assert image.uploaded_by is None
    assert AuditEntry.objects.get(action="image.store").actor_label == "匿名"


# Serving


def _serve(request, public_id, allow):
    image = StoredImage.objects.filter(public_id=public_id).first()
    return image_response(request, image, allowed=bool(allow))


urlpatterns = [path("img/<uuid:public_id>/<int:allow>/", _serve)]


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_image_response_streams_inline_with_nosniff_and_a_private_cache():
    image = image_store(actor=None, upload=make_jpeg(), purpose="test")

    response = image_response(RequestFactory().get("/"), image, allowed=True)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert _content(response) == image_path(image).read_bytes()


def test_image_response_404s_when_not_allowed_or_missing():
    image = image_store(actor=None, upload=make_jpeg(), purpose="test")
    request = RequestFactory().get("/")

    with pytest.raises(Http404):
        image_response(request, image, allowed=False)
    with pytest.raises(Http404):
        image_response(request, None, allowed=True)
    image_path(image).unlink()
    with pytest.raises(Http404):
        image_response(request, image, allowed=True)


def test_image_response_refuses_a_path_outside_the_upload_dir():
    image = image_store(actor=None, upload=make_jpeg(), purpose="test")
    image.path = "../../../etc/passwd"

    with pytest.raises(Http404):
        image_response(RequestFactory().get("/"), image, allowed=True)


@pytest.mark.urls(__name__)
def test_served_through_a_view_the_owner_decides(client):
    image = image_store(actor=None, upload=make_png(alpha=True), purpose="test")

    allowed = client.get(f"/img/{image.public_id}/1/")
    assert allowed.status_code == 200 and allowed["Content-Type"] == "image/png"
    assert allowed["X-Content-Type-Options"] == "nosniff"
    assert _content(allowed) == image_path(image).read_bytes()
    assert client.get(f"/img/{image.public_id}/0/").status_code == 404

    again = client.get(f"/img/{image.public_id}/1/", headers={"If-None-Match": allowed["ETag"]})
    assert again.status_code == 304


# Any storage: the uploads go through Django's storage API (STORAGES["default"])


@pytest.fixture
def memory_storage(settings):
    """A real storage other than the local disk, as an S3 bucket would be configured."""
    from django.core.files.storage import storages

    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    return storages["default"]


@pytest.mark.urls(__name__)
def test_an_image_is_stored_read_served_and_discarded_through_another_storage(memory_storage, settings, client):
    from wenming.core.uploads import image_discard, image_open

    image = image_store(actor=None, upload=make_jpeg(200, 100, gps=True), purpose="demand_proof")

    assert memory_storage.exists(image.path) and image.path.startswith("demand_proof/")
    assert not Path(settings.UPLOAD_DIR).exists()  # nothing written to the local disk
    with image_open(image) as fh:
        stored = fh.read()
    assert hashlib.sha256(stored).hexdigest() == image.sha256 and len(stored) == image.bytes
    assert not dict(Image.open(io.BytesIO(stored)).getexif())  # still stripped
    served = client.get(f"/img/{image.public_id}/1/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert _content(served) == stored
    assert client.get(f"/img/{image.public_id}/0/").status_code == 404
    with pytest.raises(NotImplementedError):
        image_path(image)  # no local path: callers read through image_open

    image_discard(image)
    assert not memory_storage.exists(image.path) and not StoredImage.objects.filter(pk=image.pk).exists()
    with pytest.raises(Http404):
        image_response(RequestFactory().get("/"), image, allowed=True)


def test_a_refused_image_leaves_nothing_in_another_storage(memory_storage):
    _refused("upload.unsupported_type", upload=b"%PDF-1.4 not an image")

    assert memory_storage.listdir("") == ([], [])


def test_a_name_leaving_the_storage_is_refused_in_any_storage(memory_storage):
    image = image_store(actor=None, upload=make_jpeg(), purpose="test")
    for bad in ("../x.jpg", "/etc/passwd", "test/../../x", "a\\b.jpg", ""):
        image.path = bad
        with pytest.raises(Http404):
            image_response(RequestFactory().get("/"), image, allowed=True)


def test_a_local_file_appears_whole_under_a_new_name_and_never_overwrites(settings):
    from wenming.core.files import file_open, file_save

    first = file_save("jobs/x/out.bin", b"one")
    second = file_save("jobs/x/out.bin", b"two")  # taken: the storage picks another name

    assert first == "jobs/x/out.bin" and second != first and second.startswith("jobs/x/out")
    with file_open(first) as a, file_open(second) as b:
        assert (a.read(), b.read()) == (b"one", b"two")
    folder = Path(settings.UPLOAD_DIR) / "jobs" / "x"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert sorted(stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()) == [0o640, 0o640]
    assert not [p for p in folder.iterdir() if p.name.startswith(".upload-")]  # no temporary file left

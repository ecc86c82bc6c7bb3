"""Image uploads: check, strip, store outside the web root, serve through a permission.

    image = image_store(actor=request.user, upload=request.FILES["photo"], purpose="demand_proof")
    ...
    return image_response(request, image, allowed=<the owning feature's own check>)

Every upload is decoded with Pillow (the file name and the declared type are never
trusted), refused with an `upload.*` code when it is too big, not a JPEG/PNG/WebP, corrupt
or truncated, or has too many pixels, and otherwise re-encoded from its pixels alone: EXIF
orientation applied, every piece of metadata (EXIF with GPS, XMP, comments, ICC after
conversion to sRGB) dropped, downscaled to MAX_SIDE, saved as JPEG (PNG when it really
has transparency) as <purpose>/<yyyy>/<mm>/<public id>.<ext> in the uploads storage
(STORAGES["default"]: UPLOAD_DIR on the local disk, or an S3-compatible bucket; core/files.py).
docs/uploads.md
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control
from PIL import ExifTags, Image, UnidentifiedImageError

from .audit import audit_record
from .files import checked_name, file_delete, file_open, file_save, upload_storage
from .models import StoredImage
from .upload_errors import UploadError

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")  # what Pillow may try; MPO is a JPEG with extra frames
MAX_DIMENSION = 8000  # either side, in pixels
MAX_PIXELS = 40_000_000  # width × height, checked from the header before any decoding
MAX_SIDE = 2560  # stored images are downscaled to this long side
JPEG_QUALITY = 85
FILE_MODE = 0o640  # on the local disk: UploadStorage's modes (wenming/ops/storage.py)
DIR_MODE = 0o750

_PURPOSE = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_READ_CHUNK = 64 * 1024
_ENCODINGS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}


@dataclass(frozen=True)
class CleanImage:
    """The re-encoded file, ready to store."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def image_store(*, actor, upload, purpose: str, max_side: int | None = MAX_SIDE) -> StoredImage:
    """Check and store one uploaded image; raises DomainError (`upload.*`) when refused.

    `upload`: a Django UploadedFile, any File/file-like object (e.g. ContentFile(data,
    name=...)), or bytes. Its name and declared content type are ignored. `purpose` names
    the owning feature (`[a-z][a-z0-9_-]*`, e.g. "demand_proof") and becomes a directory.
    `actor` may be None or anonymous (resident pages). `max_side=None` keeps the size.
    """
    if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
        raise ValueError(f"invalid upload purpose: {purpose!r}")
    clean = image_clean(read_limited(upload, settings.UPLOAD_MAX_BYTES), max_side=max_side)

    public_id = uuid.uuid4()
    today = timezone.localdate()
    # A new name (the random public id): the storage never overwrites, and on the local disk
    # the file is written aside and renamed into place (core/files.py).
    relative = file_save(f"{purpose}/{today:%Y}/{today:%m}/{public_id.hex}{clean.extension}", clean.data)
    try:
        with transaction.atomic():
            image = StoredImage.objects.create(
                public_id=public_id, purpose=purpose, path=relative, content_type=clean.content_type,
                width=clean.width, height=clean.height, bytes=len(clean.data), sha256=clean.sha256,
                uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(actor=actor, action="image.store", obj=image, changes={
                "purpose": purpose, "content_type": clean.content_type, "width": clean.width,
                "height": clean.height, "bytes": len(clean.data),
            })
    except BaseException:
        file_delete(relative)
        raise
    # An enclosing transaction that rolls back later leaves the file without a row; its
    # name is the public id, so a sweep can find such files (docs/uploads.md).
    return image


def read_limited(upload, limit: int) -> bytes:
    """The upload's bytes; refused as too large without reading more than limit + 1 bytes."""
    too_large = UploadError.TOO_LARGE.error(limit=_format_bytes(limit))
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
        if len(data) > limit:
            raise too_large
    else:
        size = getattr(upload, "size", None)
        if isinstance(size, int) and size > limit:
            raise too_large
        try:
            upload.seek(0)
        except (AttributeError, OSError, ValueError):
            pass
        buf = bytearray()
        while len(buf) <= limit:
            chunk = upload.read(min(_READ_CHUNK, limit + 1 - len(buf)))
            if not chunk:
                break
            buf += chunk
        if len(buf) > limit:
            raise too_large
        data = bytes(buf)
    if not data:
        raise UploadError.EMPTY.error()
    return data


def image_clean(data: bytes, *, max_side: int | None = MAX_SIDE) -> CleanImage:
    """Decode, check and re-encode image bytes; nothing but the pixels survives."""
    try:
        im = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise UploadError.TOO_MANY_PIXELS.error(limit=MAX_PIXELS // 10_000) from None
    except UnidentifiedImageError:
        raise UploadError.UNSUPPORTED_TYPE.error() from None
    except (OSError, ValueError, SyntaxError, struct.error):
        raise UploadError.CORRUPT.error() from None
    with im:
        width, height = im.size
        # Only the header has been read so far: refuse big images before decoding them.
        if width * height > MAX_PIXELS:
            raise UploadError.TOO_MANY_PIXELS.error(limit=MAX_PIXELS // 10_000)
        if width > MAX_DIMENSION or height > MAX_DIMENSION:
            raise UploadError.DIMENSIONS.error(limit=MAX_DIMENSION)
        if width < 1 or height < 1:
            raise UploadError.CORRUPT.error()
        if max_side and im.format in ("JPEG", "MPO") and max(width, height) > max_side:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a 40-megapixel photo never sits in memory.
            scale = max_side / max(width, height)
            im.draft(None, (max(1, int(width * scale) + 1), max(1, int(height * scale) + 1)))
        try:
            im.load()
        except Image.DecompressionBombError:
            raise UploadError.TOO_MANY_PIXELS.error(limit=MAX_PIXELS // 10_000) from None
        except (OSError, ValueError, SyntaxError, EOFError, struct.error):
            raise UploadError.CORRUPT.error() from None
        try:
            pixels = _pixels(im, max_side)
        except (OSError, ValueError, SyntaxError, EOFError, struct.error):
            raise UploadError.CORRUPT.error() from None

    encoding = "PNG" if pixels.mode == "RGBA" else "JPEG"
    out = io.BytesIO()
    if encoding == "PNG":
        pixels.save(out, "PNG")
    else:
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    content_type, extension = _ENCODINGS[encoding]
    return CleanImage(out.getvalue(), content_type, extension, pixels.width, pixels.height)


# EXIF orientation → the transposition that makes the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _pixels(im: Image.Image, max_side: int | None) -> Image.Image:
    """Upright RGB (or RGBA when something is transparent) pixels in sRGB, without metadata.

    Work that copies the image (colour conversion, turning it upright) happens after the
    downscale, so a big upload is held at full size once, not three or four times."""
    orientation = _orientation(im)
    icc = im.info.get("icc_profile")
    if im.mode.startswith("I"):  # 16-bit grey PNG: scale to 8 bits (a plain convert clips to white)
        im = im.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    elif im.mode == "1":
        im = im.convert("L")
    if im.mode == "P" or "transparency" in im.info:
        im = im.convert("RGBA")
    mode = "RGBA" if _has_transparency(im) else "RGB"
    if max_side and max(im.size) > max_side:
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # the long side is the same upright
    rgb = _to_srgb(im, icc, mode) if icc else None
    if rgb is None:
        rgb = im if im.mode == mode else im.convert(mode)
    if orientation in _UPRIGHT:
        rgb = rgb.transpose(_UPRIGHT[orientation])
    # A fresh image holds the pixels and nothing else: no EXIF, XMP, comment, ICC or text
    # chunk can ride along into the saved file, whatever Pillow copies from `info`.
    clean = Image.new(mode, rgb.size)
    clean.paste(rgb, (0, 0))
    return clean


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (Pillow also reads it from XMP); 1 when absent or unreadable:
    a broken EXIF block must not refuse an otherwise good image."""
    try:
        value = im.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:
        logger.info("EXIF orientation unreadable; image kept as decoded")
        return 1
    return value if isinstance(value, int) else 1


def _has_transparency(im: Image.Image) -> bool:
    if "A" not in im.getbands():
        return False
    low, _ = im.getchannel("A").getextrema()
    return low < 255


def _to_srgb(im: Image.Image, icc: bytes, mode: str) -> Image.Image | None:
    """Convert from the embedded colour profile to sRGB, so the profile can be dropped
    without shifting colours (wide-gamut phone photos). None when that is not possible."""
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if im.mode not in ("RGB", "RGBA", "CMYK", "L"):
            return None
        return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode=mode)
    except Exception:
        logger.info("colour profile not applied; image converted without it")
        return None


def _format_bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.3g} MB"
    if n >= 1024:
        return f"{n / 1024:.3g} KB"
    return f"{n} 字节"


def image_path(image: StoredImage) -> Path:
    """The stored file on the local disk (tests, backups); ValueError if the recorded name
    would leave the storage. Storages without local files (S3) raise NotImplementedError:
    read through `image_open` instead."""
    storage = upload_storage()
    if not isinstance(storage, FileSystemStorage):
        raise NotImplementedError("the uploads storage has no local files")
    return Path(storage.path(checked_name(image.path)))


def image_open(image: StoredImage):
    """The stored file opened for reading, from whichever storage holds the uploads;
    OSError when missing, ValueError when the recorded name would leave the storage."""
    return file_open(image.path)


def image_discard(image: StoredImage) -> None:
    """Remove a stored image that its feature refused after storing it (no orphan files)."""
    file_delete(image.path)
    StoredImage.objects.filter(pk=image.pk).delete()


def image_files_forget(images) -> None:
    """Delete the files of these images once the current transaction commits (their rows
    are deleted by the caller inside it): a rollback keeps both."""
    names = [image.path for image in images]
    transaction.on_commit(lambda: [file_delete(name) for name in names])


def image_response(request, image: StoredImage | None, *, allowed: bool) -> FileResponse | HttpResponseNotModified:
    """Stream a stored image to someone the owning feature has allowed to see it.

    Not allowed, missing or unknown: Http404, the same answer in every case (the API and
    the page decorators turn it into their usual 404). The file is sent inline as the
    type it was re-encoded to, with nosniff and a private cache.
    """
    if not allowed or image is None:
        raise Http404
    try:
        handle = image_open(image)
    except (OSError, ValueError):
        logger.error("stored image %s missing or unreadable", image.public_id)
        raise Http404 from None
    etag = f'"{image.sha256}"'
    if request is not None and request.headers.get("If-None-Match") == etag:
        handle.close()
        response = HttpResponseNotModified()
    else:
        extension = _ENCODINGS["PNG" if image.content_type == "image/png" else "JPEG"][1]
        response = FileResponse(handle, content_type=image.content_type, as_attachment=False,
                                filename=f"{image.public_id}{extension}")
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)  # proof photos stay off shared devices
    return response

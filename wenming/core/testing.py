"""Test helpers shared by every app: synthetic ID numbers and a small scoped world."""

import io
import random
from datetime import date

import pytest
from stdnum.cn import ric


def make_id_number(born: date, *, area: str = "420527", seq: int | None = None, male: bool | None = None,
                   rng: random.Random | None = None) -> str:
    """A valid GB 11643 number (synthetic)."""
    rng = rng or random.Random()
    seq = seq if seq is not None else rng.randint(0, 99)
    sex_digit = rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8]) if male is not None else rng.randint(0, 9)
    body = f"{area}{born:%Y%m%d}{seq:02d}{sex_digit}"
    return body + ric.calc_check_digit(body + "0")


def with_bad_checksum(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


def years_ago(years: int, today: date | None = None, days: int = 0) -> date:
    from datetime import timedelta

    today = today or date.today()
    try:
        d = today.replace(year=today.year - years)
    except ValueError:  # 29 Feb
        d = today.replace(year=today.year - years, day=28)
    return d - timedelta(days=days)


# Images for upload tests (core/uploads.py). Pillow is imported inside: conftest imports this module.

LEFT_COLOUR = (220, 30, 30)
RIGHT_COLOUR = (30, 30, 220)


def _two_colour(mode: str, width: int, height: int):
    """Left half LEFT_COLOUR, right half RIGHT_COLOUR: orientation shows in the pixels."""
    from PIL import Image

    img = Image.new(mode, (width, height), LEFT_COLOUR)
    img.paste(RIGHT_COLOUR, (width // 2, 0, width, height))
    return img


def make_jpeg(width: int = 64, height: int = 48, *, gps: bool = True, orientation: int | None = None,
              xmp: bool = False, comment: bytes | None = None, icc: bool = False) -> bytes:
    """A real JPEG, by default with camera EXIF and a GPS position (Pillow's Exif API)."""
    from PIL import ExifTags, Image, ImageCms

    img = _two_colour("RGB", width, height)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "WenmingTestCam"
    exif[ExifTags.Base.Model] = "Phone X"
    exif[ExifTags.Base.DateTime] = "2024:05:01 08:30:00"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (30.0, 35.0, 12.5),
            ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (114.0, 17.0, 3.25),
        }
    extra = {}
    if xmp:
        extra["xmp"] = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
                        b'02/22-rdf-syntax-ns#"><rdf:Description exif:GPSLatitude="30,35.2N"/></rdf:RDF>'
                        b'</x:xmpmeta>')
    if comment is not None:
        extra["comment"] = comment
    if icc:
        extra["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif, **extra)
    return buf.getvalue()


def make_png(width: int = 64, height: int = 48, *, alpha: bool = True) -> bytes:
    """A real PNG; with `alpha` the right half is fully transparent."""
    img = _two_colour("RGBA" if alpha else "RGB", width, height)
    if alpha:
        img.paste((0, 0, 0, 0), (width // 2, 0, width, height))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def make_webp(width: int = 64, height: int = 48) -> bytes:
    buf = io.BytesIO()
    _two_colour("RGB", width, height).save(buf, "WEBP")
    return buf.getvalue()


def make_png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width × height (a pixel bomb): valid signature,
    IHDR and CRCs, but almost no pixel data. Decoding it would fail as truncated."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))
            + chunk(b"IEND", b""))


# Tests whose threads race on their own database connections: real transactions (no
# wrapping test transaction), and the migrations' data restored afterwards.
CONCURRENT = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def ran_ok(call) -> str:
    """Run `call` and say "ok" — for storms that collect each thread's outcome (an error's
    code otherwise)."""
    call()
    return "ok"


def code_of(call) -> str:
    """Run `call`: "ok", or the stable code of the DomainError it raised."""
    from wenming.core.errors import DomainError

    try:
        call()
    except DomainError as exc:
        return exc.code
    return "ok"


def at_once(n: int, work) -> list:
    """Run `work()` in n threads released together; their results (in finishing order).
    Each thread closes its own database connection."""
    import threading

    from django.db import connection

    barrier, results = threading.Barrier(n), []

    def run():
        barrier.wait()
        try:
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results

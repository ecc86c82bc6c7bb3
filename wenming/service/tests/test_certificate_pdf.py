"""志愿服务记录证明 PDF: content read back with pypdf, pagination, ID guard, QR, fonts, batch zip."""

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
import segno
from pypdf import PdfReader
from pypdf.generic import ContentStream

from wenming.core.crypto import mask_id_number
from wenming.service import certificate_pdf as cp
from wenming.service.certificate_pdf import CertificateData, ServiceLine, render_certificate

RAW_ID_RE = re.compile(r"\d{17}[\dXx]")
START = dt.date(2024, 3, 1)


def make_data(lines: int = 5, **overrides) -> CertificateData:
    services = [ServiceLine(START + dt.timedelta(days=i), f"文明劝导项目{i + 1:04d}", "九里村志愿服务队",
                            Decimal("2.5") if i % 2 else Decimal("3")) for i in range(lines)]
    fields = dict(certificate_no="ZG-2025-000042", volunteer_name="王晓燕", id_number_masked="420527********1234",
                  volunteer_no="WM00012345", total_hours=sum((s.hours for s in services), Decimal(0)),
                  services=services, issuing_node="秭归县新时代文明实践中心", issued_on=dt.date(2025, 3, 8),
                  verify_url="https://wenming.example.cn/v/ZG-2025-000042")
    fields.update(overrides)
    return CertificateData(**fields)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_certificate_text_reads_back_and_never_shows_the_raw_id(id_number):
    raw = id_number()
    data = make_data(id_number_masked=mask_id_number(raw))
    pdf = render_certificate(data)
    assert pdf.startswith(b"%PDF")
    reader, text = read(pdf)
    for expected in ("志愿服务记录证明", "王晓燕", "WM00012345", "ZG-2025-000042", "文明劝导项目0003",
                     "累计服务时长 14 小时", mask_id_number(raw), "秭归县新时代文明实践中心",
                     "2025年3月8日", "自2024年3月1日至2024年3月5日"):
        assert flat(expected) in flat(text), expected  # lines may wrap anywhere in a phrase
    assert raw not in text and raw.encode() not in pdf
    assert not RAW_ID_RE.search(text)
    assert not RAW_ID_RE.search(str(reader.metadata))


def test_fonts_are_embedded_so_no_viewer_font_is_needed():
    reader, _ = read(render_certificate(make_data()))
    fonts = {}
    for page in reader.pages:
        for name, ref in page["/Resources"]["/Font"].items():
            fonts[name] = ref.get_object()
    assert fonts
    for font in fonts.values():
        # ReportLab writes TrueType subsets; /FontFile2 is the embedded glyph program.
        assert font["/Subtype"] == "/TrueType"
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_long_list_paginates_and_keeps_every_line():
    data = make_data(lines=250)
    reader, text = read(render_certificate(data))
    pages = len(reader.pages)
    assert pages > 1
    for line in data.services:
        assert line.project in flat(text)
    assert "服务日期" in reader.pages[1].extract_text()  # header row repeats on later pages
    assert f"第 1 页 共 {pages} 页" in text and f"第 {pages} 页 共 {pages} 页" in text
    assert f"累计服务时长{cp.fmt_hours(data.total_hours)}小时" in flat(text)


@pytest.mark.parametrize("value", ["420527199001011234", "42052719900101123X", "4205271990010*1234", ""])
def test_unmasked_id_number_is_refused(value):
    with pytest.raises(ValueError, match="脱敏"):
        make_data(id_number_masked=value)


def test_id_changed_after_construction_is_refused_at_render():
    data = make_data()
    data.id_number_masked = "420527199001011234"
    with pytest.raises(ValueError, match="脱敏"):
        render_certificate(data)


def test_table_total_must_match_the_stated_hours():
    with pytest.raises(ValueError, match="不一致"):
        make_data(total_hours=Decimal("99"))


def test_no_service_lines_and_single_day_wording():
    _, text = read(render_certificate(make_data(lines=0, total_hours=Decimal("12"))))
    assert "参加志愿服务，累计服务时长12小时" in flat(text) and "服务记录明细" not in text
    _, text = read(render_certificate(make_data(lines=1)))
    assert "于2024年3月1日参加志愿服务" in flat(text)


def test_markup_characters_in_data_are_printed_not_parsed():
    _, text = read(render_certificate(make_data(issuing_node="A&B<站>")))
    assert "A&B<站>" in text


def qr_matrix_from_pdf(reader: PdfReader) -> list[list[bool]]:
    """Rebuild the module matrix from the QR form XObject (drawn in module units)."""
    for page in reader.pages:
        for xobject in page["/Resources"].get("/XObject", {}).values():
            form = xobject.get_object()
            if form.get("/Subtype") != "/Form":
                continue
            size = int(form["/BBox"][2])
            matrix = [[False] * size for _ in range(size)]
            for operands, operator in ContentStream(form, reader).operations:
                if operator == b"re":
                    x, y, w, h = (int(v) for v in operands)
                    assert h == 1
                    for col in range(x, x + w):
                        matrix[size - 1 - y][col] = True
            return matrix
    raise AssertionError("no QR form in the PDF")


def test_qr_code_encodes_the_verify_url():
    data = make_data(verify_url="https://wenming.example.cn/v/ZG-2025-000042?c=9f3a")
    reader, _ = read(render_certificate(data))
    expected = [[bool(m) for m in row] for row in segno.make_qr(data.verify_url, error="m").matrix]
    assert qr_matrix_from_pdf(reader) == expected
    other = [[bool(m) for m in row] for row in segno.make_qr(data.verify_url + "x", error="m").matrix]
    assert qr_matrix_from_pdf(reader) != other


@pytest.mark.parametrize("hours, text", [("12.50", "12.5"), ("12.00", "12"), ("100", "100"), ("0.25", "0.25")])
def test_hours_format(hours, text):
    assert cp.fmt_hours(Decimal(hours)) == text


def test_missing_glyphs_reports_rare_characters():
    assert cp.missing_glyphs(make_data()) == set()
    assert "𬌗" in cp.missing_glyphs(make_data(volunteer_name="王𬌗"))  # Extension B, beyond the font


def test_batch_writes_one_pdf_per_certificate_into_a_zip(tmp_path):
    items = [make_data(certificate_no=f"ZG/2025/{i:03d}") for i in range(3)]
    out = tmp_path / "batch.zip"
    assert cp.render_certificates(items, out) == 3
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["ZG_2025_000.pdf", "ZG_2025_001.pdf", "ZG_2025_002.pdf"]
        _, text = read(archive.read("ZG_2025_001.pdf"))
    assert "ZG/2025/001" in text


def test_batch_refuses_duplicate_numbers_and_leaves_no_file(tmp_path):
    out = tmp_path / "batch.zip"
    with pytest.raises(ValueError, match="重复"):
        cp.render_certificates([make_data(), make_data()], out)
    assert list(tmp_path.iterdir()) == []


class TestFontLookup:
    def test_packaged_font_is_found_by_default(self, monkeypatch):
        monkeypatch.delenv(cp.FONT_SETTING, raising=False)
        path, index = cp.find_cjk_font()
        assert path.name == "wqy-microhei.ttc" and index == 0

    def test_setting_path_and_subfont_index(self, monkeypatch, tmp_path, settings):
        font = tmp_path / "x.ttc"
        font.write_bytes(b"")
        monkeypatch.setenv(cp.FONT_SETTING, f"{font}#1")
        assert cp.find_cjk_font() == (font, 1)
        monkeypatch.delenv(cp.FONT_SETTING)
        settings.WENMING_CJK_FONT = str(font)
        assert cp.find_cjk_font() == (font, 0)

    def test_setting_to_a_missing_file_is_an_error(self, monkeypatch, tmp_path):
        monkeypatch.setenv(cp.FONT_SETTING, str(tmp_path / "nope.ttf"))
        with pytest.raises(cp.CJKFontError, match="不存在"):
            cp.find_cjk_font()

    def test_no_font_anywhere_gives_a_clear_chinese_error(self, monkeypatch):
        monkeypatch.delenv(cp.FONT_SETTING, raising=False)
        monkeypatch.setattr(cp, "_packaged_font", lambda: None)
        monkeypatch.setattr(cp, "DEBIAN_FONTS", ("/nonexistent/font.ttc",))
        with pytest.raises(cp.CJKFontError, match="未找到可用的中文 TrueType 字体"):
            cp.find_cjk_font()

    def test_unusable_font_file_is_reported(self, monkeypatch, tmp_path):
        bad = tmp_path / "bad.otf"
        bad.write_bytes(b"OTTO" + b"\0" * 64)  # CFF signature: ReportLab cannot embed these
        monkeypatch.setenv(cp.FONT_SETTING, str(bad))
        with pytest.raises(cp.CJKFontError, match="TrueType"):
            cp.register_cjk_font.__wrapped__()  # bypass the process-wide cache

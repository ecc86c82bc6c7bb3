"""志愿服务记录证明: a Chinese PDF certificate rendered from plain data (no database access).

ReportLab draws the page, segno encodes the verification QR code. The CJK font must be a
TrueType-outline font (TTF/TTC): ReportLab cannot embed CFF outlines, which rules out the
Noto Sans CJK .otf/.ttc files most distributions ship. See docs/certificates.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, LongTable, Paragraph, SimpleDocTemplate, Spacer, Table

from .certificate_seal import SEAL_WORDS, Seal  # noqa: F401  (SEAL_WORDS: the text a test looks for)

logger = logging.getLogger(__name__)

FONT_NAME = "WenmingCJK"
FONT_SETTING = "WENMING_CJK_FONT"
# The font the project's set-up installs (scripts/ensure-debian-packages, run by `make demo` and
# `make test`): WenQuanYi Micro Hei from Debian's fonts-wqy-microhei, TrueType outlines, licensed
# Apache-2.0 or GPL-3 with font exception (/usr/share/doc/fonts-wqy-microhei/copyright).
PACKAGED_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# Other Debian packages with TrueType outlines and Latin digits, used when installed by hand.
# fonts-wqy-zenhei also covers CJK Extension A (rare characters in names). Not
# fonts-droid-fallback: it has no Latin digits.
DEBIAN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
)
# A font lacking any of these would leave numbers or the title blank, silently.
REQUIRED_CHARS = "0123456789*-年月日志愿服务记录证明"
MAX_VISIBLE_ID_DIGITS = 10  # wenming.core.crypto.mask_id_number keeps 6 + 4

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 20 * mm, 22 * mm, 22 * mm
FOOTER_Y = 15 * mm  # inside the 12 mm inner frame, below the text area
QR_SIZE = 30 * mm
QR_BORDER = 4  # quiet zone in modules, required by the QR spec for reliable scanning


class CJKFontError(RuntimeError):
    """No usable Chinese TrueType font: certificates would print empty boxes."""


@dataclass(frozen=True)
class ServiceLine:
    date: dt.date
    project: str
    organiser: str  # the team or node that ran the service
    hours: Decimal
    # A line summing several entries of one month (补录时长): its last day and how many.
    until: dt.date | None = None
    count: int = 1

    @property
    def last_day(self) -> dt.date:
        return self.until or self.date

    def date_label(self) -> str:
        if self.until and self.until != self.date:
            if (self.until.year, self.until.month) == (self.date.year, self.date.month):
                return f"{self.date:%Y-%m}"
            return f"{self.date.isoformat()}至{self.until.isoformat()}"
        return self.date.isoformat()

    def project_label(self) -> str:
        return f"{self.project}（共 {self.count} 次）" if self.count > 1 else self.project


@dataclass
class CertificateData:
    certificate_no: str
    volunteer_name: str
    id_number_masked: str  # e.g. 420527********1234; a raw number is refused
    volunteer_no: str
    total_hours: Decimal
    services: list[ServiceLine]
    issuing_node: str  # name of the node that issues the certificate
    issued_on: dt.date
    verify_url: str  # public verification page; must carry no personal data
    honours: list[str] = field(default_factory=list)  # 星级志愿者, 先进典型: one phrase each

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Called again at render time because the dataclass is mutable."""
        masked = self.id_number_masked or ""
        visible = sum(ch.isdigit() or ch in "Xx" for ch in masked)
        if "*" not in masked or visible > MAX_VISIBLE_ID_DIGITS:
            raise ValueError("证件号码必须脱敏后才能打印在证明上（如 420527********1234）")
        for name in ("certificate_no", "volunteer_name", "volunteer_no", "issuing_node", "verify_url"):
            if not str(getattr(self, name) or "").strip():
                raise ValueError(f"证明缺少必填项：{name}")
        if self.services:
            listed = sum((Decimal(s.hours) for s in self.services), Decimal(0))
            # A certificate whose table contradicts its own total is worse than none.
            if listed != Decimal(self.total_hours):
                raise ValueError(f"服务明细合计 {fmt_hours(listed)} 小时与累计服务时长 "
                                 f"{fmt_hours(self.total_hours)} 小时不一致")


# --- fonts ---------------------------------------------------------------------------

def _setting_value() -> str:
    value = os.environ.get(FONT_SETTING, "")
    if value:
        return value
    # Usable without configured Django settings, e.g. from a script that only renders.
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return str(getattr(settings, FONT_SETTING, "") or "")
    except ImproperlyConfigured:
        return ""


def _packaged_font() -> Path | None:
    """Debian's fonts-wqy-microhei, which scripts/ensure-debian-packages installs (never a pip
    package: none ships this font with its licence text)."""
    path = Path(PACKAGED_FONT)
    return path if path.is_file() else None


def find_cjk_font() -> tuple[Path, int]:
    """(font file, TTC subfont index): the WENMING_CJK_FONT setting (env or Django settings,
    `path` or `path#index`), else Debian's fonts-wqy-microhei, else another Debian font."""
    configured = _setting_value()
    if configured:
        match = re.fullmatch(r"(.+?)(?:#(\d+))?", configured.strip())
        path, index = Path(match.group(1)), int(match.group(2) or 0)
        if not path.is_file():
            # An explicit setting that points nowhere is a mistake to report, not to paper over.
            raise CJKFontError(f"{FONT_SETTING} 指向的字体文件不存在：{path}")
        return path, index
    packaged = _packaged_font()
    if packaged:
        return packaged, 0
    for candidate in DEBIAN_FONTS:
        if os.path.isfile(candidate):
            return Path(candidate), 0
    raise CJKFontError(
        "未找到可用的中文 TrueType 字体，无法生成志愿服务记录证明。请以 root 运行 "
        "scripts/ensure-debian-packages（或 apt-get install fonts-wqy-microhei），"
        f"或把环境变量 {FONT_SETTING} 设为 TTF/TTC 字体文件路径"
        "（不支持 CFF 轮廓的 OTF，如 Noto Sans CJK）。"
    )


@functools.cache
def register_cjk_font() -> str:
    """Parse and register the font once per process: parsing costs ~0.1 s, rendering reuses it."""
    path, index = find_cjk_font()
    try:
        font = TTFont(FONT_NAME, str(path), subfontIndex=index)
    except TTFError as exc:
        raise CJKFontError(f"字体 {path} 无法嵌入 PDF（需要 TrueType 轮廓的 TTF/TTC 字体）：{exc}") from exc
    lacking = [ch for ch in REQUIRED_CHARS if ord(ch) not in font.face.charToGlyph]
    if lacking:
        raise CJKFontError(f"字体 {path} 缺少必需字符 {''.join(lacking)}（如仅含汉字的后备字体），请换用完整的中文字体")
    pdfmetrics.registerFont(font)
    # One face only: map bold/italic to it so markup never asks for a missing variant.
    registerFontFamily(FONT_NAME, normal=FONT_NAME, bold=FONT_NAME, italic=FONT_NAME, boldItalic=FONT_NAME)
    logger.info("certificate font: %s#%s", path, index)
    return FONT_NAME


def missing_glyphs(data: CertificateData) -> set[str]:
    """Characters the font cannot draw (rare name characters); they would print as blanks."""
    char_to_glyph = pdfmetrics.getFont(register_cjk_font()).face.charToGlyph
    texts = [data.volunteer_name, data.volunteer_no, data.issuing_node, data.certificate_no]
    texts += [s.project for s in data.services] + [s.organiser for s in data.services] + list(data.honours)
    return {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in char_to_glyph}


# --- formatting ----------------------------------------------------------------------

def fmt_hours(hours: Decimal) -> str:
    """12.50 -> 12.5, 12.00 -> 12, 100 -> 100 (normalize alone would give 1E+2)."""
    return format(Decimal(hours).quantize(Decimal("0.01")).normalize(), "f")


def fmt_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _styles(font: str) -> dict[str, ParagraphStyle]:
    # wordWrap="CJK" lets lines break between any two Chinese characters.
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "body": ParagraphStyle("body", base, fontSize=12.5, leading=24, firstLineIndent=25,
                               alignment=TA_JUSTIFY),
        "cell": ParagraphStyle("cell", base, fontSize=9.5, leading=12.5),
        "head": ParagraphStyle("head", base, fontSize=10, leading=13, alignment=TA_CENTER),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10.5, textColor=colors.HexColor("#555555")),
        "sign": ParagraphStyle("sign", base, fontSize=11.5, leading=22),
        "right": ParagraphStyle("right", base, fontSize=10, leading=14, alignment=TA_RIGHT),
    }


# --- flowables -----------------------------------------------------------------------

class _Title(Flowable):
    """Centered, spaced title; WQY has no bold face, so fill+stroke (render mode 2) fakes one."""

    def __init__(self, text: str, font: str, size: float = 24):
        super().__init__()
        self.text, self.font, self.size = text, font, size

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.size * 2

    def draw(self):
        c, spacing = self.canv, self.size * 0.35
        width = pdfmetrics.stringWidth(self.text, self.font, self.size) + spacing * (len(self.text) - 1)
        text = c.beginText((self.width - width) / 2, self.size * 0.6)
        text.setFont(self.font, self.size)
        text.setCharSpace(spacing)
        text.setTextRenderMode(2)
        c.setLineWidth(0.5)
        text.textOut(self.text)
        c.drawText(text)


class QRCode(Flowable):
    """Vector QR code drawn in a form XObject in module units (1 module = 1 unit), so it stays
    sharp at any zoom and tests can read the matrix back from the PDF."""

    form_name = "WenmingVerifyQR"

    def __init__(self, url: str, size: float = QR_SIZE):
        super().__init__()
        self.matrix = segno.make_qr(url, error="m").matrix  # rows top-down, no quiet zone
        self.size = size

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        c, n = self.canv, len(self.matrix)
        c.beginForm(self.form_name, 0, 0, n, n)
        path = c.beginPath()
        for row_no, row in enumerate(self.matrix):
            y, col = n - 1 - row_no, 0
            while col < n:  # one rectangle per horizontal run keeps the stream small
                if row[col]:
                    start = col
                    while col < n and row[col]:
                        col += 1
                    path.rect(start, y, col - start, 1)
                else:
                    col += 1
        c.setFillColor(colors.black)
        c.drawPath(path, stroke=0, fill=1)
        c.endForm()
        scale = self.size / (n + 2 * QR_BORDER)
        c.saveState()
        c.translate(QR_BORDER * scale, QR_BORDER * scale)
        c.scale(scale, scale)
        c.doForm(self.form_name)
        c.restoreState()


class _NumberedCanvas(Canvas):
    """Defers pages so each footer can say 第 n 页 共 m 页: a page cannot be removed unnoticed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT_NAME, 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawRightString(PAGE_W - MARGIN_X, FOOTER_Y,
                                 f"第 {self._pageNumber} 页 共 {total} 页")
            super().showPage()
        super().save()


# --- document ------------------------------------------------------------------------

def _body_text(data: CertificateData) -> str:
    who = (f"兹证明 {escape(data.volunteer_name)}（志愿者编号 {escape(data.volunteer_no)}，"
           f"证件号码 {escape(data.id_number_masked)}）")
    days = sorted([s.date for s in data.services] + [s.last_day for s in data.services])
    if not days:
        when = ""
    elif days[0] == days[-1]:
        when = f"于{fmt_date(days[0])}"
    else:
        when = f"自{fmt_date(days[0])}至{fmt_date(days[-1])}"
    return f"{who}{when}参加志愿服务，累计服务时长 {fmt_hours(data.total_hours)} 小时。"


def _service_table(data: CertificateData, st: dict[str, ParagraphStyle]) -> Table:
    head = [Paragraph(t, st["head"]) for t in ("序号", "服务日期", "服务项目", "组织单位", "时长（小时）")]
    rows = [head]
    for no, line in enumerate(sorted(data.services, key=lambda s: s.date), 1):
        rows.append([str(no), line.date_label(), Paragraph(escape(line.project_label()), st["cell"]),
                     Paragraph(escape(line.organiser), st["cell"]), fmt_hours(line.hours)])
    rows.append(["合计", "", "", "", fmt_hours(data.total_hours)])
    widths = [13 * mm, 24 * mm, 64 * mm, 47 * mm, 22 * mm]
    # LongTable: column widths are fixed, so no whole-table measuring pass on hundreds of rows.
    table = LongTable(rows, colWidths=widths, repeatRows=1)
    table.setStyle([
        ("FONT", (0, 0), (-1, -1), FONT_NAME, 9.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 1), (1, -1), "CENTER"),
        ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F1E4D0")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#FAF7F2")]),
        ("SPAN", (0, -1), (3, -1)),
        ("ALIGN", (0, -1), (3, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])
    return table


def _closing(data: CertificateData, st: dict[str, ParagraphStyle]) -> Flowable:
    left = [QRCode(data.verify_url), Paragraph("扫码核验本证明", st["small"]),
            Paragraph(escape(data.verify_url), st["small"])]
    right = [Paragraph(f"出具单位（盖章）：{escape(data.issuing_node)}", st["sign"]),
             Paragraph(f"出具日期：{fmt_date(data.issued_on)}", st["sign"]),
             Paragraph(f"证书编号：{escape(data.certificate_no)}", st["sign"]),
             # over the office's name and the date, as a stamp on paper
             Seal(data.issuing_node, FONT_NAME, dx=78 * mm, dy=20 * mm)]
    block = Table([[left, right]], colWidths=[62 * mm, 108 * mm])
    block.setStyle([("FONT", (0, 0), (-1, -1), FONT_NAME), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    note = Paragraph("本证明依据文明实践云平台已审核的志愿服务时长记录出具。证明内容以扫码核验结果为准；"
                     "核验页面不显示个人信息。", st["small"])
    return KeepTogether([Spacer(1, 8 * mm), block, Spacer(1, 4 * mm), note])


def _decorate(canvas: Canvas, doc, data: CertificateData) -> None:
    """Frame on every page; from page 2 on a header repeats whose certificate this is."""
    canvas.saveState()
    canvas.setStrokeColor(colors.HexColor("#B22222"))
    canvas.setLineWidth(1.2)
    canvas.rect(10 * mm, 10 * mm, PAGE_W - 20 * mm, PAGE_H - 20 * mm)
    canvas.setLineWidth(0.4)
    canvas.rect(12 * mm, 12 * mm, PAGE_W - 24 * mm, PAGE_H - 24 * mm)
    canvas.setFont(FONT_NAME, 8)
    canvas.setFillColor(colors.HexColor("#555555"))
    if doc.page > 1:
        canvas.drawString(MARGIN_X, PAGE_H - MARGIN_TOP + 6 * mm,
                          f"志愿服务记录证明（续） {data.volunteer_name}  证书编号 {data.certificate_no}")
    canvas.drawString(MARGIN_X, FOOTER_Y, f"证书编号 {data.certificate_no}")
    canvas.restoreState()


def render_certificate(data: CertificateData) -> bytes:
    """One certificate as PDF bytes (A4 portrait; the service table continues over pages)."""
    data.validate()
    font = register_cjk_font()
    missing = missing_glyphs(data)
    if missing:
        logger.warning("certificate %s: font lacks %s; set %s to a fuller TrueType font",
                       data.certificate_no, "".join(sorted(missing)), FONT_SETTING)
    st = _styles(font)
    story: list[Flowable] = [
        _Title("志愿服务记录证明", font), Paragraph(f"证书编号：{escape(data.certificate_no)}", st["right"]),
        Spacer(1, 6 * mm), Paragraph(_body_text(data), st["body"]),
    ]
    if data.honours:
        story.append(Paragraph("所获荣誉：" + "；".join(escape(h) for h in data.honours) + "。", st["body"]))
    story += [Paragraph("特此证明。", st["body"]), Spacer(1, 6 * mm)]
    if data.services:
        story += [Paragraph("服务记录明细", st["sign"]), _service_table(data, st)]
    story.append(_closing(data, st))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=f"志愿服务记录证明 {data.certificate_no}",
        author=data.issuing_node, creator="文明实践云", subject="志愿服务记录证明",
        initialFontName=font,  # else every page references a non-embedded Helvetica
    )
    decorate = functools.partial(_decorate, data=data)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


def certificate_filename(data: CertificateData) -> str:
    return re.sub(r"[^\w.-]+", "_", data.certificate_no).strip("._") + ".pdf"


def render_certificates(items: Iterable[CertificateData], out_path: str | os.PathLike) -> int:
    """A batch into one zip, one PDF per certificate (named <certificate_no>.pdf); returns the count.

    A zip rather than one long PDF: each member is the same single-certificate file a volunteer
    downloads (render_certificate), page numbering stays per certificate, and memory stays flat
    because each PDF is written and dropped before the next is rendered. PDF streams are already
    compressed, so members are stored, not deflated again."""
    out_path = Path(out_path)
    seen: set[str] = set()
    count = 0
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            for data in items:
                name = certificate_filename(data)
                if name in seen:
                    raise ValueError(f"证书编号重复：{data.certificate_no}")
                seen.add(name)
                archive.writestr(name, render_certificate(data))
                count += 1
        tmp.replace(out_path)  # never leave a half-written batch under the real name
    finally:
        tmp.unlink(missing_ok=True)
    return count

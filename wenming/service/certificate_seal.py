"""The issuing office's seal on a volunteer-service certificate, drawn in the PDF (no image
file, nothing fetched)."""

import math

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

SEAL_RED = colors.HexColor("#D7261E")
SEAL_RADIUS = 21 * mm
SEAL_WORDS = "证明专用章"


class Seal(Flowable):
    """The issuing office's seal, drawn (no image): a red ring, the office's name along the
    upper arc, a five-pointed star, 证明专用章 across the bottom. It takes little room in the
    flow and is drawn over the signing lines above it, where a stamp goes on paper; slightly
    transparent, so the text under it stays legible."""

    def __init__(self, office: str, font: str, *, radius: float = SEAL_RADIUS, dx: float = 0, dy: float = 0,
                 height: float = 6 * mm):
        super().__init__()
        self.office, self.font, self.radius = office, font, radius
        self.dx, self.dy, self.height_ = dx, dy, height

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.height_

    def _arc_text(self, c: Canvas, text: str, r: float, size: float, span_deg: float) -> None:
        """Characters upright to the ring, centred on the top, left to right."""
        n = len(text)
        step = span_deg / max(n - 1, 1) if n > 1 else 0
        start = 90 + span_deg / 2 if n > 1 else 90
        for i, ch in enumerate(text):
            angle = start - i * step
            c.saveState()
            c.rotate(angle - 90)
            c.translate(0, r)
            c.drawCentredString(0, 0, ch)
            c.restoreState()

    def draw(self):
        c, r = self.canv, self.radius
        c.saveState()
        c.translate(self.dx, self.dy)
        c.setFillAlpha(0.88)
        c.setStrokeAlpha(0.88)
        c.setStrokeColor(SEAL_RED)
        c.setFillColor(SEAL_RED)
        c.setLineWidth(1.6)
        c.circle(0, 0, r, stroke=1, fill=0)
        c.setLineWidth(0.5)
        c.circle(0, 0, r - 1.3 * mm, stroke=1, fill=0)
        # The name along the upper arc: up to 240°, characters no bigger than the ring allows.
        name = self.office.strip()[:24]
        text_r = r - 1.3 * mm - 5.2 * mm
        span = min(240.0, 22.0 * max(len(name) - 1, 1))
        arc_len = text_r * math.radians(span) / max(len(name) - 1, 1)
        size = max(6.0, min(12.5, arc_len * 0.95))
        c.setFont(self.font, size)
        self._arc_text(c, name, text_r, size, span)
        # The star in the middle.
        outer, inner = r * 0.3, r * 0.3 * 0.382
        path = c.beginPath()
        for k in range(10):
            rad = outer if k % 2 == 0 else inner
            a = math.radians(90 + k * 36)
            x, y = rad * math.cos(a), rad * math.sin(a) + r * 0.02
            if k == 0:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
        path.close()
        c.drawPath(path, stroke=0, fill=1)
        c.setFont(self.font, 8.5)
        c.drawCentredString(0, -r * 0.62, SEAL_WORDS)
        c.restoreState()

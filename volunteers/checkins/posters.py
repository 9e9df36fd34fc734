"""The printable check-in poster: one A4 page per code, with the activity's name and times.

Set in the embedded font of `timebank.web.pdf_fonts`. A long title (up to 80 characters) wraps
onto as many as three centred lines, in a smaller size when it must; the place wraps onto two.
The QR code takes the room left between the text and the footer, never less than 90 mm.
"""

import io

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from timebank.clock import local
from timebank.web import pdf_fonts, qrcodes

MARGIN = 20 * mm
#: Title sizes tried in turn until the title fits in `TITLE_LINES` lines.
TITLE_SIZES = (20, 18, 16, 14)
TITLE_LINES = 3
QR_LARGEST, QR_SMALLEST = 130 * mm, 90 * mm
FOOTER_TOP = 50 * mm


def fit_lines(text: str, sizes: tuple[float, ...], most_lines: int, width: float
              ) -> tuple[float, list[str]]:
    """The largest size at which `text` wraps into `most_lines` lines of `width`, and the lines
    (at the smallest size, cut to `most_lines` with an ellipsis if even that is not enough)."""
    text = pdf_fonts.printable(text)
    for size in sizes:
        lines = pdf_fonts.wrap(text, size, width)
        if len(lines) <= most_lines:
            return size, lines
    lines = lines[:most_lines]
    last = lines[-1]
    while last and pdf_fonts.width(last + "…", size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return size, lines


def _centred(pdf, lines: list[str], size: float, top: float, width: float) -> float:
    """Draw `lines` centred from baseline `top` down; return the baseline after the last."""
    pdf.setFont(pdf_fonts.font_name(), size)
    leading = size * 1.3
    for line in lines:
        pdf.drawCentredString(width / 2, top, line)
        top -= leading
    return top


def poster_pdf(activity, pages) -> bytes:
    """`pages`: [(purpose, url)]; returns the PDF."""
    font = pdf_fonts.font_name()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(activity.title)
    width, height = A4
    text_width = width - 2 * MARGIN
    when = (f"{local(activity.starts_at).strftime('%Y-%m-%d %H:%M')} – "
            f"{local(activity.ends_at).strftime('%H:%M')}")
    title_size, title_lines = fit_lines(activity.title, TITLE_SIZES, TITLE_LINES, text_width)
    _size, place_lines = fit_lines(activity.place or activity.community.name, (14,), 2, text_width)
    footer = fit_lines(_(
        "Open your phone's camera or WeChat and scan. This code works only during the activity."),
        (12, 11, 10), 2, text_width)
    station = pdf_fonts.printable(activity.station.name)
    for purpose, url in pages:
        heading = _("Scan to check in") if purpose == "checkin" else _("Scan to check out")
        pdf.setFont(font, 30)
        pdf.drawCentredString(width / 2, height - 40 * mm, heading)
        below = _centred(pdf, title_lines, title_size, height - 55 * mm, width)
        below = _centred(pdf, [when, *place_lines], 14, below - 2 * mm, width)
        top = below - 2 * mm
        size = max(QR_SMALLEST, min(QR_LARGEST, top - FOOTER_TOP))
        pdf.drawImage(ImageReader(io.BytesIO(qrcodes.png(url, box_size=12))),
                      (width - size) / 2, top - size, size, size)
        below = _centred(pdf, footer[1], footer[0], min(40 * mm, top - size - 8 * mm), width)
        pdf.setFont(font, 12)
        pdf.drawCentredString(width / 2, below - 2 * mm, station)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()

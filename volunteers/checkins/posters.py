"""The printable check-in poster: one A4 page per code, with the activity's name and times.

reportlab's built-in CID font STSong-Light renders Chinese without any font file.
"""

import io

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from timebank.clock import local
from timebank.web import qrcodes

FONT = "STSong-Light"


def poster_pdf(activity, pages) -> bytes:
    """`pages`: [(purpose, url)]; returns the PDF."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(activity.title)
    width, height = A4
    when = (f"{local(activity.starts_at).strftime('%Y-%m-%d %H:%M')} – "
            f"{local(activity.ends_at).strftime('%H:%M')}")
    for purpose, url in pages:
        heading = _("Scan to check in") if purpose == "checkin" else _("Scan to check out")
        pdf.setFont(FONT, 30)
        pdf.drawCentredString(width / 2, height - 40 * mm, heading)
        pdf.setFont(FONT, 20)
        pdf.drawCentredString(width / 2, height - 55 * mm, activity.title)
        pdf.setFont(FONT, 14)
        pdf.drawCentredString(width / 2, height - 65 * mm, when)
        pdf.drawCentredString(width / 2, height - 73 * mm, activity.place or activity.community.name)
        size = 130 * mm
        pdf.drawImage(ImageReader(io.BytesIO(qrcodes.png(url, box_size=12))),
                      (width - size) / 2, height - 80 * mm - size, size, size)
        pdf.setFont(FONT, 12)
        pdf.drawCentredString(width / 2, 40 * mm, _(
            "Open your phone's camera or WeChat and scan. This code works only during the activity."))
        pdf.drawCentredString(width / 2, 32 * mm, activity.station.name)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()

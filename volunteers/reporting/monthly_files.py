"""The monthly station report as files: Excel (one sheet, a block per section, a definition
column) and PDF (A4, the impaper font like the certificates, page numbers).

Both read the report's JSON (`monthly.StationReport.to_dict`), so a frozen report renders the
same as a fresh one. Numbers stay numbers in Excel (minutes as hours with one decimal); text a
spreadsheet would run as a formula is written as text.
"""

import io
from html import escape

from flask_babel import format_decimal
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from timebank.web import pdf_fonts
from volunteers.reporting import monthly
from volunteers.reporting import services as reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def filename(report: dict, fmt: str) -> str:
    """``station-3-2026-11.xlsx`` (ASCII: the station's name is in the file)."""
    months = report["first"] if report["first"] == report["last"] \
        else f"{report['first']}_{report['last']}"
    return f"station-{report['station']['id']}-{months}.{fmt}"


def _cell_value(value, unit: str):
    """What an Excel cell holds for a figure: hours for minutes, the number, or the text."""
    if value is None:
        return None
    if unit == "minutes":
        return reports.hours(int(value))
    return _safe(value)


def _safe(value):
    if isinstance(value, str) and value[:1] in "=+-@":
        return "'" + value
    return value


def _unit_text(unit: str) -> str:
    return {"minutes": _("Hours"), "percent": "%", "score": _("Average (1–5)")}.get(unit, "")


def xlsx(report: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Monthly report"))[:31]
    bold, heading = Font(bold=True), Font(bold=True, size=13)
    fill = PatternFill("solid", fgColor="EEEEEE")
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([monthly.title_text(report)])
    sheet["A1"].font = Font(bold=True, size=15)
    sheet.append([_("Generated at"), monthly.moment_text(report["generated_at"])])
    for section in report["sections"]:
        sheet.append([])
        sheet.append([section["title"]])
        sheet.cell(sheet.max_row, 1).font = heading
        sheet.append([_("Figure"), _("Value"), _("Unit"), _("Definition")])
        for column in range(1, 5):
            sheet.cell(sheet.max_row, column).font = bold
            sheet.cell(sheet.max_row, column).fill = fill
        for figure in section["figures"]:
            sheet.append([figure["label"], _cell_value(figure["value"], figure["unit"]),
                          _unit_text(figure["unit"]), figure["definition"]])
            sheet.cell(sheet.max_row, 4).alignment = wrap
            if figure["unit"] in ("minutes", "percent", "score"):
                sheet.cell(sheet.max_row, 2).number_format = "0.0"
        table = section["table"]
        if table:
            sheet.append([])
            sheet.append([_safe(column) for column in table["columns"]])
            for column in range(1, len(table["columns"]) + 1):
                sheet.cell(sheet.max_row, column).font = bold
                sheet.cell(sheet.max_row, column).fill = fill
            for row in table["rows"]:
                sheet.append([_safe(cell) for cell in row])
    for column, width in enumerate((30, 14, 12, 70, 14), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------------

def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=pdf_fonts.font_name(), fontSize=10, leading=14,
                          wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1,
                                spaceAfter=1 * mm),
        "meta": ParagraphStyle("meta", parent=base, fontSize=8.5, leading=12, alignment=1,
                               textColor=colors.HexColor("#555555"), spaceAfter=3 * mm),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12.5, leading=18,
                                  spaceBefore=4 * mm, spaceAfter=1.5 * mm),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "value": ParagraphStyle("value", parent=base, fontSize=10, leading=13, alignment=2),
        "definition": ParagraphStyle("definition", parent=base, fontSize=7.5, leading=10,
                                     textColor=colors.HexColor("#555555")),
        "head": ParagraphStyle("head", parent=base, fontSize=8.5, leading=11),
    }


def _text(text) -> str:
    return escape(pdf_fonts.printable(str(text)))


def cell_text(cell) -> str:
    if cell is None:
        return "–"
    if isinstance(cell, float):
        return format_decimal(cell, format="#,##0.0")
    return str(cell)


GRID = [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]


def _figures_table(section: dict, styles: dict, width: float) -> Table:
    rows = [[Paragraph(_text(figure["label"]), styles["cell"]),
             Paragraph(_text(monthly.value_text(figure["value"], figure["unit"])),
                       styles["value"]),
             Paragraph(_text(figure["definition"]), styles["definition"])]
            for figure in section["figures"]]
    table = Table(rows, colWidths=[width * 0.27, width * 0.16, width * 0.57])
    table.setStyle(TableStyle(GRID))
    return table


def _data_table(data: dict, styles: dict, width: float) -> Table:
    count = len(data["columns"])
    first = width * (0.34 if count > 2 else 0.6)
    widths = [first] + [(width - first) / (count - 1)] * (count - 1)
    rows = [[Paragraph(_text(column), styles["head"]) for column in data["columns"]]]
    for row in data["rows"]:
        rows.append([Paragraph(_text(cell_text(cell)),
                               styles["cell"] if index == 0 else styles["value"])
                     for index, cell in enumerate(row)])
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(GRID + [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE"))]))
    return table


def pdf(report: dict) -> bytes:
    """A4 portrait: the title 「<station> <month> 服务月报」, then each section: its figures with
    their value and definition (small), and its table; page numbers at the foot."""
    styles = _styles()
    title = monthly.title_text(report)
    width = A4[0] - 30 * mm
    story = [Paragraph(_text(title), styles["title"]),
             Paragraph(_text(_("Generated at %(moment)s. Hours are shown with one decimal; "
                               "each figure is followed by its definition.",
                               moment=monthly.moment_text(report["generated_at"]))), styles["meta"])]
    for number, section in enumerate(report["sections"], start=1):
        story.append(KeepTogether([
            Paragraph(_text(f"{number}. {section['title']}"), styles["heading"]),
            _figures_table(section, styles, width)]))
        if section["table"] and section["table"]["rows"]:
            story += [Spacer(1, 2 * mm), _data_table(section["table"], styles, width)]

    font = pdf_fonts.font_name()

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawCentredString(A4[0] / 2, 9 * mm,
                                 pdf_fonts.printable(_("Page %(page)d", page=document.page)))
        canvas.drawString(15 * mm, 9 * mm, pdf_fonts.printable(title))
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=18 * mm, title=title,
                                 author=report["station"]["name"], subject=title)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()

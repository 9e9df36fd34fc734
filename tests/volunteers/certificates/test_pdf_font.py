"""The certificate and the poster embed their font, survive emoji and wrap 80-character titles."""

import io
import re

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from tests.conftest import log_in
from tests.volunteers.certificates.records import serve
from timebank.web import pdf_fonts
from volunteers.certificates import services as certificates
from volunteers.checkins import posters

#: 80 characters: an emoji, a family emoji (three people joined) and Chinese with Latin words.
LONG_TITLE = ("🎉金洲社区重阳敬老探访👨‍👩‍👧暨长者健康义诊、防诈骗宣传与智能手机使用教学 Smart phone class "
              "for seniors 长者饭堂送餐服务")[:80]
PLACE = "大井村长者饭堂二楼活动室"


def fragments(data: bytes) -> list[tuple[float, float, str, float]]:
    """(x, y, text, size) of every piece of text on the first page, in points from the bottom
    left."""
    found = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            found.append((x, y, text.strip(), size * tm[0] * cm[0]))

    PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
    return found


def flat(data: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def assert_font_embedded(data: bytes):
    assert b"/FontFile2" in data, "a TrueType font program is embedded"
    assert b"Sarasa-Mono-SC-Regular" in data
    assert b"STSong" not in data


def test_printable_replaces_each_missing_picture_by_one_box():
    assert pdf_fonts.printable("敬老🎉探访👨‍👩‍👧 👍🏽") == "敬老□探访□ □"
    assert pdf_fonts.printable("志愿服务 2026") == "志愿服务 2026"
    assert pdf_fonts.has_glyph(pdf_fonts.MISSING)


def test_wrap_keeps_latin_words_whole_and_every_line_inside():
    lines = pdf_fonts.wrap(pdf_fonts.printable(LONG_TITLE), 20, 120 * mm)
    assert len(lines) > 1
    assert all(pdf_fonts.width(line, 20) <= 120 * mm for line in lines)
    assert "".join(lines).replace(" ", "") == pdf_fonts.printable(LONG_TITLE).replace(" ", "")
    assert any(line.endswith("Smart") or line.startswith("phone") or " phone " in line for line in lines)


@pytest.fixture
def emoji_record(make_station, make_staff, make_volunteer, make_activity):
    station = make_station(name="黄阁镇")
    worker = make_staff(station, name="李社工")
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    activity = make_activity(station, worker, title=LONG_TITLE, start="2026-10-20 09:00", hours=2,
                             place=PLACE, allow_walk_ins=True)
    serve(activity, volunteer, worker)
    return {"volunteer": volunteer, "activity": activity}


def test_the_certificate_embeds_its_font_and_keeps_an_emoji_title_in_its_column(
        client, emoji_record, tmp_path):
    log_in(client, emoji_record["volunteer"])
    response = client.get("/volunteer/certificate.pdf")
    assert response.status_code == 200
    (tmp_path / "certificate.pdf").write_bytes(response.data)
    assert_font_embedded(response.data)

    text = flat(response.data)
    assert PLACE in text, "the place column reads as typed"
    assert pdf_fonts.printable(LONG_TITLE).replace(" ", "") in text
    assert "\ufffd" not in text and "🎉" not in text

    # The table's columns start at the left margin: date, activity, service content, place, ...
    widths = certificates.COLUMNS_MM
    activity_left = (certificates.LEFT_MARGIN_MM + widths["date"]) * mm
    content_left = activity_left + widths["activity"] * mm
    place_left = content_left + widths["content"] * mm
    title_chars = set(pdf_fonts.printable(LONG_TITLE)) - set(PLACE) - {" "}
    cells = [fragment for fragment in fragments(response.data) if fragment[3] == 9]  # the table
    pieces = [(x, y, piece, size) for x, y, piece, size in cells if activity_left <= x < content_left]
    assert len({y for _x, y, _piece, _size in pieces}) >= 3, "the 80-character title wraps"
    for x, _y, piece, size in pieces:
        assert x + pdf_fonts.width(piece, size) <= content_left, f"{piece!r} spills over"
    for x, _y, piece, _size in cells:
        if place_left <= x < place_left + widths["place"] * mm:
            assert not set(piece) & title_chars - set("老长者饭堂"), f"{piece!r} in the place column"


def test_the_poster_embeds_its_font_and_wraps_a_long_emoji_title_inside_the_page(
        client, login, make_station, make_staff, make_activity, tmp_path):
    station = make_station()
    worker = make_staff(station)
    activity = make_activity(station, worker, title=LONG_TITLE, place=PLACE)
    login(worker)
    response = client.get(f"/station/activities/{activity.id}/poster.pdf")
    assert response.status_code == 200
    (tmp_path / "poster.pdf").write_bytes(response.data)
    assert_font_embedded(response.data)
    assert pdf_fonts.printable(LONG_TITLE).replace(" ", "") in flat(response.data)
    assert PLACE in flat(response.data)
    width, _height = A4
    pieces = fragments(response.data)
    assert len([size for *_rest, size in pieces if size in posters.TITLE_SIZES]) >= 2, "title wraps"
    for x, _y, piece, size in pieces:
        assert posters.MARGIN - 1 <= x, f"{piece!r} is cut on the left"
        assert x + pdf_fonts.width(piece, size) <= width - posters.MARGIN + 1, f"{piece!r} is cut"


def test_a_title_too_long_even_for_the_smallest_size_is_cut_with_an_ellipsis():
    size, lines = posters.fit_lines("长" * 200, posters.TITLE_SIZES, 3, 170 * mm)
    assert size == posters.TITLE_SIZES[-1] and len(lines) == 3 and lines[-1].endswith("…")
    assert all(pdf_fonts.width(line, size) <= 170 * mm for line in lines)

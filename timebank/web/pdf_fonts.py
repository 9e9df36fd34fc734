"""The font every PDF is set in, embedded, and text made safe for it.

The font is Sarasa Mono SC (更纱黑体, SIL Open Font License), a TrueType font whose Chinese is
Source Han Sans; it ships inside the `impaper` package on PyPI, so installing the project brings
it. reportlab embeds the subset of glyphs a document uses (``/FontFile2``), so the paper looks the
same in every reader, unlike the non-embedded CID font STSong-Light used before.

Rules:

* Text is passed through `printable` before it is drawn: a character the font has no glyph for
  (an emoji, mostly) becomes one ``□``, measured with the same font, so a line's width is what
  reportlab computed and nothing spills into the next column. Joiners, variation selectors and
  skin-tone modifiers that only shape an emoji are dropped, so 👨‍👩‍👧 is one ``□``.
* `wrap` breaks a line anywhere between Chinese characters and at spaces between Latin words
  (a Latin word longer than the line is broken too), measuring with the font.
"""

import importlib.util
import re
import unicodedata
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "SarasaMonoSC"
#: Where the font file sits inside its package.
FONT_PACKAGE, FONT_FILE = "impaper", "res/sarasa-mono-sc-regular.ttf"
MISSING = "□"
_TOKEN = re.compile(r"\s*[!-~]+|\s+|.")

#: Characters that only modify the one before (or join emoji): dropped when the font lacks them.
_JOINERS = {0x200D, 0x20E3, 0xFE0E, 0xFE0F}
_MODIFIERS = range(0x1F3FB, 0x1F400)  # skin tones
_TAGS = range(0xE0020, 0xE0080)  # flag sub-regions


@cache
def font_name() -> str:
    """Register the font with reportlab once, and return the name to set text in."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(font_file())))
    return FONT


def font_file() -> Path:
    """The font's file, found without importing its package (whose code we do not use)."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the PDF font needs the {FONT_PACKAGE!r} package: pip install {FONT_PACKAGE}")
    return Path(next(iter(spec.submodule_search_locations))) / FONT_FILE


def _glyphs() -> dict[int, int]:
    return pdfmetrics.getFont(font_name()).face.charToGlyph


def has_glyph(char: str) -> bool:
    return ord(char) in _glyphs()


def printable(text: str | None) -> str:
    """`text` with each character the font cannot draw replaced by one ``□``."""
    glyphs = _glyphs()
    out: list[str] = []
    joined = False
    for char in unicodedata.normalize("NFC", text or ""):
        code = ord(char)
        if code in _JOINERS or code in _MODIFIERS or code in _TAGS:
            joined = joined or code == 0x200D
        elif code in glyphs or char in "\n\t":
            out.append(char)
            joined = False
        elif unicodedata.category(char) in {"Mn", "Me", "Cf", "Cc"}:
            continue
        elif joined and out and out[-1] == MISSING:
            joined = False  # the next person of a ZWJ sequence: still the same picture
        else:
            out.append(MISSING)
            joined = False
    return "".join(out)


def width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font_name(), size)


def wrap(text: str, size: float, most: float) -> list[str]:
    """Lines of `text` (already `printable`) no wider than `most` points at `size`."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            if line.strip() and width(line + token, size) > most:
                lines.append(line.rstrip())
                line = ""
            if not line:
                token = token.lstrip()
            if width(line + token, size) <= most:
                line += token
                continue
            for char in token:  # a word longer than a line: break it where it must
                if line and width(line + char, size) > most:
                    lines.append(line.rstrip())
                    line = ""
                line += char
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Latin words (with the spaces before them) stay whole; every other character stands alone."""
    return _TOKEN.findall(text)

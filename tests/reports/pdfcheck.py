"""Looking at rendered PDFs in tests: page text, where a text is, page pixels, fonts."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

SCALE = 1.5  # render scale: 1 PDF point = 1.5 pixels


def page_count(path: Path) -> int:
    return len(pdfium.PdfDocument(str(path)))


def page_text(path: Path, index: int = 0) -> str:
    """All text of one page, as pdfium extracts it."""
    page = pdfium.PdfDocument(str(path))[index]
    return page.get_textpage().get_text_range()


def all_text(path: Path) -> str:
    return "\n".join(page_text(path, i) for i in range(page_count(path)))


def text_top_px(path: Path, index: int, needle: str) -> float | None:
    """The top of ``needle``'s first character on the rendered page (pixels from the top)."""
    page = pdfium.PdfDocument(str(path))[index]
    found = page.get_textpage().search(needle).get_next()
    if found is None:
        return None
    _left, _bottom, _right, top = page.get_textpage().get_charbox(found[0])
    return (page.get_size()[1] - top) * SCALE


def render(path: Path, index: int = 0):
    """One page as a PIL RGB image at SCALE."""
    page = pdfium.PdfDocument(str(path))[index]
    return page.render(scale=SCALE).to_pil().convert("RGB")


def nonwhite_fraction(image, box: tuple[int, int, int, int], threshold: int = 245) -> float:
    """Share of pixels in ``box`` (left, top, right, bottom) with any channel below
    ``threshold`` (the map's pale sea counts as ink; the page's white does not)."""
    crop = image.crop(box)
    pixels = list(crop.get_flattened_data())
    ink = sum(1 for p in pixels if min(p) < threshold)
    return ink / max(len(pixels), 1)


def char_font(path: Path, index: int, needle: str) -> str | None:
    """The name of the font the first character of ``needle`` is drawn with."""
    page = pdfium.PdfDocument(str(path))[index]
    textpage = page.get_textpage()
    found = textpage.search(needle).get_next()
    if found is None:
        return None
    size = pdfium_raw.FPDFText_GetFontInfo(textpage.raw, found[0], None, 0, None)
    buf = ctypes.create_string_buffer(size)
    flags = ctypes.c_int()
    pdfium_raw.FPDFText_GetFontInfo(textpage.raw, found[0], buf, size, ctypes.byref(flags))
    return buf.value.decode("utf-8", "replace")

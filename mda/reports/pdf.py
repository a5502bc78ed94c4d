"""HTML to PDF with WeasyPrint, byte-reproducible and offline.

Same HTML in, same bytes out: no creation or modification date in the document information
(none is given in the HTML), a file identifier that is a hash of the content
(``pdf_identifier=True``), and the timestamp the font subsetter writes into each embedded
font (fontTools sets the ``head`` table's "modified" field to the current time) reset to the
font's own creation time. Nothing is fetched: every resource must be inline or a ``data:`` URI.
"""

from __future__ import annotations

import logging
import re
import struct
from typing import Any

log = logging.getLogger(__name__)

_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_CHECKSUM_MAGIC = 0xB1B0AFBA  # OpenType spec: checkSumAdjustment = magic - font checksum


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML document (print CSS applies) to PDF bytes."""
    import weasyprint  # imported here: heavy, and only needed when a PDF is written
    from weasyprint.urls import URLFetcher

    # Only data: URIs are read: a report never loads anything from disk or the network.
    fetcher = URLFetcher(allowed_protocols=("data",))
    _quiet("weasyprint.progress", "fontTools")
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    document.metadata.created = None
    document.metadata.modified = None
    pdf = document.write_pdf(finisher=_fixed_font_timestamps, pdf_identifier=True)
    log.debug("PDF: %d pages, %d bytes", len(document.pages), len(pdf))
    return bytes(pdf)


def _quiet(*names: str) -> None:
    """Step-by-step INFO logs of WeasyPrint and fontTools down to WARNING, unless configured,
    and WeasyPrint's per-font notice that fontTools subsets fonts (Debian's
    libharfbuzz-subset0 is not installed; the output is the same) dropped."""
    for name in names:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)
    weasy = logging.getLogger("weasyprint")
    if not any(isinstance(f, _SubsetterNotice) for f in weasy.filters):
        weasy.addFilter(_SubsetterNotice())


class _SubsetterNotice(logging.Filter):
    """Drops two kinds of WeasyPrint notices that say nothing about the document: "Using
    fontTools instead of HarfBuzz-Subset" (one per font per PDF), and "Ignored `fill: ...`,
    unknown property" for the SVG presentation properties of matplotlib's inline figures
    (WeasyPrint's SVG renderer applies them; only its HTML CSS validator does not know them).
    """

    _SVG_PROPERTY = re.compile(
        r"^Ignored `(fill|stroke|text-anchor|stop-|clip-rule|fill-rule|marker|dominant-baseline)"
        r"[^`]*` at \d+:\d+, unknown property\.$"
    )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "instead of HarfBuzz-Subset" in message:
            return False
        return not self._SVG_PROPERTY.match(message)


def _fixed_font_timestamps(_document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: make every embedded TrueType/OpenType font reproducible."""
    import pydyf

    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Stream) or not obj.stream:
            continue
        is_font = "Length1" in obj.extra or obj.extra.get("Subtype") == "/OpenType"
        if is_font and isinstance(obj.stream[0], bytes | bytearray):
            obj.stream[0] = fixed_font_timestamp(bytes(obj.stream[0]))


def fixed_font_timestamp(font: bytes) -> bytes:
    """The font with ``head.modified`` set to ``head.created`` and its checksums updated.

    Returns the input unchanged when it is not an sfnt font or has no ``head`` table.
    """
    if len(font) < 12 or font[:4] not in _SFNT_VERSIONS:
        return font
    (num_tables,) = struct.unpack_from(">H", font, 4)
    for i in range(num_tables):
        record = 12 + 16 * i
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", font, record)
        if tag == b"head" and length >= 36 and offset + length <= len(font):
            return _patched_head(font, record, offset, length)
    return font


def _patched_head(font: bytes, record: int, offset: int, length: int) -> bytes:
    """Set modified = created, recompute the head table checksum and checkSumAdjustment."""
    buf = bytearray(font)
    buf[offset + 28 : offset + 36] = buf[offset + 20 : offset + 28]
    struct.pack_into(">I", buf, offset + 8, 0)
    struct.pack_into(">I", buf, record + 4, _checksum(bytes(buf[offset : offset + length])))
    adjustment = (_CHECKSUM_MAGIC - _checksum(bytes(buf))) & 0xFFFFFFFF
    struct.pack_into(">I", buf, offset + 8, adjustment)
    return bytes(buf)


def _checksum(data: bytes) -> int:
    """OpenType table checksum: the sum of big-endian uint32 words (zero-padded), mod 2**32."""
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF

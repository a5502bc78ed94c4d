"""PDF writing: reproducible font subsets, nothing fetched."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from mda.reports.pdf import fixed_font_timestamp, html_to_pdf
from tests.reports import pdfcheck

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not DEJAVU.exists(), reason="DejaVu Sans not installed")
def test_font_timestamp_is_reset_and_checksums_stay_valid():
    font = TTFont(str(DEJAVU))
    font["head"].modified = font["head"].created + 123_456_789
    buf = io.BytesIO()
    font.save(buf, reorderTables=False)
    stamped = buf.getvalue()
    fixed = fixed_font_timestamp(stamped)
    assert fixed != stamped
    reread = TTFont(io.BytesIO(fixed), checkChecksums=2)  # raises on a wrong table checksum
    assert reread["head"].modified == reread["head"].created
    assert fixed_font_timestamp(fixed) == fixed  # idempotent
    assert fixed_font_timestamp(b"not a font") == b"not a font"


def test_pdf_has_no_dates_and_fetches_nothing(tmp_path):
    from PIL import Image

    picture = tmp_path / "local.png"
    Image.new("RGB", (40, 40), (200, 30, 30)).save(picture)
    html = (
        '<html lang="en"><body><h1>Hello</h1>'
        f'<img src="{picture.as_uri()}" alt="local file"></body></html>'
    )
    pdf = html_to_pdf(html)
    assert pdf == html_to_pdf(html)
    assert b"CreationDate" not in pdf and b"ModDate" not in pdf
    assert b"/Image" not in pdf  # the local file was not read...
    import weasyprint

    assert b"/Image" in weasyprint.HTML(string=html).write_pdf()  # ...which it would be by default
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    assert "Hello" in pdfcheck.page_text(path)

"""The daily report's PDF and the one-page morning brief (HTML + PDF)."""

from __future__ import annotations

import subprocess

import pytest

from mda.reports import render_daily_report
from tests.reports import pdfcheck
from tests.reports.factories import (
    DAY,
    case_event,
    case_layers,
    case_track,
    case_vessels,
    events_frame,
    make_gap,
)


def _render(out_dir, language="en"):
    events = events_frame(case_event(), make_gap("gap1", score=0.6))
    return render_daily_report(
        events=events,
        vessels=case_vessels(),
        layers=case_layers(),
        region="Test Sound",
        day=DAY,
        out_dir=out_dir,
        positions=case_track(),
        language=language,
        pdf=True,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("daily-pdf"))


def test_report_pdf_has_the_summary_and_every_event(files):
    text = pdfcheck.all_text(files.pdf)
    assert "Test Sound" in text and "Summary" in text
    assert "ev0123456789abcdef" in text and "gap1" in text
    assert "Speed and course" in files.html.read_text()  # the chart in the HTML report


def test_morning_brief_is_one_page_with_map_counts_and_top_events(files):
    assert pdfcheck.page_count(files.brief_pdf) == 1
    text = pdfcheck.page_text(files.brief_pdf, 0)
    for expected in ("Test Sound", "Top events", "Loitering events", "NORDIC STAR", "0.80"):
        assert expected in text, expected
    top = pdfcheck.text_top_px(files.brief_pdf, 0, "Identity conflict events")
    caption = pdfcheck.text_top_px(files.brief_pdf, 0, "Numbers are the ranks")
    assert top is not None and caption is not None and caption - top > 200
    image = pdfcheck.render(files.brief_pdf, 0)
    map_box = (image.width // 4, int(top) + 60, 3 * image.width // 4, int(caption) - 60)
    assert pdfcheck.nonwhite_fraction(image, map_box) > 0.5


def test_report_and_brief_bytes_are_reproducible(tmp_path, monkeypatch):
    first = _render(tmp_path / "a")
    from fontTools.misc.timeTools import timestampNow
    from fontTools.ttLib.tables import _h_e_a_d

    monkeypatch.setattr(_h_e_a_d, "timestampNow", lambda: timestampNow() + 86400)
    second = _render(tmp_path / "b")
    for name in ("html", "brief_html", "pdf", "brief_pdf", "geojson", "csv", "parquet"):
        a, b = getattr(first, name), getattr(second, name)
        assert a.read_bytes() == b.read_bytes(), name


def test_japanese_brief(tmp_path):
    if not subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout:
        pytest.skip("no Japanese font installed: run scripts/ensure-fonts.sh")
    files = _render(tmp_path, language="ja")
    assert "朝の概況" in files.brief_html.read_text()
    assert "上位のイベント" in pdfcheck.page_text(files.brief_pdf, 0)
    font = pdfcheck.char_font(files.brief_pdf, 0, "上位")
    assert font is not None and ("IPA" in font or "CJK" in font), font
    assert "スコア順のイベント" in files.html.read_text()  # the full report is translated too

"""Case-study packs: content, exercise and anonymised modes, languages, reproducible bytes,
and what a rendered PDF page actually shows."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest

from mda import schema as s
from mda.errors import ConfigError
from mda.reference import ReferenceLayers, Zone
from mda.reports.anonymise import AnonymisationError, imo_check_ok
from mda.reports.casestudy import CaseInputs, PackOptions, build_pack, write_pack
from tests.reports import pdfcheck
from tests.reports.factories import (
    CABLE,
    CASE_CALL_SIGN,
    CASE_IMO,
    CASE_MMSI,
    CASE_NAME,
    CLOSURE,
    OTHER_MMSI,
    OTHER_NAME,
    case_event,
    case_layers,
    case_track,
    case_vessels,
)


def _inputs(event_type: str = "loitering", layers: ReferenceLayers | None = None, **over):
    positions = pl.concat([case_track(), case_track(OTHER_MMSI, lon0=12.851)])
    return CaseInputs(
        event=case_event(event_type, **over),
        positions=positions,
        vessels=case_vessels(),
        layers=layers or case_layers(),
        region="Test Sound",
        bbox=(12.0, 55.0, 14.0, 56.0),
    )


def _text_files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".html", ".svg", ".json")
    }


@pytest.fixture(scope="module")
def english_pack(tmp_path_factory):
    """One English pack with PDFs (the expensive part), shared by several tests."""
    out = tmp_path_factory.mktemp("pack-en")
    return write_pack(_inputs(), out, PackOptions(language="en"))


def test_pack_writes_trainee_part_key_figures_and_manifest(english_pack):
    names = sorted(p.relative_to(english_pack.out_dir).as_posix() for p in english_pack.files)
    assert names == [
        "casestudy.html",
        "casestudy.pdf",
        "figures/closeup.svg",
        "figures/overview.svg",
        "figures/speed_course.svg",
        "pack.json",
        "trainer_key.html",
        "trainer_key.pdf",
    ]
    manifest = json.loads(english_pack.manifest.read_text())
    assert manifest["event_id"] == "ev0123456789abcdef" and manifest["language"] == "en"
    assert manifest["files"] == [n for n in names if n != "pack.json"]


def test_trainee_part_tells_the_story(english_pack):
    html = english_pack.html.read_text()
    for expected in (
        "Loitering: NORDIC STAR",
        "On March 5, 2024, AIS receivers tracked NORDIC STAR (Cargo, 120 m long, MMSI 219000001)",
        "From 02:00 UTC to 06:00 UTC (4 h 00 min) it stayed below 2 kn",
        "It never reported being at anchor or moored.",
        "Its AIS destination was \u201cKLAIPEDA\u201d.",  # the latest static report
        f"Track crosses the {CABLE} cable",
        f"Enters {CLOSURE}",
        "AIS reports stop",
        "AIS reports resume after 1 h 30 min, 4.6 km (2.5 nm) from the last position",
        "Speed falls below 3 kn",
        "Static report changes: name NORDIC STAR, destination KLAIPEDA",
        "Which legal basis applies?",
        "Why might a vessel stop here",  # the event type's own question
    ):
        assert expected in html, expected
    assert html.count("<li>") >= 6  # six discussion questions


def test_timeline_is_in_time_order(english_pack):
    html = english_pack.html.read_text()
    times = re.findall(r'<td class="time">(\d\d:\d\d) UTC</td>', html)
    assert times == sorted(times) and times[0] == "00:00" and times[-1] == "09:00"  # end + 3 h


def test_trainer_key_has_the_answer_and_the_legal_notes(english_pack):
    key = english_pack.key_html.read_text()
    for expected in (
        "Trainer key: Loitering: NORDIC STAR",
        "loitered for 4.0 h",  # the detector's own explanation
        "threshold_speed_kn",
        "Art. 113",  # near a cable
        "Art. 94",
        "Hot pursuit (art. 111)",
        "art. 18(2)",  # stopping in the territorial sea
        "They are not legal advice",
        "Waiting for a berth",
        "Contact the vessel on VHF",
    ):
        assert expected in key, expected


def test_pdf_first_page_shows_the_map_and_the_text(english_pack):
    pdf = english_pack.pdf
    text = pdfcheck.page_text(pdf, 0)
    assert "Loitering: NORDIC STAR" in text and "What the data shows" in text
    assert "AIS receivers tracked NORDIC STAR" in text
    # the overview map sits between the "Maps" heading and its caption
    top = pdfcheck.text_top_px(pdf, 0, "Maps")
    caption = pdfcheck.text_top_px(pdf, 0, "Overview: the area")
    assert top is not None and caption is not None and caption - top > 300
    image = pdfcheck.render(pdf, 0)
    map_box = (80, int(top) + 40, image.width - 80, int(caption) - 60)
    assert pdfcheck.nonwhite_fraction(image, map_box) > 0.5  # sea, land, zones, lines
    text_box = (60, 10, image.width - 60, int(top) - 20)
    assert 0.003 < pdfcheck.nonwhite_fraction(image, text_box) < 0.3  # text, not a blank page
    assert "Trainer key" in pdfcheck.page_text(english_pack.key_pdf, 0)


def test_exercise_mode_hides_the_answer_from_trainees(tmp_path):
    for event_type, label in (("loitering", "loiter"), ("ais_gap", "ais gap")):
        out = tmp_path / event_type
        files = write_pack(_inputs(event_type), out, PackOptions(exercise=True), pdf=False)
        trainee = files.html.read_text().lower()
        figures = " ".join(p.read_text().lower() for p in files.figures)
        for hidden in (label, "threshold_", "score", "loitered", "near the test cable"):
            assert hidden not in trainee, (event_type, hidden)
        assert label not in figures and "event track" not in figures
        assert "period under review" in trainee and "case ev0123456789abcdef" in trainee
        key = files.key_html.read_text().lower()
        assert label in key and "score:" in key and "threshold_" in key


def test_anonymised_pack_never_shows_an_original_identity(tmp_path):
    files = write_pack(
        _inputs("encounter", **{s.OTHER_MMSI: OTHER_MMSI}),
        tmp_path,
        PackOptions(anonymise=True, language="en"),
    )
    originals = [
        CASE_NAME,
        OTHER_NAME,
        str(CASE_MMSI),
        str(OTHER_MMSI),
        str(CASE_IMO),
        CASE_CALL_SIGN,
        "ev0123456789abcdef",
        "9300001",
    ]
    texts = _text_files(tmp_path)
    texts["casestudy.pdf (text)"] = pdfcheck.all_text(files.pdf)
    texts["trainer_key.pdf (text)"] = pdfcheck.all_text(files.key_pdf)
    for pdf in (files.pdf, files.key_pdf):
        texts[f"{pdf.name} (bytes)"] = pdf.read_bytes().decode("latin-1")
    for name, text in texts.items():
        for original in originals:
            assert original.lower() not in text.lower(), (name, original)
    html, key = files.html.read_text(), files.key_html.read_text()
    pseudo = re.search(r"MMSI (\d{9})", html).group(1)
    assert pseudo.startswith("1") and not pseudo.startswith("111")
    assert pseudo in key and "VESSEL " in html and "VESSEL " in key
    imo = int(re.search(r"IMO number</th><td>(\d{7})<", html).group(1))
    assert not imo_check_ok(imo) and imo_check_ok(CASE_IMO)
    assert re.search(r"Call sign</th><td>Q[A-Z0-9]{4}<", html)
    vessel_names = set(re.findall(r"VESSEL [A-Z]+", html))
    assert len(vessel_names) == 2  # the case's vessel and the other one, consistently
    assert vessel_names <= set(re.findall(r"VESSEL [A-Z]+", key))
    assert vessel_names <= set(re.findall(r"VESSEL [A-Z]+", texts["figures/speed_course.svg"]))
    manifest = json.loads(texts["pack.json"])
    assert manifest["event_id"] is None and manifest["case_id"].startswith("C-")


def test_pseudonyms_are_stable_and_follow_the_seed():
    one = build_pack(_inputs(), PackOptions(anonymise=True))
    two = build_pack(_inputs(), PackOptions(anonymise=True))
    other = build_pack(_inputs(), PackOptions(anonymise=True, seed="class of March"))
    assert one.trainee_html == two.trainee_html
    name = lambda pack: re.search(r"VESSEL [A-Z]+", pack.trainee_html).group(0)  # noqa: E731
    mmsi = lambda pack: re.search(r"MMSI (\d{9})", pack.trainee_html).group(1)  # noqa: E731
    assert (name(one), mmsi(one)) != (name(other), mmsi(other))
    assert one.case_id != other.case_id


def test_anonymised_pack_is_refused_when_an_identity_cannot_be_hidden(tmp_path):
    layers = case_layers()
    leaky = ReferenceLayers(
        cables=layers.cables,
        zones=(
            *layers.zones,
            Zone(CASE_NAME, "mpa", layers.zones[0].geometry),
        ),  # a zone named like the ship
        land=layers.land,
    )
    with pytest.raises(AnonymisationError, match="original identit"):
        write_pack(_inputs(layers=leaky), tmp_path, PackOptions(anonymise=True), pdf=False)
    assert not (tmp_path / "casestudy.html").exists()


def test_same_inputs_give_the_same_bytes_even_when_the_clock_moves(tmp_path, monkeypatch):
    """HTML, SVG and PDF; the second render runs with fontTools' font timestamp moved by a
    year, which ends up in the embedded fonts unless the PDF writer resets it."""
    first = write_pack(_inputs(), tmp_path / "a", PackOptions(language="fr"))
    from fontTools.misc.timeTools import timestampNow
    from fontTools.ttLib.tables import _h_e_a_d

    monkeypatch.setattr(_h_e_a_d, "timestampNow", lambda: timestampNow() + 365 * 86400)
    second = write_pack(_inputs(), tmp_path / "b", PackOptions(language="fr"))
    for a, b in zip(first.files, second.files, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert b"CreationDate" not in first.pdf.read_bytes()


def test_japanese_pack_embeds_a_japanese_font(tmp_path):
    if not subprocess.run(["fc-list", ":lang=ja"], capture_output=True, text=True).stdout:
        pytest.skip("no Japanese font installed: run scripts/ensure-fonts.sh")
    files = write_pack(_inputs(), tmp_path, PackOptions(language="ja"))
    html = files.html.read_text()
    assert '<html lang="ja">' in html and "データが示すこと" in html and "討議課題" in html
    text = pdfcheck.page_text(files.pdf, 0)
    assert "データが示すこと" in text  # extractable: real glyphs with a Unicode map
    font = pdfcheck.char_font(files.pdf, 0, "データ")
    assert font is not None and re.search(r"IPA|Noto ?Sans ?CJK|NotoSansCJK", font), font
    assert "海底ケーブル" in (files.out_dir / "figures/overview.svg").read_text()  # map legend


def test_french_pack_is_in_french(tmp_path):
    files = write_pack(_inputs(), tmp_path, PackOptions(language="fr"), pdf=False)
    html = files.html.read_text()
    for expected in (
        '<html lang="fr">',
        "Ce que montrent les données",
        "Questions de discussion",
        "Stationnement en mer\u00a0: NORDIC STAR",
        "5 mars 2024",
        "0,80",  # the score, French decimal comma
    ):
        assert expected in html, expected
    assert "Droit de poursuite (art. 111)" in files.key_html.read_text()


def test_unknown_language_is_a_config_error():
    with pytest.raises(ConfigError, match="language 'de' is not available"):
        build_pack(_inputs(), PackOptions(language="de"))

"""Pseudonyms: consistent, never real-looking identities, scrubbed free text and evidence."""

from __future__ import annotations

import json

from mda import schema as s
from mda.reports.anonymise import Anonymiser, find_leaks, imo_check_ok
from tests.reports.factories import (
    CASE_CALL_SIGN,
    CASE_IMO,
    CASE_MMSI,
    CASE_NAME,
    OTHER_MMSI,
    case_event,
    case_track,
    case_vessels,
)


def _anon(seed: str = "seed") -> Anonymiser:
    anon = Anonymiser(seed)
    anon.learn([CASE_MMSI, OTHER_MMSI], case_vessels())
    return anon


def test_every_identity_gets_one_pseudonym_that_cannot_be_real():
    anon = _anon()
    assert set(anon.mmsi) == {CASE_MMSI, OTHER_MMSI}
    for pseudo in anon.mmsi.values():
        assert 100_000_000 <= pseudo < 200_000_000 and not str(pseudo).startswith("111")
    assert all(not imo_check_ok(v) for v in anon.imo.values())
    assert imo_check_ok(CASE_IMO)  # the check itself works on a real number
    assert anon.call_signs[CASE_CALL_SIGN].startswith("Q")
    assert anon.names[CASE_NAME].startswith("VESSEL ")
    assert len(set(anon.names.values())) == len(anon.names)


def test_same_seed_same_pseudonyms_other_seed_other_ones():
    assert _anon("a").mmsi == _anon("a").mmsi and _anon("a").names == _anon("a").names
    assert _anon("a").mmsi != _anon("b").mmsi


def test_frames_event_text_and_evidence_are_scrubbed():
    anon = _anon()
    event = case_event(
        **{s.EVIDENCE: json.dumps({"other": OTHER_MMSI, "note": f"seen as {CASE_NAME.lower()}"})}
    )
    out = anon.event(event, "C-1")
    assert out[s.EVENT_ID] == "C-1" and out[s.MMSI] == anon.mmsi[CASE_MMSI]
    text = json.dumps(out, default=str) + anon.vessels(case_vessels()).write_csv()
    text += anon.positions(case_track()).drop(s.SOURCES).write_csv()
    assert find_leaks(text, anon.originals()) == []
    assert anon.names[CASE_NAME] in out[s.EXPLANATION]
    assert json.loads(out[s.EVIDENCE])["other"] == anon.mmsi[OTHER_MMSI]


def test_leak_finder_matches_whole_numbers_and_words_only():
    assert find_leaks("MMSI 219000001.", ["219000001"]) == ["219000001"]
    assert find_leaks("id 12190000019", ["219000001"]) == []  # inside a longer number
    assert find_leaks("the NORDIC STARLIGHT", ["NORDIC STAR"]) == []
    assert find_leaks("Nordic Star left", ["NORDIC STAR"]) == ["NORDIC STAR"]

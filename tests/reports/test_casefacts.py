"""Facts of a case measured from the positions: observations and the timeline."""

from __future__ import annotations

from mda.reports import casefacts as cf
from tests.reports.factories import (
    CLOSURE,
    OTHER_MMSI,
    at,
    case_event,
    case_layers,
    case_track,
    case_vessels,
)


def test_observations_of_the_period():
    event = case_event("encounter", other_mmsi=OTHER_MMSI)
    obs = cf.observe(event, case_track(), case_track(OTHER_MMSI, lon0=12.851), case_layers())
    assert obs.n_positions == 25  # every 10 min from 02:00 to 06:00 inclusive
    # 24 reports at 1 kn, then 06:00 at 12 kn (the period's end is inclusive)
    assert abs(obs.mean_speed_kn - (24 * 1 + 12) / 25) < 1e-6 and obs.max_speed_kn == 12.0
    assert obs.longest_silence_h is None and obs.share_at_anchor == 0.0
    assert not obs.crosses_cable and 0 < obs.cable_min_km < 2  # crossed at 01:50, just before
    assert obs.zones == (CLOSURE,)
    assert 55 < obs.other_min_m < 70  # 0.001° of longitude at 55.5° N is about 63 m
    assert 2.5 < obs.distance_km < 3.2  # 24 slow steps of 0.0008° in lat and lon, one fast


def test_timeline_kinds_in_order():
    event = case_event()
    entries = cf.timeline(event, case_track(), case_vessels(), None, case_layers())
    kinds = [(e.ts.strftime("%H:%M"), e.kind) for e in entries]
    assert kinds == [
        ("00:00", "first"),
        ("00:00", "status"),
        ("00:30", "static"),
        ("01:50", "cable_cross"),
        ("02:00", "period_start"),
        ("02:00", "slow"),
        ("02:20", "zone_enter"),
        ("06:00", "fast"),
        ("06:00", "period_end"),
        ("06:30", "static"),
        ("07:00", "silence_start"),
        ("08:30", "silence_end"),
        ("09:00", "last"),
    ]
    resume = next(e for e in entries if e.kind == "silence_end")
    assert resume.values["hours"] == 1.5 and 4 < resume.values["km"] < 5


def test_case_window_is_three_hours_either_side():
    start, end = cf.case_window(case_event())
    assert (start, end) == (at(-1), at(9))

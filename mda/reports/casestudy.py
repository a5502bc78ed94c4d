"""Case-study packs for trainers: one event as a narrative, timeline, maps, chart,
particulars, evidence and discussion questions (HTML and PDF), plus a separate trainer key.

Pure like the daily report: frames in, files out; no database, no clock; the same inputs
give the same bytes (HTML, SVG and PDF). Modes:

- ``anonymise``: vessel names, MMSIs, IMO numbers and call signs are replaced by pseudonyms
  (``mda.reports.anonymise``) before anything is drawn or written, and the event id by a
  case id; the written files are checked for any original identity.
- ``exercise``: the trainee part shows the facts (timeline, maps, chart, measurements) but
  not the event type, the detector's explanation, its evidence or its score; those are in
  the trainer key only.

Texts come from gettext catalogues (``mda.reports.i18n``): English, Japanese, French.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from mda import schema as s
from mda.reference import ReferenceLayers
from mda.reports import casefacts as cf
from mda.reports import casetext as ct
from mda.reports import charts, maps
from mda.reports.anonymise import AnonymisationError, Anonymiser, find_leaks
from mda.reports.daily import zones_valid_on
from mda.reports.exports import load_geometry, parse_evidence, write_bytes_atomic
from mda.reports.fonts import matplotlib_families
from mda.reports.i18n import N_, Translator, check_language, translator
from mda.reports.vessels import Particulars, latest_particulars, ship_type_name

log = logging.getLogger(__name__)

MISSING = "\u2013"
KM_PER_NM = 1.852
NEAR_CABLE_M = 1000.0  # an event this close to a cable gets the cable notes


@dataclass(frozen=True)
class CaseInputs:
    """Everything a pack is made from.

    ``event`` is one row of EVENTS_SCHEMA (a dict); ``positions`` (POSITIONS_SCHEMA) and
    ``vessels`` (VESSELS_SCHEMA) hold at least the event's vessel(s) around the event
    (other vessels are ignored); ``region`` is the region's title as shown; ``bbox``
    (min_lon, min_lat, max_lon, max_lat) frames the overview map.
    """

    event: dict[str, Any]
    positions: pl.DataFrame
    vessels: pl.DataFrame
    layers: ReferenceLayers
    region: str
    bbox: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class PackOptions:
    """How a pack is made: language (en, ja, fr), anonymised, exercise; ``seed`` overrides
    the text the pseudonyms are drawn from (default: event type, start time and region)."""

    language: str = "en"
    anonymise: bool = False
    exercise: bool = False
    seed: str | None = None


@dataclass(frozen=True)
class Pack:
    """A rendered pack in memory."""

    case_id: str
    trainee_html: str
    key_html: str
    figures: dict[str, maps.MapImage]
    manifest: dict[str, Any]
    originals: tuple[str, ...] = ()  # identities that must not appear (anonymised packs)


@dataclass(frozen=True)
class PackFiles:
    """Where a pack was written."""

    out_dir: Path
    html: Path
    key_html: Path
    figures: tuple[Path, ...]
    manifest: Path
    pdf: Path | None = None
    key_pdf: Path | None = None
    files: tuple[Path, ...] = field(default=())


# --- entry points ---------------------------------------------------------------------------


def write_pack(
    inputs: CaseInputs, out_dir: Path, options: PackOptions | None = None, *, pdf: bool = True
) -> PackFiles:
    """Write the pack into ``out_dir``: casestudy.html/.pdf (trainees), trainer_key.html/.pdf,
    figures/*.svg (or .png for very large maps) and pack.json. Existing files are replaced.

    Raises AnonymisationError if an anonymised pack would contain an original identity.
    """
    options = options or PackOptions()
    pack = build_pack(inputs, options)
    out_dir = Path(out_dir)
    written: list[Path] = []
    figures = []
    for name, image in sorted(pack.figures.items()):
        figures.append(_write_figure(out_dir / "figures", name, image))
    written += figures
    html = write_bytes_atomic(out_dir / "casestudy.html", pack.trainee_html.encode("utf-8"))
    key_html = write_bytes_atomic(out_dir / "trainer_key.html", pack.key_html.encode("utf-8"))
    written += [html, key_html]
    pdf_path = key_pdf = None
    if pdf:
        from mda.reports.pdf import html_to_pdf

        pdf_path = write_bytes_atomic(out_dir / "casestudy.pdf", html_to_pdf(pack.trainee_html))
        key_pdf = write_bytes_atomic(out_dir / "trainer_key.pdf", html_to_pdf(pack.key_html))
        written += [pdf_path, key_pdf]
    manifest_data = {
        **pack.manifest,
        "files": sorted(p.relative_to(out_dir).as_posix() for p in written),
    }
    manifest = write_bytes_atomic(
        out_dir / "pack.json",
        (json.dumps(manifest_data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(),
    )
    log.info("case study %s (%s) -> %s", pack.case_id, options.language, out_dir)
    return PackFiles(
        out_dir=out_dir,
        html=html,
        key_html=key_html,
        figures=tuple(figures),
        manifest=manifest,
        pdf=pdf_path,
        key_pdf=key_pdf,
        files=(*written, manifest),
    )


def build_pack(inputs: CaseInputs, options: PackOptions | None = None) -> Pack:
    """Render a pack in memory (HTML texts and figures); see ``write_pack``."""
    options = options or PackOptions()
    tr = translator(check_language(options.language))
    case = _prepare(inputs, options)
    view = _view(case, options, tr)
    env = _environment(tr.code)
    trainee = env.get_template("casestudy.html.j2").render(**view, part="trainee")
    key = env.get_template("casestudy_key.html.j2").render(**view, part="key")
    pack = Pack(
        case_id=case.case_id,
        trainee_html=trainee,
        key_html=key,
        figures=view["figures"],
        manifest=_manifest(case, options),
        originals=tuple(case.originals),
    )
    if options.anonymise:
        check_no_leaks(pack)
    return pack


def check_no_leaks(pack: Pack) -> None:
    """Raise AnonymisationError when any original identity appears in the pack's texts."""
    texts = {
        "casestudy.html": pack.trainee_html,
        "trainer_key.html": pack.key_html,
        "pack.json": json.dumps(pack.manifest, ensure_ascii=False),
    }
    texts |= {f"figures/{name}": image.data for name, image in pack.figures.items()}
    for name, text in texts.items():
        leaks = find_leaks(text, pack.originals)
        if leaks:
            raise AnonymisationError(
                f"the anonymised pack would show {len(leaks)} original identit"
                f"{'y' if len(leaks) == 1 else 'ies'} in {name}; nothing was written"
            )


def case_id_for(event: Mapping[str, Any], anonymise: bool, seed: str | None = None) -> str:
    """The case's id: the event id, or (anonymised) a hash of the pseudonym seed."""
    if not anonymise:
        return str(event[s.EVENT_ID])
    digest = hashlib.sha256(("mda-case:" + seed_text(event, seed)).encode()).hexdigest()
    return "C-" + digest[:10]


def seed_text(event: Mapping[str, Any], seed: str | None = None) -> str:
    """What pseudonyms are drawn from: ``seed`` if given, else type, start time and region
    (stable, and holding no identity, unlike the event id which hashes the MMSI)."""
    if seed:
        return seed
    start = event[s.START_TIME]
    return f"{event[s.EVENT_TYPE]}|{start.isoformat() if start else ''}|{event.get(s.REGION)}"


# --- preparing the data -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Case:
    """The (possibly anonymised) data of one case."""

    case_id: str
    event: dict[str, Any]
    track: pl.DataFrame
    other: pl.DataFrame | None
    vessels: pl.DataFrame
    particulars: dict[int, Particulars]
    layers: ReferenceLayers
    region: str
    bbox: tuple[float, float, float, float] | None
    originals: list[str]


def _prepare(inputs: CaseInputs, options: PackOptions) -> _Case:
    """Select the case's vessels, anonymise when asked, keep zones valid on the day."""
    event = dict(inputs.event)
    ids = [event[s.MMSI], event.get(s.OTHER_MMSI)]
    wanted = [m for m in ids if m is not None]
    positions = s.conform(inputs.positions, s.POSITIONS_SCHEMA).filter(pl.col(s.MMSI).is_in(wanted))
    vessels = s.conform(inputs.vessels, s.VESSELS_SCHEMA).filter(pl.col(s.MMSI).is_in(wanted))
    case_id = case_id_for(event, options.anonymise, options.seed)
    originals: list[str] = []
    if options.anonymise:
        anon = Anonymiser(seed_text(event, options.seed))
        anon.learn(ids, vessels)
        event = anon.event(event, case_id)
        positions, vessels = anon.positions(positions), anon.vessels(vessels)
        originals = anon.originals()
    day = event.get(s.EVENT_DATE) or event[s.START_TIME].date()
    return _Case(
        case_id=case_id,
        event=event,
        track=cf.vessel_track(positions, event[s.MMSI]),
        other=cf.vessel_track(positions, event[s.OTHER_MMSI])
        if event.get(s.OTHER_MMSI) is not None
        else None,
        vessels=vessels,
        particulars=latest_particulars(vessels),
        layers=zones_valid_on(inputs.layers, day),
        region=inputs.region,
        bbox=inputs.bbox,
        originals=originals,
    )


def _manifest(case: _Case, options: PackOptions) -> dict[str, Any]:
    """pack.json: what the pack is, without any identity in anonymised packs."""
    event = case.event
    return {
        "case_id": case.case_id,
        "event_id": None if options.anonymise else event[s.EVENT_ID],
        "event_type": event[s.EVENT_TYPE],
        "start_time": event[s.START_TIME].isoformat(),
        "region": case.region,
        "language": options.language,
        "anonymised": options.anonymise,
        "exercise": options.exercise,
        "trainee": "casestudy.html",
        "trainer_key": "trainer_key.html",
    }


# --- the view (everything the templates show, formatted and translated) ---------------------


def _view(case: _Case, options: PackOptions, tr: Translator) -> dict[str, Any]:
    """Template variables for both parts of the pack."""
    event, exercise = case.event, options.exercise
    day = event.get(s.EVENT_DATE) or event[s.START_TIME].date()
    local = cf.Local(event[s.LON] or 0.0, event[s.LAT] or 0.0)
    obs = cf.observe(event, case.track, case.other, case.layers)
    entries = cf.timeline(event, case.track, case.vessels, case.other, case.layers)
    words = _Words(tr, day, case, exercise)
    evidence = parse_evidence(event.get(s.EVIDENCE))
    evidence = evidence if isinstance(evidence, dict) else {}
    near_cable = _near_cable(event, evidence)
    return {
        "lang": tr.code,
        "fonts": tr.css_fonts,
        "case_id": case.case_id,
        "region": case.region,
        "date": tr.date(day),
        "title": words.title(),
        "type_label": words.type_label(),
        "vessel": words.vessel(event[s.MMSI]),
        "anonymised": options.anonymise,
        "exercise": exercise,
        "narrative": words.narrative(obs, evidence, cf.day_summary(case.track, local)),
        "answer": words.answer(evidence),
        "timeline": [(words.time(e.ts), words.entry(e)) for e in entries],
        "figures": _figures(case, tr, exercise),
        "vessels": [words.particulars(m) for m in _vessel_ids(event)],
        "observations": words.observations(obs),
        "evidence": words.evidence_rows(evidence),
        "score": _score(event, tr),
        "explanation": event.get(s.EXPLANATION) or "",
        "questions": words.questions(follow_up=not exercise),
        "key_questions": words.questions(follow_up=True),
        "definition": _translated(tr, ct.DEFINITIONS.get(event[s.EVENT_TYPE])),
        "checks": _translated(tr, ct.CHECKS.get(event[s.EVENT_TYPE])),
        "legal_disclaimer": tr.gettext(ct.LEGAL_DISCLAIMER),
        "legal": [
            tr.gettext(p)
            for topic in ct.legal_topics(event[s.EVENT_TYPE], near_cable)
            for p in ct.LEGAL[topic]
        ],
        "actions": [tr.gettext(a) for a in _actions(event[s.EVENT_TYPE], near_cable)],
        "alternatives": _translated(tr, ct.ALTERNATIVES.get(event[s.EVENT_TYPE])),
        "follow_up": _translated(tr, ct.FOLLOW_UPS.get(event[s.EVENT_TYPE])),
        "sources": sorted(case.layers.sources.items()),
    }


def _translated(tr: Translator, message: str | None) -> str:
    """A message in the pack's language; "" for None (gettext("") is the catalogue header)."""
    return tr.gettext(message) if message else ""


def _vessel_ids(event: Mapping[str, Any]) -> list[int]:
    ids = [event[s.MMSI]]
    if event.get(s.OTHER_MMSI) is not None:
        ids.append(event[s.OTHER_MMSI])
    return ids


def _near_cable(event: Mapping[str, Any], evidence: Mapping[str, Any]) -> bool:
    """True when the event crosses a cable or comes within NEAR_CABLE_M of one."""
    distance = event.get(s.CABLE_DISTANCE_M)
    return bool(evidence.get("crosses_cable")) or (
        distance is not None and distance <= NEAR_CABLE_M
    )


def _actions(event_type: str, near_cable: bool) -> list[str]:
    """Common MLE actions then the event's own."""
    specific = [a for topic in ct.action_topics(event_type, near_cable) for a in ct.ACTIONS[topic]]
    return [*ct.ACTIONS_COMMON, *specific]


def _score(event: Mapping[str, Any], tr: Translator) -> str:
    """The score with two decimals in the pack's language."""
    return tr.fixed(event.get(s.SCORE), 2)


def _figures(case: _Case, tr: Translator, exercise: bool) -> dict[str, maps.MapImage]:
    """The pack's maps and chart, keyed by file stem."""
    event = dict(case.event)
    event["geometry"] = load_geometry(event.get(s.GEOMETRY_WKT), case.case_id)
    event[s.EVENT_ID] = case.case_id  # the SVG ids are salted with the case id
    families = matplotlib_families(tr.code)
    common: dict[str, Any] = {"gettext": tr.gettext, "families": families, "neutral": exercise}
    window = cf.case_window(event)
    shown = cf.between(case.track, *window)
    words = _Words(tr, event[s.START_TIME].date(), case, exercise)
    series = [charts.Series(words.vessel(event[s.MMSI]), case.track)]
    if case.other is not None:
        series.append(charts.Series(words.vessel(event[s.OTHER_MMSI]), case.other))
    period_label = tr.gettext("period under review") if exercise else words.type_label().lower()
    return {
        "overview": maps.locator_map(event, case.layers, shown, bbox=case.bbox, **common),
        "closeup": maps.event_map(event, case.layers, case.track, **common),
        "speed_course": charts.speed_course_chart(
            series,
            window,
            (event[s.START_TIME], event.get(s.END_TIME) or event[s.START_TIME]),
            period_label=period_label,
            salt=case.case_id,
            gettext=tr.gettext,
            families=families,
        ),
    }


def _write_figure(folder: Path, name: str, image: maps.MapImage) -> Path:
    """One figure as a standalone file: SVG with its XML declaration, or PNG."""
    if image.kind == "svg":
        text = '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + image.data
        return write_bytes_atomic(folder / f"{name}.svg", text.encode("utf-8"))
    import base64

    return write_bytes_atomic(folder / f"{name}.png", base64.b64decode(image.data))


@cache
def _environment(code: str) -> jinja2.Environment:
    """The pack templates with gettext installed for one language; autoescape always on."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mda.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(code).translations, newstyle=True)  # type: ignore[attr-defined]
    return env


# --- wording --------------------------------------------------------------------------------


class _Words:
    """Turns facts into sentences and table rows in one language."""

    def __init__(self, tr: Translator, day: date, case: _Case, exercise: bool) -> None:
        self.tr, self.day, self.case, self.exercise = tr, day, case, exercise
        self._ = tr.gettext

    # units -----------------------------------------------------------------------------

    def time(self, ts: datetime | None) -> str:
        """``14:07 UTC``, with the date when it is not the case's day."""
        if ts is None:
            return MISSING
        if ts.date() == self.day:
            return ts.strftime("%H:%M") + " UTC"
        return ts.strftime("%Y-%m-%d %H:%M") + " UTC"

    def duration(self, hours: float | None) -> str | None:
        if hours is None or not math.isfinite(hours):
            return None
        return self.tr.duration(hours)

    def km(self, km: float | None) -> str | None:
        """``850 m`` below 1 km, else ``12.3 km (6.6 nm)``."""
        if km is None or not math.isfinite(km):
            return None
        if km < 1:
            return self._("%(m)s m") % {"m": self.tr.number(km * 1000, 0)}
        return self._("%(km)s km (%(nm)s nm)") % {
            "km": self.tr.number(km, 1),
            "nm": self.tr.number(km / KM_PER_NM, 1),
        }

    def metres(self, m: float | None) -> str | None:
        return None if m is None else self.km(m / 1000)

    def knots(self, kn: float | None) -> str | None:
        if kn is None or not math.isfinite(kn):
            return None
        return self._("%(kn)s kn") % {"kn": self.tr.number(kn, 1)}

    def share(self, value: float | None) -> str | None:
        return None if value is None else self.tr.percent(value)

    # names -----------------------------------------------------------------------------

    def vessel(self, mmsi: int | None) -> str:
        """A vessel's broadcast name, else ``MMSI 123456789``."""
        if mmsi is None:
            return MISSING
        p = self.case.particulars.get(mmsi)
        if p is not None and p.vessel_name:
            return p.vessel_name
        return self._("MMSI %(mmsi)s") % {"mmsi": mmsi}

    def type_label(self) -> str:
        event_type = self.case.event[s.EVENT_TYPE]
        return self._(ct.TYPE_LABELS.get(event_type, event_type))

    def title(self) -> str:
        vessel = self.vessel(self.case.event[s.MMSI])
        if self.exercise:
            return self._("Case %(case)s: %(vessel)s") % {
                "case": self.case.case_id,
                "vessel": vessel,
            }
        return self._("%(type)s: %(vessel)s") % {"type": self.type_label(), "vessel": vessel}

    def join(self, sentences: Iterable[str | None]) -> str:
        """Sentences as one paragraph (no spaces between Japanese sentences)."""
        sep = "" if self.tr.code == "ja" else " "
        return sep.join(x for x in sentences if x)

    def say(self, message: str, **values: Any) -> str | None:
        """The translated message with ``values``; None when any value is missing."""
        if any(v is None for v in values.values()):
            return None
        return self._(message) % values

    # narrative -----------------------------------------------------------------------

    def narrative(
        self, obs: cf.Observations, evidence: Mapping[str, Any], whole: cf.DaySummary
    ) -> list[str]:
        """Plain-language paragraphs: who and where, what, context, (score)."""
        paragraphs = [self._who(whole)]
        paragraphs.append(self._neutral(obs) if self.exercise else self._what(evidence, obs))
        paragraphs.append(self._context(obs))
        if not self.exercise:
            paragraphs.append(
                self._(
                    "The detector scored the event %(score)s on a scale of 0 to 1. The score "
                    "ranks events for review; it is not a probability of wrongdoing."
                )
                % {"score": _score(self.case.event, self.tr)}
            )
        return [p for p in paragraphs if p]

    def _who(self, whole: cf.DaySummary) -> str:
        event = self.case.event
        p = self.case.particulars.get(event[s.MMSI])
        parts = []
        if p is not None and p.ship_type:
            parts.append(ship_type_name(p.ship_type, self._))
        if p is not None and p.length_m:
            parts.append(self._("%(m)s m long") % {"m": self.tr.number(p.length_m, 0)})
        parts.append(self._("MMSI %(mmsi)s") % {"mmsi": event[s.MMSI]})
        first = self._(
            "On %(date)s, AIS receivers tracked %(vessel)s (%(description)s) in %(region)s."
        ) % {
            "date": self.tr.date(self.day),
            "vessel": self.vessel(event[s.MMSI]),
            "description": self._(", ").join(parts),
            "region": self.case.region,
        }
        seen = self.say(
            "Between %(first)s and %(last)s it sent %(n)s position reports and covered about "
            "%(distance)s.",
            first=self.time(whole.first) if whole.first else None,
            last=self.time(whole.last) if whole.last else None,
            n=self.tr.number(whole.n_positions, 0),
            distance=self.km(whole.distance_km),
        )
        destination = p.destination if p is not None else None
        going = self.say(
            "Its AIS destination was \u201c%(destination)s\u201d.", destination=destination
        )
        return self.join([first, seen, going])

    def _period(self) -> dict[str, Any]:
        event = self.case.event
        return {
            "start": self.time(event[s.START_TIME]),
            "end": self.time(event.get(s.END_TIME)),
            "duration": self.duration(event.get(s.DURATION_H)),
        }

    def _neutral(self, obs: cf.Observations) -> str:
        """What happened, without the detector's verdict (exercise packs)."""
        event = self.case.event
        other = event.get(s.OTHER_MMSI)
        return self.join(
            [
                self.say(
                    "The period under review runs from %(start)s to %(end)s (%(duration)s).",
                    **self._period(),
                ),
                self.say(
                    "During it the vessel sent %(n)s position reports and reported %(mean)s on "
                    "average (at most %(max)s).",
                    n=self.tr.number(obs.n_positions, 0),
                    mean=self.knots(obs.mean_speed_kn),
                    max=self.knots(obs.max_speed_kn),
                ),
                self.say(
                    "The longest interval without a report was %(silence)s.",
                    silence=self.duration(obs.longest_silence_h),
                ),
                self.say(
                    "%(other)s was %(median)s away (median), %(closest)s at the closest.",
                    other=self.vessel(other) if other is not None else None,
                    median=self.metres(obs.other_median_m),
                    closest=self.metres(obs.other_min_m),
                ),
            ]
        )

    def _what(self, ev: Mapping[str, Any], obs: cf.Observations) -> str:
        """What the detector found, per event type, from its evidence."""
        event, period = self.case.event, self._period()
        kind = event[s.EVENT_TYPE]
        cable = event.get(s.CABLE_NAME)
        if kind == "loitering":
            anchored = ev.get("share_reported_anchored")
            return self.join(
                [
                    self.say(
                        "From %(start)s to %(end)s (%(duration)s) it stayed below %(threshold)s, "
                        "averaging %(mean)s, at most %(max)s.",
                        **period,
                        threshold=self.knots(ev.get("threshold_speed_kn")),
                        mean=self.knots(ev.get("mean_speed_kn")),
                        max=self.knots(ev.get("max_speed_kn")),
                    ),
                    self._("It never reported being at anchor or moored.")
                    if anchored == 0
                    else self.say(
                        "It reported being at anchor or moored in %(share)s of its reports.",
                        share=self.share(anchored),
                    ),
                ]
            )
        if kind == "ais_gap":
            return self.join(
                [
                    self.say(
                        "At %(start)s its AIS reports stopped. They resumed at %(end)s, "
                        "%(distance)s away: %(duration)s of silence, which implies an average "
                        "speed of %(speed)s.",
                        **period,
                        distance=self.km(ev.get("distance_km")),
                        speed=self.knots(ev.get("implied_speed_kn")),
                    ),
                    self.say(
                        "The straight line between the two positions crosses the %(cable)s cable.",
                        cable=cable if ev.get("crosses_cable") else None,
                    ),
                    self.say(
                        "Other ships were heard nearby in %(share)s of the silent hours.",
                        share=self.share(ev.get("reception_coverage")),
                    ),
                    self._(
                        "The silence was long and began far from shore, a pattern associated "
                        "with deliberate switch-offs."
                    )
                    if ev.get("likely_intentional")
                    else None,
                ]
            )
        if kind == "encounter":
            return self.join(
                [
                    self.say(
                        "From %(start)s to %(end)s (%(duration)s) it stayed within %(distance)s "
                        "(median) of %(other)s, both at about %(speed)s.",
                        **period,
                        distance=self.metres(ev.get("median_distance_m")),
                        other=self.vessel(event.get(s.OTHER_MMSI)),
                        speed=self.knots(ev.get("median_speed_kn")),
                    )
                ]
            )
        if kind == "anchor_drag":
            return self.join(
                [
                    self.say(
                        "From %(start)s to %(end)s (%(duration)s) it slowed from its transit "
                        "speed of %(transit)s to %(mean)s and covered %(distance)s at that speed "
                        "without reporting \u201cat anchor\u201d.",
                        **period,
                        transit=self.knots(ev.get("transit_speed_kn")),
                        mean=self.knots(ev.get("mean_speed_kn")),
                        distance=self.km(ev.get("distance_km")),
                    ),
                    self.say(
                        "On the way it crossed the %(cable)s cable.",
                        cable=cable if ev.get("crosses_cable") else None,
                    ),
                    self.say(
                        "Its course and heading differed by 45\u2013135\u00b0 in %(share)s of its "
                        "reports, a sign that the hull was not moving the way it pointed.",
                        share=self.share(ev.get("share_course_heading_diverging")),
                    ),
                ]
            )
        if kind == "fishing_in_zone":
            return self.join(
                [
                    self.say(
                        "From %(start)s to %(end)s (%(duration)s) it moved like a fishing vessel "
                        "at work (model estimate %(p)s, %(speed)s on average) inside %(zone)s, "
                        "where fishing was forbidden at the time.",
                        **period,
                        p=self.share(ev.get("mean_p_fishing")),
                        speed=self.knots(ev.get("mean_speed_kn")),
                        zone=ev.get("zone") or event.get(s.ZONE_NAME),
                    )
                ]
            )
        if kind == "identity_conflict" and ev.get("kind") == "invalid_mmsi":
            return self.join(
                [
                    self.say(
                        "Its MMSI, %(mmsi)s, is not a valid ship identity: the country digits "
                        "(MID %(mid)s) are not allocated by the ITU, or the number is a "
                        "placeholder.",
                        mmsi=event[s.MMSI],
                        mid=ev.get("mid"),
                    )
                ]
            )
        if kind == "identity_conflict":
            return self.join(
                [
                    self.say(
                        "From %(start)s to %(end)s (%(duration)s) position reports under its MMSI "
                        "came from two places at once, %(distance)s apart: two transmitters were "
                        "using the same identity.",
                        **period,
                        distance=self.km(ev.get("separation_km")),
                    )
                ]
            )
        return self._neutral(obs)

    def _context(self, obs: cf.Observations) -> str:
        event = self.case.event
        cable = obs.cable_name or event.get(s.CABLE_NAME)
        distance = obs.cable_min_km
        if distance is None and event.get(s.CABLE_DISTANCE_M) is not None:
            distance = event[s.CABLE_DISTANCE_M] / 1000
        if cable and obs.crosses_cable:
            cable_text = self.say("Its track crosses the %(cable)s submarine cable.", cable=cable)
        else:
            cable_text = self.say(
                "The nearest submarine cable, %(cable)s, was %(distance)s away at the closest.",
                cable=cable,
                distance=self.km(distance),
            )
        zones = obs.zones or tuple(
            z.strip() for z in (event.get(s.ZONE_NAME) or "").split(";") if z.strip()
        )
        zone_text = (
            self._("It took place in %(zones)s.") % {"zones": self._(", ").join(zones)}
            if zones
            else self._("It took place outside every zone on the map.")
        )
        shore = self.say(
            "The position was %(distance)s from the nearest shore.",
            distance=self.km(event.get(s.DISTANCE_TO_SHORE_KM)),
        )
        return self.join([cable_text, zone_text, shore])

    # key -------------------------------------------------------------------------------

    def answer(self, evidence: Mapping[str, Any]) -> str:
        """The detector's finding in this language (the key's model answer to question 1)."""
        obs = cf.observe(self.case.event, self.case.track, self.case.other, self.case.layers)
        return self._what(evidence, obs)

    def questions(self, *, follow_up: bool) -> list[str]:
        """The discussion questions; ``follow_up`` adds the event type's own question."""
        questions = [self._(q) for q in ct.QUESTIONS]
        extra = ct.TYPE_QUESTIONS.get(self.case.event[s.EVENT_TYPE])
        if extra and follow_up:
            questions.append(self._(extra))
        return questions

    # timeline ----------------------------------------------------------------------------

    def entry(self, e: cf.Entry) -> str:
        """One timeline entry as a short sentence."""
        v = e.values
        kind = e.kind
        if kind in ("period_start", "period_end"):
            if self.exercise:
                return self._(
                    N_("Start of the period under review")
                    if kind == "period_start"
                    else N_("End of the period under review")
                )
            message = N_("%(type)s begins") if kind == "period_start" else N_("%(type)s ends")
            return self._(message) % {"type": self.type_label()}
        if kind in ("first", "last"):
            speed = self.knots(v.get("speed_kn"))
            if kind == "first":
                return self.say("First AIS position shown (%(speed)s)", speed=speed) or self._(
                    "First AIS position shown"
                )
            return self.say("Last AIS position shown (%(speed)s)", speed=speed) or self._(
                "Last AIS position shown"
            )
        if kind == "static":
            message = (
                N_("Static report changes: name %(name)s, destination %(destination)s")
                if v["changed"]
                else N_("Static report: name %(name)s, destination %(destination)s")
            )
            return self._(message) % {
                "name": v.get("name") or MISSING,
                "destination": v.get("destination") or MISSING,
            }
        if kind == "status":
            status = ct.NAV_STATUS.get(v["code"], N_("reserved"))
            return self._("Reported navigational status: %(status)s") % {"status": self._(status)}
        if kind == "silence_start":
            return self._("AIS reports stop")
        if kind == "silence_end":
            return self._(
                "AIS reports resume after %(duration)s, %(distance)s from the last position"
            ) % {"duration": self.duration(v["hours"]), "distance": self.km(v["km"]) or MISSING}
        if kind in ("slow", "fast"):
            message = (
                N_("Speed falls below %(speed)s")
                if kind == "slow"
                else N_("Speed rises above %(speed)s")
            )
            return self._(message) % {"speed": self.knots(v["kn"])}
        if kind == "cable_cross":
            message = (
                N_("The straight line across the silence crosses the %(cable)s cable")
                if v["silent"]
                else N_("Track crosses the %(cable)s cable")
            )
            return self._(message) % {"cable": v["cable"]}
        if kind == "cable_closest":
            return self._("Closest to the %(cable)s cable: %(distance)s") % {
                "cable": v["cable"],
                "distance": self.km(v["km"]),
            }
        if kind in ("zone_enter", "zone_leave", "zone_inside"):
            message = {
                "zone_enter": N_("Enters %(zone)s"),
                "zone_leave": N_("Leaves %(zone)s"),
                "zone_inside": N_("Inside %(zone)s"),
            }[kind]
            return self._(message) % {"zone": v["zone"]}
        if kind == "other_closest":
            return self._("Closest approach to %(other)s: %(distance)s") % {
                "other": self.vessel(self.case.event.get(s.OTHER_MMSI)),
                "distance": self.metres(v["m"]),
            }
        return kind

    # tables ------------------------------------------------------------------------------

    def particulars(self, mmsi: int) -> dict[str, Any]:
        """A vessel's particulars as (label, value) rows."""
        p = self.case.particulars.get(mmsi)
        rows = [(self._("Name"), p.vessel_name if p and p.vessel_name else MISSING)]
        rows.append((self._("MMSI"), str(mmsi)))
        if p is not None:
            rows += [
                (self._("IMO number"), str(p.imo) if p.imo is not None else MISSING),
                (self._("Call sign"), p.call_sign or MISSING),
                (self._("Ship type"), self._ship_type(p.ship_type)),
                (
                    self._("Length \u00d7 width"),
                    f"{self._m(p.length_m)} \u00d7 {self._m(p.width_m)}",
                ),
                (self._("Draught"), self._m(p.draught_m)),
                (self._("Destination"), p.destination or MISSING),
                (self._("AIS class"), p.ais_class or MISSING),
            ]
        return {"title": self.vessel(mmsi), "rows": rows, "static": p is not None}

    def _ship_type(self, code: int | None) -> str:
        label = ship_type_name(code, self._)
        return f"{code} \u2013 {label}" if code is not None else label

    def _m(self, metres: float | None) -> str:
        if metres is None:
            return MISSING
        return self._("%(m)s m") % {"m": self.tr.number(metres, 1)}

    def observations(self, obs: cf.Observations) -> list[tuple[str, str]]:
        """Neutral measurements of the period as (label, value) rows (missing ones left out)."""
        event = self.case.event
        rows: list[tuple[str, str | None]] = [
            (
                self._("Period (UTC)"),
                f"{self.time(event[s.START_TIME])} \u2013 {self.time(event.get(s.END_TIME))}",
            ),
            (self._("Duration"), self.duration(event.get(s.DURATION_H))),
            (self._("Position reports in the period"), self.tr.number(obs.n_positions, 0)),
            (self._("Mean reported speed"), self.knots(obs.mean_speed_kn)),
            (self._("Highest reported speed"), self.knots(obs.max_speed_kn)),
            (self._("Distance along the track"), self.km(obs.distance_km)),
            (self._("Longest interval without a report"), self.duration(obs.longest_silence_h)),
            (
                self._("Reports \u201cat anchor\u201d or \u201cmoored\u201d"),
                self.share(obs.share_at_anchor),
            ),
            (
                self._("Reports \u201cengaged in fishing\u201d"),
                self.share(obs.share_fishing_status),
            ),
            (self._("Nearest submarine cable"), obs.cable_name or event.get(s.CABLE_NAME)),
            (self._("Closest distance to that cable"), self.km(obs.cable_min_km)),
            (
                self._("Track crosses that cable"),
                self._("yes") if obs.crosses_cable else (self._("no") if obs.cable_name else None),
            ),
            (self._("Zones"), self._(", ").join(obs.zones) if obs.zones else None),
            (self._("Distance to shore"), self.km(event.get(s.DISTANCE_TO_SHORE_KM))),
            (self._("Median distance to the other vessel"), self.metres(obs.other_median_m)),
            (self._("Closest distance to the other vessel"), self.metres(obs.other_min_m)),
        ]
        return [(label, value) for label, value in rows if value is not None]

    def evidence_rows(self, evidence: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        """The detector's evidence as (label, value, key) rows, in key order."""
        rows = []
        for key in sorted(evidence):
            label = ct.EVIDENCE_LABELS.get(key)
            rows.append(
                (self._(label) if label else key, self._evidence_value(key, evidence[key]), key)
            )
        return rows

    def _evidence_value(self, key: str, value: Any) -> str:
        if value is None:
            return MISSING
        if isinstance(value, bool):
            return self._("yes") if value else self._("no")
        if key in ct.SHARE_KEYS and isinstance(value, int | float):
            return self.tr.percent(float(value))
        if key.endswith(("_lat", "_lon")) and isinstance(value, float):
            return self.tr.number(value, 5)
        if isinstance(value, int | float):
            return self.tr.number(value, 2)
        if key == "zone_kind":
            return self._(ct.ZONE_KINDS.get(str(value), str(value)))
        return str(value)

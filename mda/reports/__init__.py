"""Daily report and event exports: pure functions from frames to files.

``render_daily_report`` writes one self-contained HTML file plus the events as GeoJSON,
CSV and Parquet; the ``write_events_*`` functions write one export each.
"""

from mda.reports.daily import ReportFiles, render_daily_report
from mda.reports.exports import (
    ReportInputError,
    write_events_csv,
    write_events_geojson,
    write_events_parquet,
)

__all__ = [
    "ReportFiles",
    "ReportInputError",
    "render_daily_report",
    "write_events_csv",
    "write_events_geojson",
    "write_events_parquet",
]

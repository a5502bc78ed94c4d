"""Daily anomaly pipeline: one DAG per region in the regions file.

ingest -> detect -> load (PostGIS, skipped without the ``mda_postgis`` connection) -> report
-> casestudies (training packs for the day's top-ranked events).
Every task works on the UTC day of its data interval and replaces that day when rerun.
Heavy imports (polars, shapely, mda) happen inside tasks, never at parse time.
"""

from __future__ import annotations

import os
import tomllib
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, get_current_context, task

REGIONS_FILE = Path(
    os.environ.get(
        "MDA_REGIONS_FILE", Path(__file__).resolve().parent.parent / "config" / "regions.toml"
    )
)
POSTGIS_CONN_ID = "mda_postgis"

DOC = """
### MDA daily anomaly report — {title}

For the UTC day of the data interval: decode the region's AIS files into the Parquet lake,
detect events (loitering, AIS gaps, encounters, anchor drags, fishing in closed zones,
identity conflicts) near submarine cables and zones, load the day into
PostGIS when the `{conn}` connection exists, write the report (HTML, PDF, one-page morning
brief) with events as GeoJSON/CSV, then a case-study pack (trainees' part and trainer key)
for each of the region's top-ranked events (`casestudies`, default 3). Rerunning a day
replaces it. Region configuration: `{file}`.
"""


def _interval_start():
    return get_current_context()["data_interval_start"]


def _settings():
    from mda.settings import Settings

    return Settings.from_env(os.environ)


def _postgis_url() -> str | None:
    """The warehouse URL from the Airflow connection, or None when it is not configured."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(POSTGIS_CONN_ID)
    except AirflowNotFoundException:
        return None
    return conn.get_uri().replace("postgres://", "postgresql://", 1)


def build_dag(region: str, title: str, retries: int = 2):
    """The daily DAG of one region.

    Each run covers one UTC day, its data interval [day, day + 1). Airflow runs the day once
    it is over; a manual run (``airflow dags test DAG 2024-03-06``) covers the last complete
    day before the given date (2024-03-05).
    """

    @dag(
        dag_id=f"mda_daily_{region}",
        schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        tags=["mda", "daily-report", region],
        doc_md=DOC.format(title=title, conn=POSTGIS_CONN_ID, file=REGIONS_FILE),
        default_args={"owner": "mda", "retries": retries, "retry_delay": timedelta(minutes=15)},
    )
    def daily():
        @task
        def ingest() -> dict:
            from mda.allocators import keep_polars_pages, tune_glibc_malloc

            keep_polars_pages()  # (before the pipeline loads polars: see mda.allocators)
            tune_glibc_malloc()
            from mda.pipelines.daily import ingest_interval

            return ingest_interval(region, _interval_start(), _settings())

        @task
        def detect(_: dict) -> dict:
            from mda.pipelines.daily import detect_interval

            return detect_interval(region, _interval_start(), _settings())

        @task
        def load(_: dict) -> dict:
            from mda.pipelines.daily import load_interval

            return load_interval(region, _interval_start(), _settings(), _postgis_url())

        @task
        def report(ingested: dict, _loaded: dict) -> dict:
            from mda.pipelines.daily import report_interval

            return report_interval(region, _interval_start(), _settings(), ingested)

        @task
        def casestudies(_: dict) -> dict:
            from mda.pipelines.casestudy import casestudies_interval

            return casestudies_interval(region, _interval_start(), _settings())

        ingested = ingest()
        casestudies(report(ingested, load(detect(ingested))))

    return daily()


def _regions() -> dict[str, dict]:
    if not REGIONS_FILE.exists():
        return {}
    return tomllib.loads(REGIONS_FILE.read_text(encoding="utf-8")).get("regions", {})


for _name, _cfg in _regions().items():
    globals()[f"mda_daily_{_name}"] = build_dag(_name, _cfg.get("title", _name))

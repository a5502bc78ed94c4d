#!/usr/bin/env bash
# The demo: simulate a day of Baltic traffic with injected anomalies, run the daily Airflow
# DAG over it (no database server needed), check the events against the ground truth, and
# print where the report is. Usage: bash scripts/demo.sh [YYYY-MM-DD] [--scenarios]
# (--scenarios: a simulated day with every event type and hard negatives)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bash scripts/ensure-fonts.sh  # Japanese case-study PDFs need a CJK font

day="${1:-2024-03-05}"
shift || true
export MDA_HOME="${MDA_HOME:-$PWD/mda-data}"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$MDA_HOME/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
mkdir -p "$MDA_HOME"

uv run mda demo prepare --date "$day" "$@"
echo "Preparing Airflow's metadata database (SQLite, $AIRFLOW_HOME)..."
uv run airflow db migrate >"$MDA_HOME/airflow-db.log" 2>&1 \
  || { tail -20 "$MDA_HOME/airflow-db.log"; exit 1; }
# A manual Airflow run dated D covers the last complete day before D: run D+1 to process D.
run_date="$(date -u -d "$day + 1 day" +%F)"
echo "Running DAG mda_daily_baltic_demo for $day (log: $MDA_HOME/airflow-run.log)..."
if ! uv run airflow dags test mda_daily_baltic_demo "$run_date" >"$MDA_HOME/airflow-run.log" 2>&1 \
   || ! grep -q "state=success" "$MDA_HOME/airflow-run.log"; then
  tail -40 "$MDA_HOME/airflow-run.log"; echo "the DAG run failed" >&2; exit 1
fi
echo "Detections against the simulator's ground truth:"
uv run mda demo verify --date "$day"
echo "Report: $MDA_HOME/reports/baltic_demo/$day/report.html (also report.pdf, brief.pdf)"
echo "Case studies: $MDA_HOME/reports/baltic_demo/$day/casestudies/"

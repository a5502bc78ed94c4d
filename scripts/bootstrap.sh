# Sourced by the other scripts: make sure uv exists and the locked environment is installed.
# Bytecode is compiled at install (pyproject: tool.uv.compile-bytecode), so imports stay fast
# even with PYTHONDONTWRITEBYTECODE=1.
if ! command -v uv >/dev/null 2>&1; then
  uv_home="${XDG_DATA_HOME:-$HOME/.local/share}/mda-uv"  # a private venv: no system pip needed
  if [ ! -x "$uv_home/bin/uv" ]; then
    echo "installing uv (Python package manager) into $uv_home ..." >&2
    python3 -m venv "$uv_home" && "$uv_home/bin/pip" install --quiet uv
  fi
  export PATH="$uv_home/bin:$PATH"
fi
uv sync --frozen --quiet
export UV_NO_SYNC=1  # synced above: `uv run` need not check (and recompile) again
# the NMEA kernels compiled ahead of time (about 30 s when their source or NumPy changed;
# without them every `mda ingest` of NMEA spends ~0.4 s loading numba, same results)
uv run python -m mda.ingest.fastkernel --quiet || true

# Sourced by the other scripts: make sure uv exists and the locked environment is installed.
# Bytecode is compiled at install (pyproject: tool.uv.compile-bytecode), so imports stay fast
# even with PYTHONDONTWRITEBYTECODE=1.
if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv (Python package manager) with pip..." >&2
  python3 -m pip install --quiet uv
  export PATH="$(python3 -m site --user-base 2>/dev/null)/bin:$PATH"
fi
uv sync --frozen --quiet
export UV_NO_SYNC=1  # synced above: `uv run` need not check (and recompile) again

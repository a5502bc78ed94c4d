"""Memory allocator settings for batch work: ``mda ingest``, ``mda run`` and the daily DAG's
ingest task (entry points call them; library code never does).

Ingest allocates and frees large arrays piece after piece: numpy arrays through glibc's
malloc (~100 MB for each piece of ~350,000 NMEA lines), polars' frames through its own
jemalloc (each 64 MB piece of a CSV file). With the allocators' defaults much of that
memory is handed back to the kernel between pieces and faulted in again, page by page, for
the next one: on the bench files (``bench/ingest_bench.py``) a quarter of the CPU time was
the kernel's (page faults). Two settings keep freed memory in the process instead:

- polars' jemalloc purges freed pages over 30 s instead of polars' 0.5 s (dirty) and 1 s
  (muzzy): polars sets those so that a long-lived process returns memory soon (polars
  issue 18088) and appends what ``_RJEM_MALLOC_CONF`` holds, read once when polars loads;
  :func:`keep_polars_pages` runs in ``mda.cli``'s ``__init__``, before any command imports
  polars, and in the DAG's ingest task before it imports the pipeline; a value the user
  set is kept;
- glibc's malloc serves every thread from one arena, takes blocks of up to 32 MB from it
  instead of separate mappings, and keeps up to 256 MB free on top of its heap
  (:func:`tune_glibc_malloc`, ``mallopt``; on glibc only).

Measured on the bench files: NMEA faults 340,000 -> 270,000 pages and ~5-7 % less time
(peak about the same), CSV faults 880,000 -> 720,000 and ~10 % less time (peak 1.5 ->
1.65-1.75 GB: freed frames are kept for the next piece instead of being handed back).
``MDA_ALLOCATOR_TUNING=0`` leaves both allocators at their defaults.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

POLARS_JEMALLOC = "dirty_decay_ms:30000,muzzy_decay_ms:30000"
"""jemalloc options for polars, appended by polars to its own (the later wins)."""
_OFF = "MDA_ALLOCATOR_TUNING"

# mallopt parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
GLIBC_SETTINGS = ((_M_ARENA_MAX, 1), (_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 256 << 20))
"""(parameter, value) given to ``mallopt``: one arena; blocks up to 32 MB (glibc's largest
threshold) from the heap; 256 MB free on top of the heap before it is trimmed."""

_tuned = False


def enabled() -> bool:
    """False when ``MDA_ALLOCATOR_TUNING`` is ``0`` (or ``false``, ``no``, ``off``)."""
    return os.environ.get(_OFF, "1").strip().lower() not in ("0", "false", "no", "off")


def keep_polars_pages() -> bool:
    """Set polars' jemalloc options unless the user set their own; True when they take
    effect (polars not loaded yet, tuning not turned off)."""
    if not enabled() or "polars" in sys.modules:
        return False
    os.environ.setdefault("_RJEM_MALLOC_CONF", POLARS_JEMALLOC)
    return True


def tune_glibc_malloc() -> bool:
    """Apply :data:`GLIBC_SETTINGS` once per process; True when glibc accepted them all
    (False elsewhere: musl, macOS, Windows, or tuning turned off)."""
    global _tuned
    if _tuned:
        return True
    if not enabled() or sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    _tuned = all(libc.mallopt(param, value) == 1 for param, value in GLIBC_SETTINGS)
    return _tuned

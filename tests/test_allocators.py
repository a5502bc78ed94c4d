"""The allocator settings of the batch entry points (mda.allocators), each in a fresh
interpreter: they act once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mda.allocators import POLARS_JEMALLOC

PROBE = """
import json, os, sys
{before}
import mda.cli.main  # what the `mda` console script imports
from mda import allocators
print(json.dumps({{"conf": os.environ.get("_RJEM_MALLOC_CONF"),
                   "glibc": allocators.tune_glibc_malloc(),
                   "again": allocators.tune_glibc_malloc(),
                   "polars_loaded": "polars" in sys.modules}}))
"""


def _probe(before: str = "", **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("_RJEM_MALLOC_CONF", "MDA_ALLOCATOR_TUNING")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(before=before)],
        env={**clean, **env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc's mallopt: Linux with glibc only",
)


@glibc
def test_cli_sets_both_allocators_before_polars_loads():
    got = _probe()
    # set by mda.cli before its commands load polars, which puts its own options first
    assert got["conf"].endswith(f",{POLARS_JEMALLOC}")
    assert got["polars_loaded"]
    assert got["glibc"] is True and got["again"] is True  # glibc accepted every setting


def test_a_users_own_jemalloc_options_are_kept():
    conf = _probe(_RJEM_MALLOC_CONF="narenas:2")["conf"]
    assert conf.endswith(",narenas:2") and POLARS_JEMALLOC not in conf


def test_polars_loaded_first_is_left_alone():
    # (set after polars has loaded, the options would do nothing: not set at all)
    assert POLARS_JEMALLOC not in _probe(before="import polars")["conf"]


@pytest.mark.parametrize("off", ["0", "off"])
def test_tuning_can_be_turned_off(off):
    got = _probe(MDA_ALLOCATOR_TUNING=off)
    assert POLARS_JEMALLOC not in got["conf"]  # (polars' own options only)
    assert got["glibc"] is False

"""Compiled loops for the NMEA fast path, and the Python around them.

:func:`scan_simple` reads the lines in the common forms, a bare sentence
(``!AIVDM,1,1,,A,<payload>,0*hh``), after a tag block of a time, a station and other
fields in any order (``\\c:<9-13 digits>*hh\\!AIVDM,...*hh``, Norway's
``\\g:1-2-9310,s:2573250,c:<digits>*hh\\...``), after a leading epoch and spaces, or with fields
after the checksum (``...*hh,<epoch>`` from satellite feeds, USCG's
``...*hh,s123,d-100,T1.2,r1,<epoch>``: the first epoch among them is the time) and blanks
at the end, in one pass over the bytes: it checks every character class of
:data:`mda.ingest.fastscan.SHAPE` and both checksums, and gives the fields
:func:`mda.ingest.fastscan.scan` returns (the station as where it sits). Every other line
(a time or station field twice, a ``c:`` that is no epoch, leading blanks, a ``*`` after
the checksum, anything unusual) is left to the vectorised polars path, which applies the
full expression; so the lines taken here are exactly those that path would call simple,
with the same fields (tests compare both).

:func:`select_units` picks the sentences the fast path decodes (see
:func:`mda.ingest.fastdecode.select_units`). :func:`decode_positions` cuts the fields of
168-bit type 1/2/3/18 reports from their 28 payload characters straight into the record
columns, and :func:`decode_static5` those of 424-bit type 5 reports (one or two parts),
with pyais's integer arithmetic: lat/lon ``((10 v + 3) // 6) / 1e6``, speed and course
``v / 10``. :func:`echo_chains` applies the same-transmission rule to payload hashes;
:func:`merge_runs` merges the pieces' fixes, each in key order, into one order.

All release the GIL: :func:`scan_lines`, :func:`positions` and :func:`statics5` run them
over parts of the input in threads, one per core.

Where the machine code comes from (:func:`kernels`): the functions are written for numba
in :mod:`mda.ingest._kernels`. :func:`build` compiles them ahead of time (numba's
``pycc``) into an extension module under :func:`built_dir`, named by a hash of that source
and of the Python and NumPy it is built for (``python -m mda.ingest.fastkernel``;
``scripts/bootstrap.sh`` runs it). A process that finds it loads it in about a
millisecond, without importing numba; otherwise numba compiles the functions just in time
(cached beside their source: a few seconds after installation, then ~0.4 s in every
process to import numba and load them). ``MDA_KERNELS=jit`` always takes numba's way. The
built module checks nothing of its arguments, so every call to it goes through a guard
that compares each array's dtype, dimensions, layout and writability with those it was
compiled for (:func:`_sample_args`) and raises TypeError on a mismatch, where numba would
compile another version.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.machinery
import importlib.util
import itertools
import logging
import os
import platform
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl

log = logging.getLogger(__name__)

SEED = np.frombuffer(os.urandom(16), dtype=np.uint64).copy()
"""The payload hashes' keys, drawn for each process: the hashes agree within a run, and
nobody can make two payloads share them by design (a spoofed message folded into a real
one as its echo, or given its static fields)."""


def position_columns(n: int) -> tuple[np.ndarray, ...]:
    """Empty value arrays of the columns :func:`decode_positions` writes, with the dtypes of
    the records schema (mmsi, msg_type, lat, lon, sog, cog, heading, nav_status)."""
    dtypes = (np.int64, np.int8, np.float64, np.float64, np.float32, np.float32, np.float32,
              np.int8)  # fmt: skip
    return tuple(np.zeros(n, dtype=d) for d in dtypes)


POS, T24, T5, STATION, UNSUPPORTED, BAD_BITS = range(6)
"""Unit kinds (see :mod:`mda.ingest.fastdecode`); the reader's rejects come last."""


def _parts(n: int, min_size: int = 20_000) -> list[tuple[int, int]]:
    """(start, stop) of one part of ``range(n)`` per core (one part when ``n`` is small)."""
    k = max(1, min(os.cpu_count() or 1, n // min_size))
    cuts = [n * i // k for i in range(k + 1)]
    return list(itertools.pairwise(cuts))


def scan_lines(buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, epoch_min: int,
               epoch_max: int) -> tuple[np.ndarray, list[np.ndarray]]:  # fmt: skip
    """:func:`scan_simple` of all lines, in parts run in parallel: (``simple``, the other
    arrays cut to the lines taken, ``idx`` counting from the first line)."""
    parts, k = _parts(len(offsets)), kernels()
    with ThreadPoolExecutor(len(parts)) as pool:
        got = list(pool.map(
            lambda ab: k.scan_simple(buf, offsets[ab[0]:ab[1]], lengths[ab[0]:ab[1]], epoch_min,
                                   epoch_max),
            parts,
        ))  # fmt: skip
    simple = np.concatenate([g[0] for g in got])
    cols = []
    for c in range(2, len(got[0])):
        pieces = [g[c][: g[1]] for g in got]
        if c == 2:  # idx: from the part's first line to the file's
            pieces = [p + a for p, (a, _) in zip(pieces, parts, strict=True)]
        cols.append(np.concatenate(pieces))
    return simple, cols


def positions(
    buf: np.ndarray, payload_at: np.ndarray, g: np.ndarray, values: tuple[np.ndarray, ...],
    valid: tuple[np.ndarray, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`decode_positions`, in parts run in parallel; returns the payloads' hashes."""
    hash1, hash2 = np.empty(len(payload_at), np.uint64), np.empty(len(payload_at), np.uint64)
    parts, k = _parts(len(payload_at)), kernels()

    def part(ab: tuple[int, int]) -> None:
        a, b = ab
        k.decode_positions(buf, payload_at[a:b], g[a:b], values, valid, SEED, hash1[a:b],
                           hash2[a:b])  # fmt: skip

    with ThreadPoolExecutor(len(parts)) as pool:
        list(pool.map(part, parts))
    return hash1, hash2


def payload_hashes(buf: np.ndarray, at1: np.ndarray, len1: np.ndarray, at2: np.ndarray,
                   n_chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """:func:`hash_payloads` of payloads of ``n_chars`` characters, ``len1`` of them at
    ``at1`` and the rest at ``at2`` (int64 arrays; read-only views are taken, no copy)."""
    hash1, hash2 = np.empty(len(at1), np.uint64), np.empty(len(at1), np.uint64)
    views = (frozen(a.view()) for a in (at1, len1, at2, n_chars))
    kernels().hash_payloads(buf, *views, SEED, hash1, hash2)
    return hash1, hash2


def hash_texts(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`hash_payloads` of armoured payloads given as text (a null hashes as "")."""
    texts = texts.fill_null("")
    n_chars = texts.str.len_bytes().cast(pl.Int64).to_numpy()
    at = np.zeros(len(n_chars), dtype=np.int64)
    np.cumsum(n_chars[:-1], out=at[1:])
    joined = texts.str.join("").item() if len(n_chars) else ""
    buf = np.frombuffer(bytearray(joined.encode("ascii") + bytes(1)), dtype=np.uint8)
    return payload_hashes(buf, at, n_chars, at, n_chars)


def statics5(buf: np.ndarray, at1: np.ndarray, len1: np.ndarray, at2: np.ndarray,
             ship_types: np.ndarray) -> list[np.ndarray]:  # fmt: skip
    """:func:`decode_static5`, in parts run in parallel."""
    parts, k = _parts(len(at1)), kernels()

    def part(ab: tuple[int, int]) -> tuple[np.ndarray, ...]:
        a, b = ab
        return k.decode_static5(buf, at1[a:b], len1[a:b], at2[a:b], ship_types)  # type: ignore[no-any-return]

    with ThreadPoolExecutor(len(parts)) as pool:
        got = list(pool.map(part, parts))
    return [np.concatenate([g[c] for g in got]) for c in range(len(got[0]))]


def frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only (as polars' zero-copy views are), so that a compiled function
    always sees one array type whether its argument was copied or not."""
    a.flags.writeable = False
    return a


# --- where the machine code comes from -------------------------------------------------------

KERNELS = ("scan_simple", "select_units", "decode_positions", "hash_payloads",
           "decode_static5", "echo_chains", "merge_runs")  # fmt: skip
"""The compiled functions (defined in :mod:`mda.ingest._kernels`)."""
_SOURCE = Path(__file__).with_name("_kernels.py")
_BUILD_FORMAT = "1"  # (bump when the way the module is built changes)


def _sample_args() -> dict[str, tuple[Any, ...]]:
    """One call of each kernel with the argument types every run uses (read-only where the
    callers pass read-only arrays: polars' zero-copy views, :func:`frozen`): what the
    warm-up loads, what the built module is compiled for and what its guards compare."""
    buf, one = np.zeros(200, dtype=np.uint8), np.zeros(1, dtype=np.int64)
    fixed, small = frozen(one.copy()), frozen(np.zeros(1, dtype=np.int8))
    h = np.zeros(1, dtype=np.uint64)
    return {
        "scan_simple": (buf, one, one, 0, 1),
        "select_units": (buf, fixed, fixed, fixed, small, small, small, fixed, fixed,
                         frozen(np.ones(1, dtype=np.bool_)), np.zeros(256, dtype=np.int64),
                         np.ones(64, dtype=np.bool_), np.zeros(64, dtype=np.int64),
                         np.zeros(64, dtype=np.int64), 0),
        "decode_positions": (buf, one, one, position_columns(1),
                             tuple(np.ones(1, dtype=np.bool_) for _ in range(8)), SEED, h, h),
        "hash_payloads": (buf, fixed, fixed, fixed, fixed, SEED, h, h),
        "decode_static5": (buf, one, one, one, np.zeros(256, dtype=np.int64)),
        "echo_chains": (frozen(np.zeros(1, dtype=np.uint64)), fixed, fixed, 0),
        "merge_runs": (fixed, frozen(np.zeros(1, dtype=np.uint32)), np.array([0, 1])),
    }  # fmt: skip


def built_dir() -> Path:
    """Where :func:`build` puts the module: ``$MDA_KERNEL_DIR``, else the ``__pycache__``
    folder beside this file (where numba keeps its own cache)."""
    return Path(os.environ.get("MDA_KERNEL_DIR") or Path(__file__).with_name("__pycache__"))


def built_name() -> str:
    """The module's name: a hash of the kernels' source and of what the module depends on
    (Python's version and ABI, NumPy's version, the machine), so an edit or an upgrade
    makes a new one and a stale one is never loaded."""
    key = hashlib.sha256(_SOURCE.read_bytes())
    key.update(f"{sys.version}|{np.__version__}|{platform.machine()}|{_BUILD_FORMAT}".encode())
    return f"mda_kernels_{key.hexdigest()[:16]}"


def built_path(folder: Path | None = None) -> Path:
    """The built module's file in ``folder`` (default :func:`built_dir`); it may not exist."""
    return (folder or built_dir()) / (built_name() + importlib.machinery.EXTENSION_SUFFIXES[0])


def _spec(value: Any) -> Any:
    """What a guard compares of one argument: (dtype, ndim, writable) of an array, a list
    of those of a tuple, ``int`` for an integer."""
    if isinstance(value, np.ndarray):
        return (value.dtype, value.ndim, value.flags.writeable)
    if isinstance(value, tuple):
        return [_spec(v) for v in value]
    return int


def _mismatch(spec: Any, value: Any) -> str | None:
    """Why ``value`` cannot be passed where ``spec`` was compiled for, or None."""
    if spec is int:
        ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
        return None if ok else f"an integer expected, got {type(value).__name__}"
    if isinstance(spec, list):
        if not isinstance(value, tuple) or len(value) != len(spec):
            return f"a tuple of {len(spec)} arrays expected"
        return next((m for s, v in zip(spec, value, strict=True) if (m := _mismatch(s, v))),
                    None)  # fmt: skip
    dtype, ndim, writable = spec
    if not isinstance(value, np.ndarray):
        return f"an array expected, got {type(value).__name__}"
    if value.dtype != dtype or value.ndim != ndim:
        return f"a {ndim}-d {dtype} array expected, got a {value.ndim}-d {value.dtype} one"
    if not (value.flags.c_contiguous and value.flags.aligned):
        return "a C-contiguous, aligned array expected"
    if writable and not value.flags.writeable:
        return "a writable array expected"
    return None


def _guarded(name: str, fn: Callable[..., Any], sample: tuple[Any, ...]) -> Callable[..., Any]:
    """``fn`` of the built module behind a check of its arguments against ``sample``'s:
    the module reads memory as it was compiled to, whatever it is given."""
    specs = [_spec(v) for v in sample]

    def call(*args: Any) -> Any:
        if len(args) != len(specs):
            raise TypeError(f"{name}: {len(specs)} arguments expected, got {len(args)}")
        for i, (spec, value) in enumerate(zip(specs, args, strict=True)):
            if (why := _mismatch(spec, value)) is not None:
                raise TypeError(f"{name}, argument {i}: {why}")
        return fn(*args)

    call.__name__ = call.__qualname__ = name
    return call


def _load_built(path: Path) -> SimpleNamespace | None:
    """The functions of the module built at ``path``, behind their guards; None when it
    does not load."""
    name = path.name.split(".")[0]
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (ImportError, OSError) as e:
        log.warning("cannot load the compiled NMEA functions %s (%s); numba compiles them",
                    path, e)  # fmt: skip
        return None
    samples = _sample_args()
    return SimpleNamespace(built=path, **{
        n: _guarded(n, getattr(module, n), samples[n]) for n in KERNELS})  # fmt: skip


def _jit() -> SimpleNamespace:
    """numba's versions of the functions (compiled or loaded from its cache when first
    called)."""
    from mda.ingest import _kernels

    _kernels.numpy_support_without_scipy()
    return SimpleNamespace(built=None, **{n: getattr(_kernels, n) for n in KERNELS})


_LOADING = threading.Lock()


@functools.cache
def kernels() -> SimpleNamespace:
    """The compiled functions (:data:`KERNELS`), once per process: the built module's when
    there is one for this source (``built`` is then its path), else numba's (``built`` is
    None). ``MDA_KERNELS=jit`` always takes numba's."""
    with _LOADING:  # (the warm-up thread and a caller may ask at once)
        path = built_path()
        if os.environ.get("MDA_KERNELS", "").lower() != "jit" and path.is_file():
            got = _load_built(path)
            if got is not None:
                return got
        return _jit()


def __getattr__(name: str) -> Any:
    """``fastkernel.scan_simple`` and the other :data:`KERNELS`: those of :func:`kernels`."""
    if name in KERNELS:
        return getattr(kernels(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def warm_up() -> threading.Thread:
    """Load the compiled functions in a background thread, once per process (the built
    module in a millisecond; numba's import and first calls, even from its cache, in
    ~0.4 s); join the thread before relying on the time. The caller reads its file
    meanwhile.

    Callers pass C-ordered arrays of the dtypes used here, read-only where they are here
    (:func:`frozen`; polars gives read-only views without a copy): numba compiles a new
    version for other array types, which costs seconds, and the built module's guards
    refuse them."""

    def load() -> None:
        k = kernels()
        if k.built is None:  # numba: the first call of each function loads it
            for name, args in _sample_args().items():
                getattr(k, name)(*args)

    thread = threading.Thread(target=load, name="mda-numba-warm-up", daemon=True)
    thread.start()
    return thread


def build(folder: Path | None = None) -> Path:
    """Compile the kernels ahead of time into an extension module in ``folder`` (default
    :func:`built_dir`) and return its path: numba's ``pycc``, for the machine's
    architecture family, with the GIL released in its wrappers as numba's ``nogil`` does.
    Takes ~30 s; needs a C compiler and setuptools. The file is written beside and
    renamed, so a process never loads half of one."""
    import numba.pycc.compiler as pycc_compiler
    from numba.core.compiler import Flags
    from numba.pycc import CC

    from mda.ingest import _kernels

    _kernels.numpy_support_without_scipy()
    target = built_path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)

    class GilFreeFlags(Flags):  # type: ignore[misc]
        """pycc's flags, with the GIL released around each call (``nogil``)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.release_gil = True  # type: ignore[assignment]

    name = built_name()
    cc = CC(name)
    for fname, args in _sample_args().items():
        dispatcher = getattr(_kernels, fname)
        dispatcher(*args)  # (compiled or loaded for exactly these types)
        types = tuple(dispatcher.typeof_pyval(a) for a in args)
        cc.export(fname, dispatcher.overloads[types].signature)(dispatcher.py_func)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        cc.output_dir = tmp
        plain, pycc_compiler.Flags = pycc_compiler.Flags, GilFreeFlags  # type: ignore[misc]
        try:
            cc.compile()
        finally:
            pycc_compiler.Flags = plain  # type: ignore[misc]
        (made,) = Path(tmp).glob(name + ".*")
        os.replace(made, target)
    for old in target.parent.glob("mda_kernels_*"):  # built from an earlier source
        if old != target:
            old.unlink(missing_ok=True)  # (a process that loaded it keeps its mapping)
    return target


def _main(argv: list[str]) -> int:
    """``python -m mda.ingest.fastkernel [--force] [--quiet] [DIR]``: build the module
    unless it is there already; say where it is (``--quiet``: only when building)."""
    force, quiet = "--force" in argv, "--quiet" in argv
    rest = [a for a in argv if a not in ("--force", "--quiet")]
    target = built_path(Path(rest[0]) if rest else None)
    if target.is_file() and not force:
        if not quiet:
            print(f"compiled NMEA functions: {target}")
        return 0
    print("building the compiled NMEA functions (about 30 s, once per version) ...",
          file=sys.stderr, flush=True)  # fmt: skip
    try:
        made = build(target.parent)
    except Exception as e:  # (no compiler, no setuptools: numba's own compile still works)
        print(f"could not build the compiled NMEA functions ({type(e).__name__}: {e}); "
              "numba will compile them when first used", file=sys.stderr)  # fmt: skip
        return 1
    print(f"compiled NMEA functions built: {made}")
    return 0


if __name__ == "__main__":  # (the package's module, not a second copy of it as __main__)
    from mda.ingest.fastkernel import _main as main

    raise SystemExit(main(sys.argv[1:]))

"""PostgreSQL binary COPY streams built with numpy, column by column (no per-row Python).

The binary COPY format (PostgreSQL docs, "COPY ... Binary Format") is a header, then per
row a big-endian int16 field count and per field an int32 byte length (-1 for NULL) followed
by the value in the type's binary ``send`` form, then an int16 -1 trailer.

Each column is encoded as a 2-D ``uint8`` block of shape ``(rows, 4 + width)`` (length
prefix and value, padded to the widest value) and a boolean mask of the bytes that are
really there (a NULL keeps only its 4-byte prefix; a short string keeps ``4 + len`` bytes).
The row stream is the column blocks side by side, kept where the mask is true: numpy's
boolean indexing walks row-major, so this concatenates variable-width rows in one call.

Low-cardinality strings (source, region, the ``sources`` lists) are encoded once per
distinct value and gathered by code, so a column of a million ``'nmea'`` costs one encode.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import polars as pl

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
PG_EPOCH_US = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000
PG_EPOCH_DAYS = (date(2000, 1, 1) - date(1970, 1, 1)).days
TEXT_OID = 25

# binary send form (big endian) of the fixed-width types used by the warehouse
FIXED = {
    "int2": ">i2",
    "int4": ">i4",
    "int8": ">i8",
    "float4": ">f4",
    "float8": ">f8",
    "date": ">i4",
    "timestamptz": ">i8",
}


@dataclass(frozen=True)
class Block:
    """One column of a chunk: bytes ``(rows, 4 + width)`` and their mask (None: all kept)."""

    data: np.ndarray
    mask: np.ndarray | None


def _prefixed(values: np.ndarray, be_dtype: str, null: np.ndarray | None) -> Block:
    """Length-prefixed fixed-width values; rows where ``null`` is true become NULL."""
    width = np.dtype(be_dtype).itemsize
    rec = np.empty(len(values), dtype=[("len", ">i4"), ("v", be_dtype)])
    rec["len"] = width
    rec["v"] = values
    data = rec.view(np.uint8).reshape(len(values), 4 + width)
    if null is None or not null.any():
        return Block(data, None)
    rec["len"][null] = -1
    mask = np.ones(data.shape, dtype=bool)
    mask[null, 4:] = False
    return Block(data, mask)


def _payloads_block(payloads: Sequence[bytes | None], codes: np.ndarray) -> Block:
    """Variable-length values (None = NULL) gathered by ``codes`` into a padded block."""
    width = max((len(p) for p in payloads if p is not None), default=0)
    table = np.zeros((len(payloads), 4 + width), dtype=np.uint8)
    keep = np.zeros(table.shape, dtype=bool)
    for i, payload in enumerate(payloads):
        n = -1 if payload is None else len(payload)
        table[i, :4] = np.frombuffer(struct.pack(">i", n), dtype=np.uint8)
        keep[i, : 4 + max(n, 0)] = True
        if payload:
            table[i, 4 : 4 + n] = np.frombuffer(payload, dtype=np.uint8)
    return Block(table[codes], keep[codes])


def _codes(series: pl.Series) -> tuple[list, np.ndarray]:
    """Distinct values of ``series`` (None last when present) and each row's index into them.

    Strings are cast to an Enum of their distinct values (its physical codes are the
    indices); lists of strings go through a string key of their elements.
    """
    keys = _list_keys(series) if isinstance(series.dtype, pl.List) else series
    distinct = keys.drop_nulls().unique().sort()
    codes = keys.cast(pl.Enum(distinct.to_list())).to_physical()
    uniques: list = distinct.to_list()
    if isinstance(series.dtype, pl.List):
        first = series.to_frame("v").with_columns(k=keys).unique("k", keep="first")
        by_key = dict(zip(first["k"].to_list(), first["v"].to_list(), strict=True))
        uniques = [by_key[k] for k in uniques]
    if codes.null_count():
        codes = codes.fill_null(len(uniques))
        uniques.append(None)
    return uniques, codes.to_numpy()


def _list_keys(series: pl.Series) -> pl.Series:
    """A string per list (its length, then its elements; null elements as NUL): equal keys
    mean equal lists; a null list gives a null key."""
    col = pl.col(series.name)
    body = col.list.eval(pl.element().fill_null("\x00")).list.join("\x1f")
    return series.to_frame().select(pl.format("{}|{}", col.list.len(), body)).to_series()


def text_array_payload(items: list[str | None]) -> bytes:
    """``text[]`` in binary send form (one dimension, lower bound 1; empty list: no dims)."""
    if not items:
        return struct.pack(">iii", 0, 0, TEXT_OID)
    has_null = int(any(i is None for i in items))
    parts = [struct.pack(">iiiii", 1, has_null, TEXT_OID, len(items), 1)]
    for item in items:
        if item is None:
            parts.append(struct.pack(">i", -1))
        else:
            raw = item.encode()
            parts.append(struct.pack(">i", len(raw)) + raw)
    return b"".join(parts)


def encode_column(series: pl.Series, pg_type: str) -> Block:
    """One column as a Block: ``pg_type`` is a key of FIXED, ``text``, ``text[]`` or ``bytea``.

    Timestamps must be tz-aware UTC polars Datetimes; ``bytea`` carries raw bytes (e.g. an
    EWKB geometry, which PostGIS's binary receive function accepts).
    """
    if pg_type in FIXED:
        null = series.is_null().to_numpy() if series.null_count() else None
        return _prefixed(_fixed_values(series, pg_type), FIXED[pg_type], null)
    uniques, codes = _codes(series)
    if pg_type == "text":
        payloads = [None if u is None else u.encode() for u in uniques]
    elif pg_type == "text[]":
        payloads = [None if u is None else text_array_payload(u) for u in uniques]
    elif pg_type == "bytea":
        payloads = uniques
    else:
        raise ValueError(f"no binary COPY encoder for PostgreSQL type {pg_type!r}")
    return _payloads_block(payloads, codes)


def _fixed_values(series: pl.Series, pg_type: str) -> np.ndarray:
    """Numeric values as numpy (nulls zero-filled; their bytes are masked out later)."""
    if pg_type == "timestamptz":
        us = series.dt.cast_time_unit("us").dt.epoch("us")
        return us.fill_null(0).to_numpy() - PG_EPOCH_US
    if pg_type == "date":
        return series.cast(pl.Int32).fill_null(0).to_numpy() - PG_EPOCH_DAYS
    return series.fill_null(0).to_numpy()


def bytes_block(rows: np.ndarray) -> Block:
    """A non-null fixed-width binary column from a ``(rows, width)`` uint8 array."""
    n, width = rows.shape
    data = np.empty((n, 4 + width), dtype=np.uint8)
    data[:, :4] = np.frombuffer(struct.pack(">i", width), dtype=np.uint8)
    data[:, 4:] = rows
    return Block(data, None)


class _Scratch:
    """Reusable row buffers: fresh pages are slow to fault in, chunks reuse the same ones."""

    def __init__(self) -> None:
        self.data = np.empty(0, dtype=np.uint8)
        self.mask = np.empty(0, dtype=bool)

    def arrays(self, rows: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """C-contiguous ``(rows, width)`` views of the data and mask buffers."""
        size = rows * width
        if self.data.size < size:
            self.data = np.empty(size, dtype=np.uint8)
            self.mask = np.empty(size, dtype=bool)
        return self.data[:size].reshape(rows, width), self.mask[:size].reshape(rows, width)


def rows_stream(blocks: Sequence[Block], scratch: _Scratch | None = None) -> np.ndarray:
    """The tuples (field count + fields) of one chunk as a new flat uint8 array."""
    n = blocks[0].data.shape[0]
    edges = np.cumsum([0, 2, *(b.data.shape[1] for b in blocks)]).tolist()
    data, mask = (scratch or _Scratch()).arrays(n, edges[-1])
    data[:, :2] = np.frombuffer(struct.pack(">h", len(blocks)), dtype=np.uint8)
    spans = list(zip(blocks, edges[1:-1], edges[2:], strict=True))
    for block, a, b in spans:
        data[:, a:b] = block.data
    if all(block.mask is None for block in blocks):
        return data.reshape(-1).copy()
    mask[:] = True
    for block, a, b in spans:
        if block.mask is not None:
            mask[:, a:b] = block.mask
    return data[mask]


def copy_chunks(
    df: pl.DataFrame,
    types: dict[str, str],
    extra: dict[str, Block] | None = None,
    *,
    chunk_rows: int = 250_000,
) -> Iterator[bytes | memoryview]:
    """The whole binary COPY stream of ``df`` in pieces: header, row chunks, trailer.

    ``types`` maps each column (in COPY column order) to its PostgreSQL type; ``extra``
    columns (already encoded, one per row of ``df``) follow them in the stream.
    """
    yield HEADER
    extra = extra or {}
    scratch = _Scratch()
    for offset in range(0, df.height, chunk_rows):
        chunk = df.slice(offset, chunk_rows)
        blocks = [encode_column(chunk[c], t) for c, t in types.items()]
        blocks += [
            Block(
                b.data[offset : offset + chunk.height],
                None if b.mask is None else b.mask[offset : offset + chunk.height],
            )
            for b in extra.values()
        ]
        yield rows_stream(blocks, scratch).data  # a memoryview: no copy
    yield TRAILER

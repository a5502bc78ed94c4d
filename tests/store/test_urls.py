"""Database URLs and connection errors (no server needed)."""

from __future__ import annotations

import pytest

from mda.errors import StoreError
from mda.store.db import connect_checked, make_engine, normalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgres://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_urls_use_psycopg3(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_other_drivers_are_refused() -> None:
    with pytest.raises(StoreError, match="psycopg2"):
        normalize_url("postgresql+psycopg2://u@h/d")


def test_unreachable_server_gives_store_error() -> None:
    engine = make_engine(
        "postgresql://postgres@127.0.0.1:1/nowhere", connect_args={"connect_timeout": 2}
    )
    with pytest.raises(StoreError, match=r"could not connect to PostgreSQL at .*127\.0\.0\.1:1"):
        connect_checked(engine)

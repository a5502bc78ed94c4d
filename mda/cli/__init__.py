"""The `mda` command line (Typer). One module per command group."""

from mda.allocators import keep_polars_pages

keep_polars_pages()  # (before any command imports polars: see mda.allocators)

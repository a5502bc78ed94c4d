"""The `mda` command line (Typer). One module per command group."""

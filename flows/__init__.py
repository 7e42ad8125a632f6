"""exitcheck: flows — the Prefect shell, I/O and CLI."""

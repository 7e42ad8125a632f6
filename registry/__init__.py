"""exitcheck: registry — the data contract."""

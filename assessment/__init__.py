"""exitcheck: assessment — pure checks, estimation, indicators and signals."""

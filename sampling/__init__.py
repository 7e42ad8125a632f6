"""exitcheck: sampling — pure sample design."""

"""Catalog rules: pure functions and values, no I/O and no framework."""

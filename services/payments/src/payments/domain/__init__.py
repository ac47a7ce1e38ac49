"""Pure payment rules: no I/O, no framework."""

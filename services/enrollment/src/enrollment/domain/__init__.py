"""Pure enrollment rules: no I/O, no framework, no clock (times are passed in)."""

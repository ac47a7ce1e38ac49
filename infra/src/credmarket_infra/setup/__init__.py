"""Machine set-up: what `./dev` needs from the system, found or installed.

Standard library only, and nothing newer than Python 3.9 at run time: `./dev` runs this with the
system's python3 *before* any virtual environment or uv exists (docs/adr/0021).
"""

"""Version numbers as tuples of ints, read from what tools print about themselves."""

from __future__ import annotations

import re

Version = tuple[int, ...]

_JAVA = re.compile(r'version "(\d+)(?:\.(\d+))?(?:\.(\d+))?')
_UV = re.compile(r"^uv (\d+)\.(\d+)\.(\d+)")
_GO = re.compile(r"\bgo(\d+)\.(\d+)(?:\.(\d+))?")


def _numbers(match: re.Match[str] | None) -> Version | None:
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def java_version(banner: str) -> Version | None:
    """`java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or `"1.8.0_392"`)."""
    found = _numbers(_JAVA.search(banner))
    if found is not None and found[0] == 1 and len(found) > 1:
        return found[1:]  # the pre-9 scheme: 1.8 is Java 8
    return found


def uv_version(banner: str) -> Version | None:
    """`uv --version` prints e.g. `uv 0.13.9 (x86_64-unknown-linux-gnu)`."""
    return _numbers(_UV.match(banner.strip()))


def go_version(banner: str) -> Version | None:
    """`go version` prints e.g. `go version go1.26.8 linux/amd64`."""
    return _numbers(_GO.search(banner))


def parse(text: str) -> Version:
    return tuple(int(part) for part in text.split("."))


def show(version: Version) -> str:
    return ".".join(str(part) for part in version)

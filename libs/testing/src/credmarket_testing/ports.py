"""A free port for a server a test starts, chosen so nothing takes it before the server binds.

A port the kernel picks (bind to 0) lies in its ephemeral range, the same range it hands to
every outgoing connection on the machine: on a busy, shared machine (Kafka clients, database
pools, other engineers' test runs) one of those connections can take the port in the seconds
between this check and the server's own bind. Below that range only listeners compete.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 20000  # above the stack's fixed ports (8000-8190, 15432-19193, 18420-18430)
ATTEMPTS = 200


def ephemeral_range() -> tuple[int, int]:
    try:
        low, high = EPHEMERAL_RANGE.read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def _binds(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on, outside the kernel's ephemeral range."""
    low, _high = ephemeral_range()
    if low - LOWEST >= 1000:
        for port in random.sample(range(LOWEST, low), min(ATTEMPTS, low - LOWEST)):
            if _binds(port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # no room below: any port
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

"""The test harness's free ports: bindable, and never ones an outgoing connection can take."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest
from credmarket_testing import ports


def test_a_free_port_binds_and_lies_below_the_ephemeral_range() -> None:
    low, _high = ports.ephemeral_range()
    port = ports.free_port()

    assert ports.LOWEST <= port < low
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))  # nothing else listens there


def test_a_listening_port_is_never_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        # Only the busy port and one other are candidates: the busy one must be skipped.
        monkeypatch.setattr(ports, "LOWEST", busy)
        monkeypatch.setattr(ports, "ephemeral_range", lambda: (busy + 1000, 60999))
        monkeypatch.setattr(random, "sample", lambda _r, _k: [busy, busy + 1])

        assert ports.free_port() == busy + 1


def test_without_room_below_the_range_any_free_port_will_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    narrow = tmp_path / "ip_local_port_range"
    narrow.write_text("20100\t60999\n")
    monkeypatch.setattr(ports, "EPHEMERAL_RANGE", narrow)

    assert ports.ephemeral_range() == (20100, 60999)
    assert 0 < ports.free_port() < 65536

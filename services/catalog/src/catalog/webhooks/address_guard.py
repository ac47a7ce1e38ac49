"""Resolve a webhook host and refuse the addresses no delivery may reach.

Run before every attempt, and the request then goes to the address checked here,
not to a second resolution of the name: otherwise a name could resolve to a public
address for the check and to the metadata service for the connection.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

from catalog.domain.webhook_url import forbidden_address


class AddressRefused(Exception):
    """The host resolves to nothing, or only to addresses deliveries may not reach."""


@dataclass(frozen=True)
class Target:
    host: str
    address: str
    port: int


async def resolve(host: str, port: int, *, allow_private: bool) -> Target:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=5.0
        )
    except (OSError, TimeoutError) as exc:
        raise AddressRefused(f"{host} does not resolve: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise AddressRefused(f"{host} does not resolve")
    if allow_private:
        return Target(host, addresses[0], port)
    # Every address must be allowed: one forbidden answer among allowed ones is what a
    # rebinding attack looks like.
    for address in addresses:
        reason = forbidden_address(address)
        if reason is not None:
            raise AddressRefused(f"{host} resolves to a {reason} address ({address})")
    return Target(host, addresses[0], port)

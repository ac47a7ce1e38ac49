"""What a webhook URL may be, and which addresses it may never reach.

The address rule is applied to what the host name resolves to, on every attempt: a
name that resolved to a public address at registration may later resolve to the
metadata service (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from catalog.domain.text_rules import is_storable
from catalog.domain.violations import Violation

MAX_URL_LENGTH = 2000

# Cloud metadata services outside the link-local range (AWS's IPv6 one).
_METADATA = frozenset({ipaddress.ip_address("fd00:ec2::254")})


def url_violations(url: str, *, allow_http: bool) -> list[Violation]:
    if not is_storable(url) or any(c.isspace() or ord(c) < 0x20 for c in url):
        return [Violation("url", "invalid_url", "must not contain spaces or control characters")]
    if len(url) > MAX_URL_LENGTH:
        return [Violation("url", "too_long", f"at most {MAX_URL_LENGTH} characters")]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [Violation("url", "invalid_url", "not a URL")]
    allowed = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in allowed:
        return [Violation("url", "https_required", "must be https")]
    if not parts.hostname:
        return [Violation("url", "invalid_url", "needs a host")]
    if parts.username or parts.password:
        return [Violation("url", "invalid_url", "must not carry credentials")]
    if parts.fragment:
        return [Violation("url", "invalid_url", "must not have a fragment")]
    if port == 0:
        return [Violation("url", "invalid_url", "port 0 is not a port")]
    return []


def forbidden_address(address: str) -> str | None:
    """Why an address may not be delivered to, or None if it may."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return "metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "reserved"
    if ip.is_private or not ip.is_global:
        return "private"
    return None

"""The gateway prefix a link is built with is taken only in its exact shape (issue 19)."""

from __future__ import annotations

from enrollment.api.dependencies import get_gateway_prefix
from starlette.requests import Request


def _request(prefix: str) -> Request:
    headers = [(b"x-forwarded-prefix", prefix.encode())]
    return Request({"type": "http", "headers": headers, "method": "GET", "path": "/"})


async def test_a_prefix_with_a_trailing_newline_is_ignored() -> None:
    assert await get_gateway_prefix(_request("/enrollment")) == "/enrollment"
    assert await get_gateway_prefix(_request("/enrollment\n")) == ""
    assert await get_gateway_prefix(_request("/Enrollment")) == ""

"""Every answer carries nosniff and a referrer policy; HTML also a CSP (issue 19)."""

from __future__ import annotations

import httpx
from credmarket_platform.http.security_headers import HTML_CSP, SecurityHeadersMiddleware
from fastapi import FastAPI
from fastapi.responses import HTMLResponse


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/json")
    async def json_answer() -> dict[str, str]:
        return {"a": "b"}

    @app.get("/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<p>hi</p>"

    app.add_middleware(SecurityHeadersMiddleware)
    return app


async def test_every_answer_has_the_headers_and_html_a_csp() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        for path in ("/json", "/page", "/missing"):
            answer = await client.get(path)
            assert answer.headers["x-content-type-options"] == "nosniff", path
            assert answer.headers["referrer-policy"] == "no-referrer", path
            assert len(answer.headers.get_list("x-content-type-options")) == 1
        assert (await client.get("/page")).headers["content-security-policy"] == HTML_CSP
        assert "content-security-policy" not in (await client.get("/json")).headers

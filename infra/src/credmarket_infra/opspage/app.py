"""The ops page's FastAPI app: a static shell plus a JSON API, every datum behind an ops token.

The shell (HTML, JS, CSS) holds no data and is served without a token, since a
browser cannot attach a bearer header to a page load; the page asks for the
token, keeps it in sessionStorage and sends it on every API call.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from credmarket_platform.auth import Principal, TokenVerifier, install_auth, require
from credmarket_platform.http.problems import ProblemError, install_problem_handlers
from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from credmarket_infra.ops.dlq import find_dead_letter, list_dead_letters
from credmarket_infra.ops.flow import recent_flow
from credmarket_infra.ops.lag import consumer_lag
from credmarket_infra.ops.replay import replay
from credmarket_infra.ops.target import OpsTarget
from credmarket_infra.ops.trace import trace
from credmarket_infra.ops.webhooks import OverviewUnavailable, webhook_overview
from credmarket_infra.opspage.settings import OpsPageSettings

STATIC = files("credmarket_infra.opspage") / "static"
# Nothing may load from anywhere but this app: no CDN, no fonts, no analytics.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
ASSETS = {
    "ops.js": "text/javascript; charset=utf-8",
    "ops.css": "text/css; charset=utf-8",
}


class ReplayRequest(BaseModel):
    dlq_topic: str
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    force: bool = False


def create_app(settings: OpsPageSettings, *, verifier: TokenVerifier | None = None) -> FastAPI:
    app = FastAPI(title="credmarket ops page", docs_url=None, redoc_url=None)
    install_problem_handlers(app)
    install_auth(app, settings, verifier=verifier)
    target = OpsTarget(settings.kafka_bootstrap, settings.topic_prefix)
    ops_only = require("ops")

    @app.middleware("http")
    async def security_headers(request: Any, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse((STATIC / "index.html").read_text())

    @app.get("/static/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        if name not in ASSETS:
            raise ProblemError(404, "Not Found", f"no asset {name!r}")
        return Response((STATIC / name).read_text(), media_type=ASSETS[name])

    @app.get("/api/whoami")
    async def whoami(principal: Principal = ops_only) -> dict[str, Any]:
        return {"subject": principal.subject, "role": principal.role, "name": principal.name}

    @app.get("/api/flow")
    async def flow(
        minutes: int = Query(default=settings.flow_minutes, ge=1, le=120),
        _: Principal = ops_only,
    ) -> dict[str, Any]:
        return (await recent_flow(target, minutes)).to_json()

    @app.get("/api/lag")
    async def lag(_: Principal = ops_only) -> dict[str, Any]:
        return (await consumer_lag(target)).to_json()

    @app.get("/api/dlq")
    async def dead_letters(_: Principal = ops_only) -> list[dict[str, Any]]:
        return [d.to_json() for d in await list_dead_letters(target)]

    @app.post("/api/dlq/replay")
    async def replay_letter(body: ReplayRequest, principal: Principal = ops_only) -> dict[str, Any]:
        letter = await find_dead_letter(target, body.dlq_topic, body.partition, body.offset)
        if letter is None:
            raise ProblemError(
                404,
                "Not Found",
                f"no dead letter at {body.dlq_topic}/{body.partition}/{body.offset}",
            )
        [outcome] = await replay(target, [letter], force=body.force, by=f"page:{principal.subject}")
        if outcome.status == "skipped":
            raise ProblemError(409, "Already replayed", outcome.message)
        if outcome.status == "failed":
            raise ProblemError(422, "Cannot replay", outcome.message)
        return outcome.to_json()

    @app.get("/api/webhooks")
    async def webhooks(request: Request, _: Principal = ops_only) -> dict[str, Any]:
        token = request.headers["authorization"].removeprefix("Bearer ").strip()
        try:
            return (await webhook_overview(settings.catalog_url, token)).to_json()
        except OverviewUnavailable as exc:
            raise ProblemError(502, "Catalog unavailable", str(exc)) from None

    @app.get("/api/trace/{query}")
    async def trace_flow(query: str, _: Principal = ops_only) -> dict[str, Any]:
        return (await trace(target, query)).to_json()

    return app

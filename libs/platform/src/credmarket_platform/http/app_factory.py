"""One FastAPI app shape for every service: the plumbing is installed here, once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI

from credmarket_platform.auth.dependencies import install_auth
from credmarket_platform.auth.verifier import TokenVerifier
from credmarket_platform.failures import PLATFORM_FAILURES, FailurePolicy
from credmarket_platform.http.body_limit import BodyLimitMiddleware
from credmarket_platform.http.contract import install_contract_openapi
from credmarket_platform.http.health import ReadyCheck, health_router
from credmarket_platform.http.idempotency import IdempotencyStore, install_idempotency
from credmarket_platform.http.load_shedding import InFlightLimitMiddleware
from credmarket_platform.http.problems import install_problem_handlers
from credmarket_platform.http.request_context import RequestContextMiddleware
from credmarket_platform.http.security_headers import SecurityHeadersMiddleware
from credmarket_platform.observability.http_metrics import HttpMetricsMiddleware, metrics_router
from credmarket_platform.observability.logging import configure_logging
from credmarket_platform.settings import ServiceSettings

LifespanTask = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    version: str,
    description: str = "",
    routers: Sequence[APIRouter] = (),
    lifespan_tasks: Sequence[LifespanTask] = (),
    ready_checks: Mapping[str, ReadyCheck] | None = None,
    token_verifier: TokenVerifier | None = None,
    idempotency_store: IdempotencyStore | None = None,
    configure_logs: bool = True,
    failures: FailurePolicy = PLATFORM_FAILURES,
) -> FastAPI:
    """Build a service app.

    ``lifespan_tasks`` are entered in order at startup and exited in reverse at shutdown
    (e.g. the outbox relay, then the consumer runner). ``token_verifier`` defaults to one
    built from ``settings``. Without an ``idempotency_store`` endpoints must not use
    ``idempotency_key()``. ``failures`` decides which unhandled exceptions are answered
    503 (transient) rather than 500.
    """
    if configure_logs:
        configure_logging(
            settings.service_name, level=settings.log_level, json_lines=settings.log_json
        )
    verifier = token_verifier or TokenVerifier.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(verifier.aclose)
            for task in lifespan_tasks:
                await stack.enter_async_context(task(app))
            yield

    app = FastAPI(title=title, version=version, description=description, lifespan=lifespan)
    install_problem_handlers(app)
    install_auth(app, verifier=verifier)
    # Starlette wraps later middleware around earlier ones: metrics is outermost, so it
    # also counts the 500s the request-context middleware makes of crashes.
    if idempotency_store is not None:
        install_idempotency(app, idempotency_store)
    # Inside the request context (a shed request still gets its ids) and outside
    # idempotency (a shed request claims no key).
    if settings.http_max_in_flight > 0:
        app.add_middleware(InFlightLimitMiddleware, limit=settings.http_max_in_flight)
    app.add_middleware(BodyLimitMiddleware, limit=settings.http_max_body_bytes)
    app.add_middleware(RequestContextMiddleware, failures=failures)
    app.add_middleware(HttpMetricsMiddleware, service=settings.service_name)
    # Outermost: the 500s and 503s made by the request context get the headers too.
    app.add_middleware(SecurityHeadersMiddleware)

    app.include_router(health_router(ready_checks))
    app.include_router(metrics_router())
    for router in routers:
        app.include_router(router)
    install_contract_openapi(app)
    return app

"""Render the gateway's nginx configuration from infra/gateway/nginx.conf.template.

One renderer for every place the gateway runs: the local stack and the test harness
(our own nginx master process, files under a prefix directory) and Docker Compose (the
official nginx image, upstreams by service name). What differs is a `NginxTarget`
(nginx_target); the routes are in routes, the pieces of config in nginx_blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from credmarket_platform.http import problem_types

from credmarket_infra.gateway.nginx_blocks import (
    HEALTH_ALL_RATE,
    SERVER_INDENT,
    api_location,
    cors_headers,
    error_pages,
    health_locations,
    human_size,
    named_location,
    probe_state_maps,
    problem_body,
    quoted,
    security_headers,
    storefront_locations,
)
from credmarket_infra.gateway.nginx_target import GATEWAY_DIR, NginxTarget, compose_target
from credmarket_infra.gateway.routes import (
    BAKED_VERIFY_PATH,
    ISSUANCE_PUBLIC_PREFIXES,
    LIVE_STATUS_PATH,
    PROVIDER_TOKENS_PATH,
    PURCHASE_PATH,
    SEARCH_PATH,
    SERVICES,
    STREAM_READ_TIMEOUT_S,
    VERIFY_PATH,
    WALLET_PATHS,
    WEBHOOK_PATH,
)
from credmarket_infra.gateway.settings import GatewaySettings

TEMPLATE = GATEWAY_DIR / "nginx.conf.template"
SERVER_INDENT = SERVER_INDENT

COMPOSE_CONF = GATEWAY_DIR / "compose" / "nginx.conf"
COMPOSE_UPSTREAMS = {
    "catalog": ["catalog:8001"],
    "enrollment": ["enrollment:8002"],
    "payments": ["payments:8003"],
    "issuance": ["issuance:8004"],
}


def render_compose_conf(settings: GatewaySettings | None = None) -> str:
    """The config docker-compose.yml mounts into the official nginx image."""
    return render_nginx_conf(settings or GatewaySettings(), COMPOSE_UPSTREAMS, compose_target())


def _main_context(target: NginxTarget) -> list[str]:
    main = []
    if target.user:
        main.append(f"user {target.user};")
    if target.prefix_dir is not None:
        main += ["daemon off;", f"pid {target.prefix_dir}/nginx.pid;"]
    main.append(f"error_log {target.error_log} notice;")

    return main


def _http_paths(target: NginxTarget) -> list[str]:
    http_paths = []
    if target.prefix_dir is not None:
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            http_paths.append(f"    {kind}_temp_path {target.prefix_dir}/temp/{kind};")
    # nginx makes only the last directory: under temp/ (made by the runner) or the
    # official image's /var/cache/nginx.
    cache_root = f"{target.prefix_dir}/temp" if target.prefix_dir else "/var/cache/nginx"
    cache_dir = f"{cache_root}/catalog_search"
    http_paths.append(
        f"    proxy_cache_path {cache_dir} levels=1:2 keys_zone=catalog_search:2m "
        "max_size=64m inactive=1m use_temp_path=off;"
    )
    http_paths += probe_state_maps(SERVICES)

    return http_paths


def _upstreams(upstreams: Mapping[str, Sequence[str]]) -> list[str]:
    upstream_blocks = []
    for service in SERVICES:
        upstream_blocks.append(f"    upstream {service} {{")
        upstream_blocks += [f"        server {address};" for address in upstreams[service]]
        upstream_blocks += ["        keepalive 16;", "    }"]

    return upstream_blocks


def _exact(path: str, **options: Any) -> list[str]:
    """An exact route to a service's own path: /<service>/v1/… goes to <service> as /v1/…."""
    service = path.split("/")[1]
    return api_location(
        f"= {path}",
        service,
        prefix=f"/{service}",
        upstream_uri=path.removeprefix(f"/{service}"),
        **options,
    )


def _api_routes(settings: GatewaySettings) -> list[str]:
    """The services' APIs: the rate-limited and byte-exact routes first (exact matches win
    anyway), then each service under its prefix and issuance's public documents."""
    verify = ("verify", settings.verify_limit)
    loc: list[str] = []
    loc += _exact(PROVIDER_TOKENS_PATH, limit=("provider_token", settings.token_limit))
    loc += _exact(
        PURCHASE_PATH,
        limit=("purchase", settings.purchase_limit),
        redirect_prefix="/enrollment",
    )
    loc += api_location(
        # Quoted: nginx reads the braces of {36} as a block otherwise.
        f'~ "^/enrollment({LIVE_STATUS_PATH})$"',
        "enrollment",
        prefix="/enrollment",
        upstream_uri="$1$is_args$args",
        stream_timeout_s=STREAM_READ_TIMEOUT_S,
    )
    loc += _exact(VERIFY_PATH, limit=verify)
    # A baked badge is verified like its JSON: same work, same budget.
    loc += _exact(BAKED_VERIFY_PATH, limit=verify)
    loc += _exact(SEARCH_PATH, cache="catalog_search")
    loc += _exact(WEBHOOK_PATH, cors=False, raw_body=True)
    for service in SERVICES:
        loc += api_location(
            f"/{service}/",
            service,
            prefix=f"/{service}",
            upstream_uri="/",
            redirect_prefix=f"/{service}",
        )
    for public in ISSUANCE_PUBLIC_PREFIXES:
        loc += api_location(public, "issuance", prefix="", upstream_uri="")
    for wallet in WALLET_PATHS:
        loc += api_location(wallet, "issuance", prefix="", upstream_uri="", limit=verify)
    return loc


def _edge_routes(settings: GatewaySettings, target: NginxTarget) -> list[str]:
    """What the gateway answers itself: health, liveness, the docs and the storefront."""
    loc: list[str] = []
    # Prometheus scrapes the services directly; their metrics are not for the internet.
    names = "|".join(SERVICES)
    loc += [
        f"{SERVER_INDENT}location ~ ^/({names})/metrics(/|$) {{",
        f"{SERVER_INDENT}    return 404;",
        f"{SERVER_INDENT}}}",
    ]
    loc += health_locations(SERVICES, settings.health_limit)
    loc += [
        f"{SERVER_INDENT}location = /gateway/live {{",
        *cors_headers(SERVER_INDENT + "    "),
        f"{SERVER_INDENT}    default_type application/json;",
        f'{SERVER_INDENT}    return 200 \'{{"status":"ok"}}\';',
        f"{SERVER_INDENT}}}",
        f"{SERVER_INDENT}location = / {{ return 302 /docs/; }}",
        f"{SERVER_INDENT}location = /docs {{ return 301 /docs/; }}",
        *storefront_locations(target),
        f"{SERVER_INDENT}location /docs/ {{",
        f"{SERVER_INDENT}    alias {target.static_dir}/;",
        f"{SERVER_INDENT}    index index.html;",
        f"{SERVER_INDENT}    add_header Cache-Control no-cache;",
        *security_headers(SERVER_INDENT + "    "),
        # The reference page loads nothing from the network: only this origin.
        f"{SERVER_INDENT}    add_header Content-Security-Policy \"default-src 'self'; "
        f"img-src 'self' data:; frame-ancestors 'none'\";",
        f"{SERVER_INDENT}}}",
    ]
    for name, path in (("openapi", target.openapi_file), ("asyncapi", target.asyncapi_file)):
        loc += [
            f"{SERVER_INDENT}location = /docs/{name}.json {{",
            *cors_headers(SERVER_INDENT + "    "),
            f"{SERVER_INDENT}    add_header Cache-Control no-cache always;",
            f"{SERVER_INDENT}    default_type application/json;",
            f"{SERVER_INDENT}    alias {path};",
            f"{SERVER_INDENT}}}",
        ]
    return loc


def _error_routes(settings: GatewaySettings) -> list[str]:
    """The named locations every refusal ends in: problem+json, never nginx's HTML."""
    limits = {
        "provider_token": settings.token_limit,
        "purchase": settings.purchase_limit,
        "verify": settings.verify_limit,
    }
    loc: list[str] = []
    for zone, rate in {**limits, "health": settings.health_limit}.items():
        loc += named_location(
            f"ratelimited_{zone}",
            429,
            problem_body(
                429,
                problem_types.RATE_LIMITED.type,
                problem_types.RATE_LIMITED.title,
                f"this endpoint allows {rate.rate} (burst {rate.burst}); "
                f"retry after {rate.retry_after_s}s",
            ),
            headers=(f"Retry-After {rate.retry_after_s}",),
        )
    loc += named_location(
        "too_large",
        413,
        problem_body(
            413,
            problem_types.REQUEST_TOO_LARGE.type,
            problem_types.REQUEST_TOO_LARGE.title,
            f"request bodies are limited to {human_size(settings.max_body_size)}",
        ),
    )
    loc += named_location(
        "bad_gateway",
        502,
        problem_body(
            502,
            problem_types.UPSTREAM_UNAVAILABLE.type,
            problem_types.UPSTREAM_UNAVAILABLE.title,
            "the service behind this path did not answer; try again shortly",
        ),
        headers=("Retry-After 5",),
    )
    loc += named_location(
        "gateway_timeout",
        504,
        problem_body(
            504,
            problem_types.UPSTREAM_TIMEOUT.type,
            problem_types.UPSTREAM_TIMEOUT.title,
            f"the service did not answer within {settings.read_timeout_s}s",
        ),
    )
    loc += named_location(
        "forbidden",
        403,
        problem_body(
            403,
            "about:blank",
            "Forbidden",
            "the readiness of one service is for the internal network; see /gateway/health",
        ),
    )
    loc += named_location(
        "not_found",
        404,
        problem_body(
            404,
            problem_types.NOT_FOUND.type,
            problem_types.NOT_FOUND.title,
            "no route at the gateway for this path",
        ),
    )
    loc += [
        f"{SERVER_INDENT}location / {{",
        f"{SERVER_INDENT}    return 404;",
        f"{SERVER_INDENT}}}",
    ]

    return loc


def render_nginx_conf(
    settings: GatewaySettings,
    upstreams: Mapping[str, Sequence[str]],
    target: NginxTarget,
) -> str:
    """The whole nginx.conf: ``upstreams`` maps each service to its ``host:port`` servers."""
    missing = [s for s in SERVICES if not upstreams.get(s)]
    if missing:
        raise ValueError(f"no upstream address for {', '.join(missing)}")
    cors_origins = [f"        {quoted(o)} $http_origin;" for o in settings.cors_origins]
    loc = [f"{SERVER_INDENT}error_page 404 = @not_found;", *error_pages(SERVER_INDENT)]
    loc += _api_routes(settings) + _edge_routes(settings, target) + _error_routes(settings)
    access_log = f"    access_log {target.access_log} credmarket;"
    replacements = {
        "@@MAIN@@": "\n".join(_main_context(target)),
        "@@HTTP_PATHS@@": "\n".join(_http_paths(target)),
        "@@ACCESS_LOG@@": access_log,
        "@@CORS_ORIGINS@@": "\n".join(cors_origins),
        "@@CORS_MAX_AGE@@": str(settings.cors_max_age_s),
        "@@TOKEN_RATE@@": settings.token_limit.rate,
        "@@PURCHASE_RATE@@": settings.purchase_limit.rate,
        "@@VERIFY_RATE@@": settings.verify_limit.rate,
        "@@HEALTH_RATE@@": settings.health_limit.rate,
        "@@HEALTH_ALL_RATE@@": HEALTH_ALL_RATE.rate,
        "@@MAX_BODY_SIZE@@": settings.max_body_size,
        "@@CONNECT_TIMEOUT@@": str(settings.connect_timeout_s),
        "@@READ_TIMEOUT@@": str(settings.read_timeout_s),
        "@@UPSTREAMS@@": "\n".join(_upstreams(upstreams)),
        "@@LISTEN@@": f"{SERVER_INDENT}listen {target.listen};",
        "@@SERVER_LOCATIONS@@": "\n".join(loc),
    }
    text = TEMPLATE.read_text()
    for marker, value in replacements.items():
        if marker not in text:
            raise ValueError(f"template has no {marker}")
        text = text.replace(marker, value)
    return text


def main(argv: list[str] | None = None) -> int:
    """`python -m credmarket_infra.gateway.nginx_conf`: write the Compose gateway config.

    Reads CREDMARKET_CORS_ORIGINS and the CREDMARKET_GATEWAY_* limits from the
    environment (defaults otherwise); the committed file is the one with the defaults.
    """
    import argparse

    from credmarket_infra.gateway.settings import gateway_settings_from_env

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", type=Path, default=COMPOSE_CONF)
    args = parser.parse_args(argv)
    settings = gateway_settings_from_env().with_(port=8000)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_compose_conf(settings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Render the gateway's nginx configuration from infra/gateway/nginx.conf.template.

One renderer for every place the gateway runs: the local stack and the test harness
(our own nginx master process, files under a prefix directory) and Docker Compose (the
official nginx image, upstreams by service name). What differs is a `NginxTarget`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from credmarket_platform.http import problem_types

from credmarket_infra.gateway.settings import GatewaySettings, RateLimit

GATEWAY_DIR = Path(__file__).resolve().parents[3] / "gateway"
TEMPLATE = GATEWAY_DIR / "nginx.conf.template"
STATIC_DIR = GATEWAY_DIR / "static"
# The reference storefront (ADR 0026): the dev stack's gateway serves it, Compose does not.
STOREFRONT_DIR = GATEWAY_DIR / "storefront"
ASYNCAPI_FILE = GATEWAY_DIR.parent.parent / "libs" / "events" / "asyncapi.json"

SERVICES = ("catalog", "enrollment", "payments", "issuance")
# Issuance's public documents live at the root of the origin, unstripped, so that
# credential links and did:web identifiers have clean URLs.
ISSUANCE_PUBLIC_PREFIXES = ("/credentials/", "/issuers/", "/status-lists/")
# What wallets and badge hosts call, at the root of the origin (the credential issuer
# identifier is the origin), each under the public verify budget: anyone can call them.
WALLET_PATHS = (
    "= /.well-known/openid-credential-issuer",
    "= /.well-known/oauth-authorization-server",
    "/oid4vci/",
    "/ims/ob/v3p0/",
)
PROVIDER_TOKENS_PATH = "/catalog/v1/provider-tokens"
SEARCH_PATH = "/catalog/v1/offerings"
PURCHASE_PATH = "/enrollment/v1/enrollments"
VERIFY_PATH = "/issuance/v1/verify"
BAKED_VERIFY_PATH = "/issuance/v1/verify/baked"
# An enrollment's live status (ADR 0026), on enrollment's own path.
LIVE_STATUS_PATH = "/v1/enrollments/[0-9a-fA-F-]{36}/events"
# Longer than enrollment's heartbeat (15 s) by far: only a dead upstream is cut.
STREAM_READ_TIMEOUT_S = 3600
WEBHOOK_PATH = "/payments/v1/stripe/webhook"

_I = "        "  # server-level indentation


@dataclass(frozen=True)
class NginxTarget:
    """Where this nginx runs and where its files are."""

    listen: str
    static_dir: str
    openapi_file: str
    asyncapi_file: str
    # Our own master process: `daemon off` (the stack's pid file is the master's pid),
    # pid and temp files under the prefix; None for the official image's defaults.
    prefix_dir: str | None = None
    error_log: str = "stderr"
    access_log: str = "/dev/stdout"
    user: str | None = None
    storefront_dir: str | None = None


def local_target(prefix_dir: Path, port: int, openapi_file: Path) -> NginxTarget:
    """Our own nginx on the loopback, with every file under ``prefix_dir``."""
    # Run as root (CI, this machine), nginx would hand requests to `nobody`, who cannot
    # read a test's 0700 temp directory; as anyone else the `user` directive is ignored.
    user = "root root" if os.geteuid() == 0 else None
    return NginxTarget(
        listen=f"127.0.0.1:{port}",
        static_dir=str(STATIC_DIR),
        openapi_file=str(openapi_file),
        asyncapi_file=str(ASYNCAPI_FILE),
        prefix_dir=str(prefix_dir),
        error_log="stderr",
        access_log=str(prefix_dir / "logs" / "access.log"),
        user=user,
        storefront_dir=str(STOREFRONT_DIR),
    )


COMPOSE_DOCS_DIR = "/usr/share/nginx/credmarket"


def compose_target(port: int = 8000) -> NginxTarget:
    """The official nginx image in Docker Compose: files mounted under /usr/share/nginx."""
    return NginxTarget(
        listen=str(port),
        static_dir=f"{COMPOSE_DOCS_DIR}/static",
        openapi_file=f"{COMPOSE_DOCS_DIR}/openapi.json",
        asyncapi_file=f"{COMPOSE_DOCS_DIR}/asyncapi.json",
        prefix_dir=None,
        error_log="/dev/stderr",
        access_log="/dev/stdout",
        # The image's temp directories belong to its `nginx` user.
        user="nginx",
    )


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


def _quote(value: str) -> str:
    if any(c in value for c in "\"'\\;{}\n"):
        raise ValueError(f"refusing to put {value!r} into the nginx config")
    return f'"{value}"'


def _problem(status: int, type_: str, title: str, detail: str) -> str:
    body = json.dumps(
        {"type": type_, "title": title, "status": status, "detail": detail},
        separators=(",", ":"),
    )
    if "'" in body:
        raise ValueError("problem bodies must not contain single quotes")
    return f"'{body}'"


def _size(nginx_size: str) -> str:
    units = {"k": "KiB", "m": "MiB"}
    unit = nginx_size[-1].lower()
    return f"{nginx_size[:-1]} {units[unit]}" if unit in units else f"{nginx_size} bytes"


# Headers the gateway owns: a service's own copies are dropped, so each goes out once
# (two Access-Control-Allow-Origin values made browsers refuse credentials: issue 19).
_EDGE_OWNED_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Expose-Headers",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Strict-Transport-Security",
)


def _security(indent: str) -> list[str]:
    # On every answer (ADR 0024). HSTS only over TLS ($cm_hsts is empty otherwise, and
    # browsers ignore it over plain HTTP anyway): where TLS ends before the gateway,
    # the load balancer that ends it sets HSTS (docs/gateway.md).
    return [
        f"{indent}add_header X-Content-Type-Options nosniff always;",
        f"{indent}add_header Referrer-Policy no-referrer always;",
        f"{indent}add_header Strict-Transport-Security $cm_hsts always;",
    ]


def _cors(indent: str) -> list[str]:
    # `always`, so that refusals (401, 413, 429, 5xx) reach the page's code too. An
    # empty value sends no header: a disallowed origin gets nothing, and the browser
    # blocks the response. Every location that sets headers calls this (nginx inherits
    # no add_header into a location that has its own), so the security headers ride along.
    return [
        *_security(indent),
        f"{indent}add_header Access-Control-Allow-Origin $cors_origin always;",
        f"{indent}add_header Access-Control-Allow-Credentials $cors_credentials always;",
        f"{indent}add_header Access-Control-Allow-Methods $cors_allow_methods always;",
        f"{indent}add_header Access-Control-Allow-Headers $cors_allow_headers always;",
        f"{indent}add_header Access-Control-Max-Age $cors_max_age always;",
        f"{indent}add_header Access-Control-Expose-Headers $cors_expose_headers always;",
        f"{indent}add_header Vary Origin always;",
    ]


def _errors(indent: str, extra: Sequence[str] = ()) -> list[str]:
    # A location that names any error_page inherits none: list them all, every time.
    return [
        f"{indent}error_page 413 = @too_large;",
        f"{indent}error_page 502 = @bad_gateway;",
        f"{indent}error_page 504 = @gateway_timeout;",
        *(f"{indent}{line}" for line in extra),
    ]


def _proxy_headers(indent: str, prefix: str) -> list[str]:
    lines = [
        f"{indent}proxy_set_header Host $http_host;",
        f'{indent}proxy_set_header Connection "";',
        f"{indent}proxy_set_header X-Request-Id $cm_request_id;",
        f"{indent}proxy_set_header X-Correlation-Id $cm_correlation_id;",
        f"{indent}proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        f"{indent}proxy_set_header X-Forwarded-Proto $scheme;",
        f"{indent}proxy_set_header X-Forwarded-Host $host;",
        f"{indent}proxy_set_header X-Forwarded-Port $server_port;",
        f"{indent}proxy_set_header X-Real-IP $remote_addr;",
    ]
    if prefix:
        lines.append(f"{indent}proxy_set_header X-Forwarded-Prefix {prefix};")
    return lines


def _api_location(
    match: str,
    upstream: str,
    *,
    prefix: str,
    upstream_uri: str,
    limit: tuple[str, RateLimit] | None = None,
    cors: bool = True,
    raw_body: bool = False,
    redirect_prefix: str | None = None,
    cache: str | None = None,
    stream_timeout_s: int | None = None,
) -> list[str]:
    i = _I + "    "
    lines = [f"{_I}location {match} {{"]
    lines += [f"{i}proxy_hide_header {name};" for name in _EDGE_OWNED_HEADERS]
    if cors:
        # A preflight is answered here and never reaches a service (nor a rate limit).
        lines.append(f"{i}if ($request_method = OPTIONS) {{ return 204; }}")
        lines += _cors(i)
    else:
        lines += _security(i)
    if cache is not None:
        lines += _microcache(i, cache)
    extra: list[str] = []
    if limit is not None:
        zone, rate = limit
        lines.append(f"{i}limit_req zone={zone} burst={rate.burst} nodelay;")
        extra.append(f"error_page 429 = @ratelimited_{zone};")
    lines += _errors(i, extra)
    lines += _proxy_headers(i, prefix)
    if raw_body:
        # Streamed to payments byte for byte: the Stripe signature covers the raw body.
        lines.append(f"{i}proxy_request_buffering off;")
    if stream_timeout_s is not None:
        # Server-Sent Events: each event goes out as it comes, and a quiet stream (between
        # heartbeats) is not a dead upstream.
        lines.append(f"{i}proxy_buffering off;")
        lines.append(f"{i}proxy_read_timeout {stream_timeout_s}s;")
    lines.append(f"{i}proxy_pass http://{upstream}{upstream_uri};")
    if redirect_prefix is not None:
        # A service's relative Location (/v1/enrollments/…) is a path under its prefix here.
        lines.append(f"{i}proxy_redirect / {redirect_prefix}/;")
    lines.append(f"{_I}}}")
    return lines


def _microcache(indent: str, zone: str) -> list[str]:
    """Anonymous GETs kept as long as the service's Cache-Control allows (ADR 0010).

    Only what the service marks public is kept (nothing without Cache-Control); a
    request with a token is neither answered from nor stored in the cache. The ids are
    the gateway's own on every answer, hit or miss: a kept answer carries another
    request's. One request per key fills a new entry while the others wait for it
    (lock); an expired entry is refreshed by one background request while the others
    get the expired answer, so the TTL is exceeded by at most one refresh. Without it,
    every request for an expired entry went to catalog at once (the lock covers only
    new entries): at 200/s over 5 keys, upstream times of 1-3 s every 5 s.
    """
    return [
        f"{indent}proxy_cache {zone};",
        f'{indent}proxy_cache_key "$request_method $uri?$args";',
        f"{indent}proxy_cache_bypass $http_authorization;",
        f"{indent}proxy_no_cache $http_authorization;",
        f"{indent}proxy_cache_lock on;",
        f"{indent}proxy_cache_lock_timeout 5s;",
        f"{indent}proxy_cache_use_stale updating;",
        f"{indent}proxy_cache_background_update on;",
        f"{indent}proxy_hide_header X-Request-Id;",
        f"{indent}proxy_hide_header X-Correlation-Id;",
        f"{indent}add_header X-Request-Id $cm_request_id always;",
        f"{indent}add_header X-Correlation-Id $cm_correlation_id always;",
        f"{indent}add_header X-Cache-Status $upstream_cache_status always;",
    ]


def _storefront(target: NginxTarget) -> list[str]:
    if target.storefront_dir is None:
        return []
    return [
        f"{_I}location = /storefront {{ return 301 /storefront/; }}",
        f"{_I}location /storefront/ {{",
        f"{_I}    alias {target.storefront_dir}/;",
        f"{_I}    index index.html;",
        f"{_I}    add_header Cache-Control no-cache;",
        f"{_I}}}",
    ]


def _named(name: str, status: int, body: str, headers: Sequence[str] = ()) -> list[str]:
    i = _I + "    "
    return [
        f"{_I}location @{name} {{",
        *_cors(i),
        f"{i}add_header X-Request-Id $cm_request_id always;",
        f"{i}add_header X-Correlation-Id $cm_correlation_id always;",
        *(f"{i}add_header {h} always;" for h in headers),
        f"{i}default_type application/problem+json;",
        f"{i}return {status} {body};",
        f"{_I}}}",
    ]


# Who may read one service's readiness detail: ops on the internal network (and this
# machine). Public callers get only /gateway/health's up/down.
INTERNAL_NETWORKS = ("127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# Every health request costs four probes (each answered from a one-second readiness
# cache on the service): per address, and for everyone together.
HEALTH_ALL_RATE = RateLimit("20r/s", 40)


def _health_limits(indent: str, limit: RateLimit) -> list[str]:
    return [
        f"{indent}limit_req zone=health burst={limit.burst} nodelay;",
        f"{indent}limit_req zone=health_all burst={HEALTH_ALL_RATE.burst} nodelay;",
    ]


def _health(services: Sequence[str], limit: RateLimit) -> list[str]:
    """`/gateway/health`: up when every upstream's /readyz says ready, else down.

    nginx OSS has no active health checks; this page asks every service now, through
    SSI subrequests to internal probe locations. It says only up or down (ADR 0024):
    which service is not ready, and why, is for ops, at `/gateway/upstreams/<service>`
    from the internal network.
    """
    i = _I + "    "
    parts = [
        f'<!--# include virtual="/gateway/_probe/{s}" set="{s}" wait="yes" -->' for s in services
    ]
    # "up" only if every upstream said ready (SSI has no nested ifs and no `and`: one
    # variable holds all answers, and a regex counts the ready ones).
    everything = "".join(f"${{dollar}}{s}" for s in services)
    parts.append(f'<!--# set var="all" value="{everything}" -->')
    status = (
        '<!--# if expr="${dollar}all = /status.:.(unreachable|not-ready)/" -->"down"'
        f'<!--# elif expr="${{dollar}}all = /(?s)(status.:.ready.*){{{len(services)}}}/" -->"up"'
        '<!--# else -->"down"<!--# endif -->'
    )
    body = "".join(parts) + '{"status":' + status + "}"
    if "'" in body:
        raise ValueError("health template must not contain single quotes")
    lines = [
        # `return` runs before limit_req would (rewrite phase): the limits are checked
        # here, and the page is made in a named location that try_files hands over to.
        f"{_I}location = /gateway/health {{",
        *_health_limits(i, limit),
        f"{i}error_page 429 = @ratelimited_health;",
        f"{i}try_files /.credmarket-no-such-file @gateway_health;",
        f"{_I}}}",
        f"{_I}location @gateway_health {{",
        *_cors(i),
        f"{i}add_header Cache-Control no-store always;",
        f"{i}default_type application/json;",
        f"{i}ssi on;",
        f"{i}ssi_types application/json;",
        f"{i}return 200 '{body}';",
        f"{_I}}}",
    ]
    for s in services:
        lines += [
            f"{_I}location = /gateway/_probe/{s} {{",
            f"{i}internal;",
            f"{i}proxy_pass http://{s}/readyz;",
            f'{i}proxy_set_header Connection "";',
            f"{i}proxy_connect_timeout 2s;",
            f"{i}proxy_read_timeout 5s;",
            f"{i}proxy_intercept_errors on;",
            f"{i}error_page 500 502 503 504 = @probe_{s}_down;",
            f"{_I}}}",
            f"{_I}location @probe_{s}_down {{",
            f"{i}default_type application/json;",
            f'{i}return 200 \'{{"status":"$probe_{s}_state","upstream_status":"$upstream_status",'
            f'"detail":"see /gateway/upstreams/{s}"}}\';',
            f"{_I}}}",
            # Each service's readiness, its status code intact (200 / 503 / 502).
            *_internal_only(
                _api_location(f"= /gateway/upstreams/{s}", s, prefix="", upstream_uri="/readyz"),
                limit,
            ),
        ]
    return lines


def _internal_only(location: list[str], limit: RateLimit) -> list[str]:
    i = _I + "    "
    guard = [f"{i}allow {network};" for network in INTERNAL_NETWORKS]
    guard += [f"{i}deny all;", *_health_limits(i, limit)]
    # The location's own error_page lines come later; nginx takes the first 403/429 match.
    guard += [f"{i}error_page 403 = @forbidden;", f"{i}error_page 429 = @ratelimited_health;"]
    return [location[0], *guard, *location[1:]]


def _probe_state_maps(services: Sequence[str]) -> list[str]:
    lines = []
    for s in services:
        lines += [
            f"    map $upstream_status $probe_{s}_state {{",
            '        "503"   "not-ready";',
            '        default "unreachable";',
            "    }",
        ]
    return lines


def render_nginx_conf(
    settings: GatewaySettings,
    upstreams: Mapping[str, Sequence[str]],
    target: NginxTarget,
) -> str:
    """The whole nginx.conf: ``upstreams`` maps each service to its ``host:port`` servers."""
    missing = [s for s in SERVICES if not upstreams.get(s)]
    if missing:
        raise ValueError(f"no upstream address for {', '.join(missing)}")

    main = []
    if target.user:
        main.append(f"user {target.user};")
    if target.prefix_dir is not None:
        main += ["daemon off;", f"pid {target.prefix_dir}/nginx.pid;"]
    main.append(f"error_log {target.error_log} notice;")

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
    http_paths += _probe_state_maps(SERVICES)

    cors_origins = [f"        {_quote(o)} $http_origin;" for o in settings.cors_origins]

    upstream_blocks = []
    for service in SERVICES:
        upstream_blocks.append(f"    upstream {service} {{")
        upstream_blocks += [f"        server {address};" for address in upstreams[service]]
        upstream_blocks += ["        keepalive 16;", "    }"]

    limits = {
        "provider_token": settings.token_limit,
        "purchase": settings.purchase_limit,
        "verify": settings.verify_limit,
    }
    loc: list[str] = []
    loc += [f"{_I}error_page 404 = @not_found;", *_errors(_I)]
    # The rate-limited and byte-exact routes first (exact matches win anyway).
    loc += _api_location(
        f"= {PROVIDER_TOKENS_PATH}",
        "catalog",
        prefix="/catalog",
        upstream_uri="/v1/provider-tokens",
        limit=("provider_token", settings.token_limit),
    )
    loc += _api_location(
        f"= {PURCHASE_PATH}",
        "enrollment",
        prefix="/enrollment",
        upstream_uri="/v1/enrollments",
        limit=("purchase", settings.purchase_limit),
        redirect_prefix="/enrollment",
    )
    loc += _api_location(
        # Quoted: nginx reads the braces of {36} as a block otherwise.
        f'~ "^/enrollment({LIVE_STATUS_PATH})$"',
        "enrollment",
        prefix="/enrollment",
        upstream_uri="$1$is_args$args",
        stream_timeout_s=STREAM_READ_TIMEOUT_S,
    )
    loc += _api_location(
        f"= {VERIFY_PATH}",
        "issuance",
        prefix="/issuance",
        upstream_uri="/v1/verify",
        limit=("verify", settings.verify_limit),
    )
    # A baked badge is verified like its JSON: same work, same budget.
    loc += _api_location(
        f"= {BAKED_VERIFY_PATH}",
        "issuance",
        prefix="/issuance",
        upstream_uri="/v1/verify/baked",
        limit=("verify", settings.verify_limit),
    )
    loc += _api_location(
        f"= {SEARCH_PATH}",
        "catalog",
        prefix="/catalog",
        upstream_uri="/v1/offerings",
        cache="catalog_search",
    )
    loc += _api_location(
        f"= {WEBHOOK_PATH}",
        "payments",
        prefix="/payments",
        upstream_uri="/v1/stripe/webhook",
        cors=False,
        raw_body=True,
    )
    for service in SERVICES:
        loc += _api_location(
            f"/{service}/",
            service,
            prefix=f"/{service}",
            upstream_uri="/",
            redirect_prefix=f"/{service}",
        )
    for public in ISSUANCE_PUBLIC_PREFIXES:
        loc += _api_location(public, "issuance", prefix="", upstream_uri="")
    for wallet in WALLET_PATHS:
        loc += _api_location(
            wallet, "issuance", prefix="", upstream_uri="", limit=("verify", settings.verify_limit)
        )
    # Prometheus scrapes the services directly; their metrics are not for the internet.
    names = "|".join(SERVICES)
    loc += [f"{_I}location ~ ^/({names})/metrics(/|$) {{", f"{_I}    return 404;", f"{_I}}}"]
    loc += _health(SERVICES, settings.health_limit)
    loc += [
        f"{_I}location = /gateway/live {{",
        *_cors(_I + "    "),
        f"{_I}    default_type application/json;",
        f'{_I}    return 200 \'{{"status":"ok"}}\';',
        f"{_I}}}",
        f"{_I}location = / {{ return 302 /docs/; }}",
        f"{_I}location = /docs {{ return 301 /docs/; }}",
        *_storefront(target),
        f"{_I}location /docs/ {{",
        f"{_I}    alias {target.static_dir}/;",
        f"{_I}    index index.html;",
        f"{_I}    add_header Cache-Control no-cache;",
        *_security(_I + "    "),
        # The reference page loads nothing from the network: only this origin.
        f"{_I}    add_header Content-Security-Policy \"default-src 'self'; "
        f"img-src 'self' data:; frame-ancestors 'none'\";",
        f"{_I}}}",
    ]
    for name, path in (("openapi", target.openapi_file), ("asyncapi", target.asyncapi_file)):
        loc += [
            f"{_I}location = /docs/{name}.json {{",
            *_cors(_I + "    "),
            f"{_I}    add_header Cache-Control no-cache always;",
            f"{_I}    default_type application/json;",
            f"{_I}    alias {path};",
            f"{_I}}}",
        ]
    for zone, rate in {**limits, "health": settings.health_limit}.items():
        loc += _named(
            f"ratelimited_{zone}",
            429,
            _problem(
                429,
                problem_types.RATE_LIMITED.type,
                problem_types.RATE_LIMITED.title,
                f"this endpoint allows {rate.rate} (burst {rate.burst}); "
                f"retry after {rate.retry_after_s}s",
            ),
            headers=(f"Retry-After {rate.retry_after_s}",),
        )
    loc += _named(
        "too_large",
        413,
        _problem(
            413,
            problem_types.REQUEST_TOO_LARGE.type,
            problem_types.REQUEST_TOO_LARGE.title,
            f"request bodies are limited to {_size(settings.max_body_size)}",
        ),
    )
    loc += _named(
        "bad_gateway",
        502,
        _problem(
            502,
            problem_types.UPSTREAM_UNAVAILABLE.type,
            problem_types.UPSTREAM_UNAVAILABLE.title,
            "the service behind this path did not answer; try again shortly",
        ),
        headers=("Retry-After 5",),
    )
    loc += _named(
        "gateway_timeout",
        504,
        _problem(
            504,
            problem_types.UPSTREAM_TIMEOUT.type,
            problem_types.UPSTREAM_TIMEOUT.title,
            f"the service did not answer within {settings.read_timeout_s}s",
        ),
    )
    loc += _named(
        "forbidden",
        403,
        _problem(
            403,
            "about:blank",
            "Forbidden",
            "the readiness of one service is for the internal network; see /gateway/health",
        ),
    )
    loc += _named(
        "not_found",
        404,
        _problem(
            404,
            problem_types.NOT_FOUND.type,
            problem_types.NOT_FOUND.title,
            "no route at the gateway for this path",
        ),
    )
    loc += [f"{_I}location / {{", f"{_I}    return 404;", f"{_I}}}"]

    access_log = f"    access_log {target.access_log} credmarket;"
    replacements = {
        "@@MAIN@@": "\n".join(main),
        "@@HTTP_PATHS@@": "\n".join(http_paths),
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
        "@@UPSTREAMS@@": "\n".join(upstream_blocks),
        "@@LISTEN@@": f"{_I}listen {target.listen};",
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

"""The pieces of the gateway's nginx config: headers, CORS, proxying, caching, error
pages, health; each a list of lines at server-level indentation."""

from __future__ import annotations

import json
from collections.abc import Sequence

from credmarket_infra.gateway.nginx_target import NginxTarget
from credmarket_infra.gateway.settings import RateLimit

SERVER_INDENT = "        "  # server-level indentation


def quoted(value: str) -> str:
    if any(c in value for c in "\"'\\;{}\n"):
        raise ValueError(f"refusing to put {value!r} into the nginx config")
    return f'"{value}"'


def problem_body(status: int, type_: str, title: str, detail: str) -> str:
    body = json.dumps(
        {"type": type_, "title": title, "status": status, "detail": detail},
        separators=(",", ":"),
    )
    if "'" in body:
        raise ValueError("problem bodies must not contain single quotes")
    return f"'{body}'"


def human_size(nginx_size: str) -> str:
    units = {"k": "KiB", "m": "MiB"}
    unit = nginx_size[-1].lower()
    return f"{nginx_size[:-1]} {units[unit]}" if unit in units else f"{nginx_size} bytes"


# Headers the gateway owns: a service's own copies are dropped, so each goes out once
# (two Access-Control-Allow-Origin values made browsers refuse credentials: issue 19).
EDGE_OWNED_HEADERS = (
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


def security_headers(indent: str) -> list[str]:
    # On every answer (ADR 0024). HSTS only over TLS ($cm_hsts is empty otherwise, and
    # browsers ignore it over plain HTTP anyway): where TLS ends before the gateway,
    # the load balancer that ends it sets HSTS (docs/gateway.md).
    return [
        f"{indent}add_header X-Content-Type-Options nosniff always;",
        f"{indent}add_header Referrer-Policy no-referrer always;",
        f"{indent}add_header Strict-Transport-Security $cm_hsts always;",
    ]


def cors_headers(indent: str) -> list[str]:
    # `always`, so that refusals (401, 413, 429, 5xx) reach the page's code too. An
    # empty value sends no header: a disallowed origin gets nothing, and the browser
    # blocks the response. Every location that sets headers calls this (nginx inherits
    # no add_header into a location that has its own), so the security headers ride along.
    return [
        *security_headers(indent),
        f"{indent}add_header Access-Control-Allow-Origin $cors_origin always;",
        f"{indent}add_header Access-Control-Allow-Credentials $cors_credentials always;",
        f"{indent}add_header Access-Control-Allow-Methods $cors_allow_methods always;",
        f"{indent}add_header Access-Control-Allow-Headers $cors_allow_headers always;",
        f"{indent}add_header Access-Control-Max-Age $cors_max_age always;",
        f"{indent}add_header Access-Control-Expose-Headers $cors_expose_headers always;",
        f"{indent}add_header Vary Origin always;",
    ]


def error_pages(indent: str, extra: Sequence[str] = ()) -> list[str]:
    # A location that names any error_page inherits none: list them all, every time.
    return [
        f"{indent}error_page 413 = @too_large;",
        f"{indent}error_page 502 = @bad_gateway;",
        f"{indent}error_page 504 = @gateway_timeout;",
        *(f"{indent}{line}" for line in extra),
    ]


def proxy_headers(indent: str, prefix: str) -> list[str]:
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


def api_location(
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
    i = SERVER_INDENT + "    "
    lines = [f"{SERVER_INDENT}location {match} {{"]
    lines += [f"{i}proxy_hide_header {name};" for name in EDGE_OWNED_HEADERS]
    if cors:
        # A preflight is answered here and never reaches a service (nor a rate limit).
        lines.append(f"{i}if ($request_method = OPTIONS) {{ return 204; }}")
        lines += cors_headers(i)
    else:
        lines += security_headers(i)
    if cache is not None:
        lines += microcache(i, cache)
    extra: list[str] = []
    if limit is not None:
        zone, rate = limit
        lines.append(f"{i}limit_req zone={zone} burst={rate.burst} nodelay;")
        extra.append(f"error_page 429 = @ratelimited_{zone};")
    lines += error_pages(i, extra)
    lines += proxy_headers(i, prefix)
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
    lines.append(f"{SERVER_INDENT}}}")
    return lines


def microcache(indent: str, zone: str) -> list[str]:
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


def storefront_locations(target: NginxTarget) -> list[str]:
    if target.storefront_dir is None:
        return []
    return [
        f"{SERVER_INDENT}location = /storefront {{ return 301 /storefront/; }}",
        f"{SERVER_INDENT}location /storefront/ {{",
        f"{SERVER_INDENT}    alias {target.storefront_dir}/;",
        f"{SERVER_INDENT}    index index.html;",
        f"{SERVER_INDENT}    add_header Cache-Control no-cache;",
        f"{SERVER_INDENT}}}",
    ]


def named_location(name: str, status: int, body: str, headers: Sequence[str] = ()) -> list[str]:
    i = SERVER_INDENT + "    "
    return [
        f"{SERVER_INDENT}location @{name} {{",
        *cors_headers(i),
        f"{i}add_header X-Request-Id $cm_request_id always;",
        f"{i}add_header X-Correlation-Id $cm_correlation_id always;",
        *(f"{i}add_header {h} always;" for h in headers),
        f"{i}default_type application/problem+json;",
        f"{i}return {status} {body};",
        f"{SERVER_INDENT}}}",
    ]


# Who may read one service's readiness detail: ops on the internal network (and this
# machine). Public callers get only /gateway/health's up/down.
INTERNAL_NETWORKS = ("127.0.0.0/8", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# Every health request costs four probes (each answered from a one-second readiness
# cache on the service): per address, and for everyone together.
HEALTH_ALL_RATE = RateLimit("20r/s", 40)


def health_limits(indent: str, limit: RateLimit) -> list[str]:
    return [
        f"{indent}limit_req zone=health burst={limit.burst} nodelay;",
        f"{indent}limit_req zone=health_all burst={HEALTH_ALL_RATE.burst} nodelay;",
    ]


def health_locations(services: Sequence[str], limit: RateLimit) -> list[str]:
    """`/gateway/health`: up when every upstream's /readyz says ready, else down.

    nginx OSS has no active health checks; this page asks every service now, through
    SSI subrequests to internal probe locations. It says only up or down (ADR 0024):
    which service is not ready, and why, is for ops, at `/gateway/upstreams/<service>`
    from the internal network.
    """
    i = SERVER_INDENT + "    "
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
        f"{SERVER_INDENT}location = /gateway/health {{",
        *health_limits(i, limit),
        f"{i}error_page 429 = @ratelimited_health;",
        f"{i}try_files /.credmarket-no-such-file @gateway_health;",
        f"{SERVER_INDENT}}}",
        f"{SERVER_INDENT}location @gateway_health {{",
        *cors_headers(i),
        f"{i}add_header Cache-Control no-store always;",
        f"{i}default_type application/json;",
        f"{i}ssi on;",
        f"{i}ssi_types application/json;",
        f"{i}return 200 '{body}';",
        f"{SERVER_INDENT}}}",
    ]
    for s in services:
        lines += [
            f"{SERVER_INDENT}location = /gateway/_probe/{s} {{",
            f"{i}internal;",
            f"{i}proxy_pass http://{s}/readyz;",
            f'{i}proxy_set_header Connection "";',
            f"{i}proxy_connect_timeout 2s;",
            f"{i}proxy_read_timeout 5s;",
            f"{i}proxy_intercept_errors on;",
            f"{i}error_page 500 502 503 504 = @probe_{s}_down;",
            f"{SERVER_INDENT}}}",
            f"{SERVER_INDENT}location @probe_{s}_down {{",
            f"{i}default_type application/json;",
            f'{i}return 200 \'{{"status":"$probe_{s}_state","upstream_status":"$upstream_status",'
            f'"detail":"see /gateway/upstreams/{s}"}}\';',
            f"{SERVER_INDENT}}}",
            # Each service's readiness, its status code intact (200 / 503 / 502).
            *internal_only(
                api_location(f"= /gateway/upstreams/{s}", s, prefix="", upstream_uri="/readyz"),
                limit,
            ),
        ]
    return lines


def internal_only(location: list[str], limit: RateLimit) -> list[str]:
    i = SERVER_INDENT + "    "
    guard = [f"{i}allow {network};" for network in INTERNAL_NETWORKS]
    guard += [f"{i}deny all;", *health_limits(i, limit)]
    # The location's own error_page lines come later; nginx takes the first 403/429 match.
    guard += [f"{i}error_page 403 = @forbidden;", f"{i}error_page 429 = @ratelimited_health;"]
    return [location[0], *guard, *location[1:]]


def probe_state_maps(services: Sequence[str]) -> list[str]:
    lines = []
    for s in services:
        lines += [
            f"    map $upstream_status $probe_{s}_state {{",
            '        "503"   "not-ready";',
            '        default "unreachable";',
            "    }",
        ]
    return lines

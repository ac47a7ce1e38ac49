"""One API reference for the one origin: the four services' OpenAPI documents merged.

Each service's paths get the gateway route they are reached by (`/catalog/v1/...`;
issuance's public documents stay at the root, as the gateway serves them), component
names are namespaced by service (`catalog.Offering`) with every `$ref` rewritten,
each operation keeps its own security requirement, and the tags are the services.
The Stripe webhook, authenticated by its signature rather than a token, gets a
`StripeSignature` scheme so that the reference says so.

`uv run python -m credmarket_infra.gateway.openapi_merge [--fetch URL ...] --out FILE`
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from credmarket_platform.http import problem_types
from credmarket_platform.http.problems import PROBLEM_MEDIA_TYPE, problem_response_doc

from credmarket_infra.gateway.routes import (
    ISSUANCE_PUBLIC_PREFIXES,
    PROVIDER_TOKENS_PATH,
    PURCHASE_PATH,
    SERVICES,
    VERIFY_PATH,
)

Document = dict[str, Any]

STRIPE_SCHEME = "StripeSignature"
STRIPE_SCHEME_BODY: Document = {
    "type": "apiKey",
    "in": "header",
    "name": "Stripe-Signature",
    "description": '`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the '
    "endpoint secret>`, as Stripe signs webhooks. No bearer token.",
}
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Probes stay on each service (and behind /gateway/upstreams/<service>).
_DROPPED_PATHS = {"/healthz", "/readyz", "/metrics"}


def gateway_path(service: str, path: str) -> str:
    """Where a service's path is reached through the gateway."""
    if service == "issuance" and any(path.startswith(p) for p in ISSUANCE_PUBLIC_PREFIXES):
        return path
    return f"/{service}{path}"


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in renames:
                out[key] = renames[value]
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _auth_label(security: list[dict[str, list[str]]] | None) -> str:
    if not security:
        return "public"
    names = sorted({name for requirement in security for name in requirement})
    if names == [STRIPE_SCHEME]:
        return "stripe-signature"
    return (
        "bearer"
        if any("bearer" in n.lower() or "jwt" in n.lower() for n in names)
        else "+".join(names)
    )


def _has_stripe_signature(operation: Document) -> bool:
    return any(
        p.get("in") == "header" and str(p.get("name", "")).lower() == "stripe-signature"
        for p in operation.get("parameters", [])
    )


def merge(documents: Mapping[str, Document], *, version: str = "0.1.0") -> Document:
    """Merge ``{service: openapi document}`` into one document for the gateway's origin."""
    merged: Document = {
        "openapi": "3.1.0",
        "info": {
            "title": "credmarket API",
            "version": version,
            "description": "Every HTTP endpoint of credmarket, as reached through the gateway "
            "(one origin). Paths are prefixed by service; issuance's public documents "
            "(`/credentials/`, `/issuers/`, `/status-lists/`) are at the root. Errors are "
            "RFC 9457 `application/problem+json`; the gateway adds 413 (body over the limit), "
            "429 (rate limit, with `Retry-After`) and 502/504 (service unavailable).",
        },
        "servers": [{"url": "/", "description": "the gateway"}],
        "tags": [],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
    }
    components = merged["components"]
    for service in [s for s in SERVICES if s in documents] + [
        s for s in documents if s not in SERVICES
    ]:
        doc = copy.deepcopy(documents[service])
        info = doc.get("info", {})
        merged["tags"].append(
            {"name": service, "description": info.get("description") or info.get("title", "")}
        )
        source_components: Document = doc.get("components", {})
        renames: dict[str, str] = {}
        scheme_renames: dict[str, str] = {}
        for section, entries in source_components.items():
            for name, body in entries.items():
                if section == "securitySchemes":
                    existing = components["securitySchemes"].get(name)
                    target = name if existing in (None, body) else f"{service}.{name}"
                    scheme_renames[name] = target
                    components["securitySchemes"][target] = body
                    continue
                target = f"{service}.{name}"
                renames[f"#/components/{section}/{name}"] = f"#/components/{section}/{target}"
                components.setdefault(section, {})[target] = body
        for section, entries in source_components.items():
            if section == "securitySchemes":
                continue
            for name in entries:
                target = f"{service}.{name}"
                components[section][target] = _rewrite_refs(components[section][target], renames)
        default_security = doc.get("security")
        for path, item in doc.get("paths", {}).items():
            if path in _DROPPED_PATHS:
                continue
            item = _rewrite_refs(item, renames)
            for method in _HTTP_METHODS:
                operation = item.get(method)
                if operation is None:
                    continue
                security = operation.get("security", default_security)
                if security:
                    security = [
                        {scheme_renames.get(k, k): v for k, v in requirement.items()}
                        for requirement in security
                    ]
                elif _has_stripe_signature(operation):
                    components["securitySchemes"][STRIPE_SCHEME] = STRIPE_SCHEME_BODY
                    security = [{STRIPE_SCHEME: []}]
                if security:
                    operation["security"] = security
                else:
                    # Explicitly public: no token, whatever a global default says.
                    operation["security"] = []
                operation["x-credmarket-auth"] = _auth_label(security)
                operation["x-credmarket-service"] = service
                operation["x-credmarket-service-path"] = path
                original_tags = operation.get("tags", [])
                operation["tags"] = [service]
                if original_tags:
                    operation["x-credmarket-resource"] = original_tags[0]
                if "operationId" in operation:
                    operation["operationId"] = f"{service}.{operation['operationId']}"
            merged["paths"][gateway_path(service, path)] = item
    merged["tags"].append(
        {"name": "gateway", "description": "The gateway's own endpoints: upstream health."}
    )
    merged["paths"].update(_gateway_paths())
    _add_gateway_problems(merged)
    merged["x-credmarket-problem-types"] = problem_types.catalogue()
    return merged


_RATE_LIMITED = {
    ("post", PROVIDER_TOKENS_PATH),
    ("post", PURCHASE_PATH),
    ("post", VERIFY_PATH),
}


def _add_gateway_problems(merged: Document) -> None:
    """What the gateway itself answers in front of a service (ADR 0016)."""
    for path, item in merged["paths"].items():
        for method in _HTTP_METHODS:
            operation = item.get(method)
            if operation is None or operation.get("x-credmarket-service") == "gateway":
                continue
            service = operation["x-credmarket-service"]
            kinds = [problem_types.UPSTREAM_UNAVAILABLE, problem_types.UPSTREAM_TIMEOUT]
            if "requestBody" in operation:
                kinds.append(problem_types.REQUEST_TOO_LARGE)
            if (method, path) in _RATE_LIMITED:
                kinds.append(problem_types.RATE_LIMITED)
            responses = operation.setdefault("responses", {})
            for kind in kinds:
                response = responses.setdefault(str(kind.status), {})
                content = response.setdefault("content", {}).setdefault(PROBLEM_MEDIA_TYPE, {})
                content.setdefault("schema", {"$ref": f"#/components/schemas/{service}.Problem"})
                examples = content.setdefault("examples", {})
                examples.setdefault(kind.slug, {"summary": kind.title, "value": kind.example()})
                titles = [e["summary"] for e in examples.values()]
                response["description"] = " / ".join(dict.fromkeys(titles))


def _problem_doc(kind: problem_types.ProblemType) -> Document:
    doc = problem_response_doc(kind.status, [kind])
    doc.pop("model")
    # The gateway's own answers have no service's Problem schema to point at.
    doc["content"][PROBLEM_MEDIA_TYPE]["schema"] = {"type": "object"}
    return doc


def _gateway_paths() -> Document:
    json_content = {"application/json": {"schema": {"type": "object"}}}
    return {
        "/gateway/health": {
            "get": {
                "tags": ["gateway"],
                "summary": "Up when every service is ready, else down (rate-limited per address)",
                "operationId": "gateway.health",
                "security": [],
                "x-credmarket-auth": "public",
                "x-credmarket-service": "gateway",
                "responses": {"200": {"description": "status up or down", "content": json_content}},
            }
        },
        "/gateway/upstreams/{service}": {
            "get": {
                "tags": ["gateway"],
                "summary": "One service's /readyz, its status code intact (internal network only)",
                "operationId": "gateway.upstream",
                "security": [],
                "x-credmarket-auth": "public",
                "x-credmarket-service": "gateway",
                "parameters": [
                    {
                        "name": "service",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(SERVICES)},
                    }
                ],
                "responses": {
                    "200": {"description": "ready", "content": json_content},
                    "503": _problem_doc(problem_types.TEMPORARILY_UNAVAILABLE),
                    "502": _problem_doc(problem_types.UPSTREAM_UNAVAILABLE),
                },
            }
        },
    }


def fetch_documents(base_urls: Mapping[str, str], timeout_s: float = 10.0) -> dict[str, Document]:
    """Each running service's own /openapi.json."""
    documents = {}
    with httpx.Client(timeout=timeout_s) as client:
        for service, base in base_urls.items():
            response = client.get(f"{base.rstrip('/')}/openapi.json")
            response.raise_for_status()
            documents[service] = response.json()
    return documents


def generate_documents() -> dict[str, Document]:
    """The services' documents from their app factories, in process (no servers, no I/O)."""
    import importlib
    import os

    # Building an app needs settings; dev mode supplies dev keys, nothing connects.
    before = os.environ.get("CREDMARKET_DEV_MODE")
    os.environ["CREDMARKET_DEV_MODE"] = "true"
    try:
        documents = {}
        for service in SERVICES:
            app_module = importlib.import_module(f"{service}.app")
            app = app_module.create_app()
            documents[service] = app.openapi()
        return documents
    finally:
        if before is None:
            del os.environ["CREDMARKET_DEV_MODE"]
        else:
            os.environ["CREDMARKET_DEV_MODE"] = before


def write(document: Document, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.new")
    tmp.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fetch",
        nargs="*",
        metavar="SERVICE=URL",
        help="fetch from running services (default: build each app in process)",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.fetch:
        urls = dict(item.split("=", 1) for item in args.fetch)
        documents = fetch_documents(urls)
    else:
        documents = generate_documents()
    write(merge(documents), args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

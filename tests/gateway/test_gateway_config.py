"""The rendered nginx configs (checked by real nginx), the settings, and the OpenAPI merge."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from credmarket_infra.gateway import runner
from credmarket_infra.gateway.nginx_conf import (
    COMPOSE_CONF,
    render_compose_conf,
    render_nginx_conf,
)
from credmarket_infra.gateway.nginx_target import local_target
from credmarket_infra.gateway.openapi_merge import merge
from credmarket_infra.gateway.settings import (
    GatewaySettings,
    RateLimit,
    gateway_settings_from_env,
)

pytestmark = pytest.mark.integration

UPSTREAMS = {s: ["127.0.0.1:1"] for s in ("catalog", "enrollment", "payments", "issuance")}


def test_local_config_is_accepted_by_nginx(tmp_path: Path) -> None:
    settings = GatewaySettings(port=18000, cors_origins=("https://app.credmarket.example",))
    text = render_nginx_conf(settings, UPSTREAMS, local_target(tmp_path, 18000, tmp_path / "o"))
    runner.write_conf(tmp_path, text)  # runs `nginx -t`
    assert '"https://app.credmarket.example" $http_origin;' in text
    assert "limit_req_zone $binary_remote_addr zone=provider_token:1m rate=5r/m;" in text
    assert "client_max_body_size 1m;" in text
    assert f"pid {tmp_path}/nginx.pid;" in text


def test_compose_config_is_committed_and_accepted_by_nginx(tmp_path: Path) -> None:
    committed = COMPOSE_CONF.read_text()
    assert committed == render_compose_conf(), (
        "infra/gateway/compose/nginx.conf is stale: "
        "uv run python -m credmarket_infra.gateway.nginx_conf"
    )
    # The image's `nginx` user, cache directory and Compose's host names exist only there.
    local = committed.replace("user nginx;\n", "").replace("/var/cache/nginx/", f"{tmp_path}/")
    for name, port in (("catalog", 8001), ("enrollment", 8002), ("payments", 8003)):
        local = local.replace(f"server {name}:{port};", f"server 127.0.0.1:{port};")
    local = local.replace("server issuance:8004;", "server 127.0.0.1:8004;")
    conf = tmp_path / "nginx.conf"
    conf.write_text(local)
    (tmp_path / "logs").mkdir()
    result = subprocess.run(
        [runner.nginx_binary(), "-t", "-q", "-p", f"{tmp_path}/", "-c", str(conf), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_settings_from_environment() -> None:
    settings = gateway_settings_from_env(
        {
            "CREDMARKET_GATEWAY_PORT": "9000",
            "CREDMARKET_CORS_ORIGINS": "https://app.example, http://localhost:5173/",
            "CREDMARKET_GATEWAY_TOKEN_RATE": "3r/m",
            "CREDMARKET_GATEWAY_VERIFY_BURST": "7",
        }
    )
    assert settings.port == 9000
    assert settings.cors_origins == ("https://app.example", "http://localhost:5173")
    assert settings.token_limit == RateLimit("3r/m", 5)
    assert settings.verify_limit == RateLimit("20r/s", 7)
    assert RateLimit("5r/m", 5).retry_after_s == 12
    assert RateLimit("20r/s", 40).retry_after_s == 1
    with pytest.raises(ValueError, match="origin"):
        gateway_settings_from_env({"CREDMARKET_CORS_ORIGINS": 'https://x.example"; evil'})
    with pytest.raises(ValueError, match="rate"):
        RateLimit("lots", 1)


def _doc(title: str, paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1", "description": f"{title} service"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"BearerJWT": {"type": "http", "scheme": "bearer"}},
        },
    }


def test_merge_prefixes_paths_namespaces_schemas_and_keeps_security() -> None:
    offering = {"type": "object", "properties": {"id": {"type": "string"}}}
    ref = {"$ref": "#/components/schemas/Offering"}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}}}
    catalog = _doc(
        "catalog",
        {
            "/v1/offerings": {
                "get": {"operationId": "search", "tags": ["browse"], "responses": ok}
            },
            "/healthz": {"get": {"responses": {}}},
        },
        {"Offering": offering, "Page": {"type": "array", "items": ref}},
    )
    enrollment = _doc(
        "enrollment",
        {
            "/v1/enrollments": {
                "post": {
                    "operationId": "buy",
                    "security": [{"BearerJWT": []}],
                    "requestBody": {"content": {"application/json": {"schema": ref}}},
                    "responses": ok,
                }
            }
        },
        {"Offering": {"type": "object", "properties": {"version": {"type": "integer"}}}},
    )
    payments = _doc(
        "payments",
        {
            "/v1/stripe/webhook": {
                "post": {
                    "parameters": [{"name": "Stripe-Signature", "in": "header"}],
                    "responses": {},
                }
            }
        },
        {},
    )
    issuance = _doc(
        "issuance",
        {
            "/issuers/{id}/did.json": {"get": {"responses": {}}},
            "/v1/verify": {"post": {"responses": {}}},
        },
        {},
    )
    merged = merge(
        {"catalog": catalog, "enrollment": enrollment, "payments": payments, "issuance": issuance}
    )

    paths = merged["paths"]
    assert "/catalog/v1/offerings" in paths
    assert "/catalog/healthz" not in paths
    assert "/issuers/{id}/did.json" in paths  # public, at the root
    assert "/issuance/v1/verify" in paths
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"catalog.Offering", "catalog.Page", "enrollment.Offering"}
    assert schemas["catalog.Page"]["items"] == {"$ref": "#/components/schemas/catalog.Offering"}
    buy = paths["/enrollment/v1/enrollments"]["post"]
    assert buy["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/enrollment.Offering"
    }
    assert buy["security"] == [{"BearerJWT": []}]
    assert buy["x-credmarket-auth"] == "bearer"
    assert buy["tags"] == ["enrollment"]
    assert buy["operationId"] == "enrollment.buy"
    search = paths["/catalog/v1/offerings"]["get"]
    assert search["security"] == []
    assert search["x-credmarket-auth"] == "public"
    assert search["x-credmarket-resource"] == "browse"
    webhook = paths["/payments/v1/stripe/webhook"]["post"]
    assert webhook["security"] == [{"StripeSignature": []}]
    assert webhook["x-credmarket-auth"] == "stripe-signature"
    assert merged["components"]["securitySchemes"]["StripeSignature"]["name"] == "Stripe-Signature"
    assert [t["name"] for t in merged["tags"]] == [
        "catalog",
        "enrollment",
        "payments",
        "issuance",
        "gateway",
    ]


def test_merge_of_the_real_services(tmp_path: Path) -> None:
    """Generated in process from the four app factories: every $ref resolves."""
    from credmarket_infra.gateway.openapi_merge import generate_documents

    merged = merge(generate_documents())
    refs: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    refs.append(value)
                else:
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(merged)
    assert refs
    for ref in refs:
        _, _, section, name = ref.split("/", 3)
        assert name in merged["components"][section], ref
    assert merged["paths"]["/enrollment/v1/enrollments"]["post"]["x-credmarket-auth"] == "bearer"

"""Every deployment gives each service exactly what credmarket_infra.deploy.contract declares,
and the tokens that matter are accepted or refused there as they must be.

Deployments: the local stack (`service_env`), docker-compose.yml as `docker compose config`
renders it with a generated .env, and each Kubernetes overlay as `kustomize build` renders
it (ConfigMaps and the Secrets' declared keys, with test values for the secrets).
The tools come from infra/tool.sh (installed into .stack/bin on first use).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import yaml  # type: ignore[import-untyped]
from credmarket_events.topics import TOPICS
from credmarket_infra.deploy import contract, topics
from credmarket_infra.deploy.contract import CONTRACTS, ServiceContract
from credmarket_infra.stack.config import StackConfig
from credmarket_infra.stack.services import SERVICES, service_env
from credmarket_platform.auth import TokenRejected, TokenVerifier, build_jwks, mint_token
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
CONFIG_JSON = ("config", "--format", "json")
OLD_PUBLIC_DEFAULT = "dev-only-jwt-secret-not-for-production"
Envs = dict[str, dict[str, str]]


def tool(name: str) -> list[str]:
    out = subprocess.run(
        [str(ROOT / "infra" / "tool.sh"), name], check=True, capture_output=True, text=True
    ).stdout
    return out.split()


def generated_compose_env(path: Path) -> Path:
    text = subprocess.run(
        [str(ROOT / "infra" / "docker" / "compose-env.sh")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path.write_text(text)
    return path


def compose_config(env_file: Path) -> dict[str, Any]:
    out = subprocess.run(
        [*tool("compose"), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), *CONFIG_JSON],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("CREDMARKET_", "POSTGRES_"))},
    ).stdout
    rendered: dict[str, Any] = json.loads(out)
    return rendered


def compose_envs(config: Mapping[str, Any]) -> Envs:
    services = config["services"]
    return {
        c.name: {k: str(v) for k, v in (services[c.name].get("environment") or {}).items()}
        for c in CONTRACTS
    }


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return compose_config(generated_compose_env(tmp_path_factory.mktemp("compose") / ".env"))


# --- Kubernetes -------------------------------------------------------------------------
def kustomize(overlay: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [*tool("kustomize"), "build", str(ROOT / "infra/k8s/overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def secret_keys(secret: Mapping[str, Any]) -> list[str]:
    annotations = secret["metadata"].get("annotations", {})
    keys = annotations.get("credmarket.io/expected-keys", "").split(",")
    keys += annotations.get("credmarket.io/dev-keys", "").split(",")
    return [k.strip() for k in keys if k.strip()]


def secret_value(name: str) -> str:
    """What an operator would put in a Secret: the right shape, random."""
    if name.endswith("_KEK"):
        import base64

        return base64.b64encode(os.urandom(32)).decode()
    if name.endswith("_DATABASE_URL"):
        return "postgresql+asyncpg://svc:pw@db:5432/x"
    if name == "CREDMARKET_STRIPE_API_KEY":
        return "sk_test_" + uuid.uuid4().hex
    if name == "CREDMARKET_STRIPE_WEBHOOK_SECRET":
        return "whsec_" + uuid.uuid4().hex
    return uuid.uuid4().hex + uuid.uuid4().hex  # a dev token secret: 64 bytes


def k8s_envs(documents: list[dict[str, Any]]) -> tuple[Envs, dict[str, frozenset[str]]]:
    """Each Deployment's container env (envFrom ConfigMaps and Secrets, then env), and
    which of its variables come from a Secret."""
    by_kind: dict[tuple[str, str], dict[str, Any]] = {
        (d["kind"], d["metadata"]["name"]): d for d in documents
    }
    envs: Envs = {}
    from_secrets: dict[str, frozenset[str]] = {}
    for (kind, name), document in by_kind.items():
        if kind != "Deployment":
            continue
        container = document["spec"]["template"]["spec"]["containers"][0]
        env: dict[str, str] = {}
        secret_names: set[str] = set()
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                env.update(by_kind[("ConfigMap", source["configMapRef"]["name"])]["data"])
            if "secretRef" in source:
                for key in secret_keys(by_kind[("Secret", source["secretRef"]["name"])]):
                    env[key] = secret_value(key)
                    secret_names.add(key)
        for item in container.get("env", []):
            env[item["name"]] = str(item.get("value", ""))
        envs[name] = {k: str(v) for k, v in env.items()}
        from_secrets[name] = frozenset(secret_names)
    return envs, from_secrets


@pytest.fixture(scope="module", params=["dev", "prod"])
def overlay(request: pytest.FixtureRequest) -> tuple[str, Envs, dict[str, frozenset[str]]]:
    envs, secrets = k8s_envs(kustomize(request.param))
    return request.param, envs, secrets


# --- the local stack ----------------------------------------------------------------------
@pytest.fixture
def local_envs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Envs:
    """What `./dev up` gives each service process, on the default ports."""
    for name in list(os.environ):
        if name.startswith("CREDMARKET_"):
            monkeypatch.delenv(name)
    config = StackConfig(root=tmp_path)
    config.stack_dir.mkdir(parents=True)
    from credmarket_infra.stack.envfile import write_env

    write_env(config)
    return {s.name: service_env(config, s) for s in SERVICES}


LOCAL_CATALOG = "http://127.0.0.1:8001"  # catalog's default port (local_envs clears overrides)


# --- what every deployment must satisfy ------------------------------------------------------
def test_the_local_stack_gives_each_service_exactly_its_contract(local_envs: Envs) -> None:
    assert contract.violations("local stack", local_envs, catalog_base_url=LOCAL_CATALOG) == []


def test_compose_gives_each_service_exactly_its_contract(compose: dict[str, Any]) -> None:
    envs = compose_envs(compose)
    assert contract.violations("compose", envs, catalog_base_url="http://catalog:8001") == []
    for c in CONTRACTS:
        # Migrations read the same settings as the service they migrate.
        assert (
            compose["services"][f"{c.name}-migrate"]["environment"]
            == (compose["services"][c.name]["environment"])
        )


def test_each_kubernetes_overlay_gives_each_service_exactly_its_contract(
    overlay: tuple[str, Envs, dict[str, frozenset[str]]],
) -> None:
    name, envs, secrets = overlay
    found = contract.violations(
        f"k8s {name}", envs, catalog_base_url="http://catalog:8001", secret_sources=secrets
    )
    assert found == []


def test_the_contract_finds_a_missing_variable_an_unread_one_and_a_lost_trust(
    local_envs: Envs,
) -> None:
    broken = {name: dict(env) for name, env in local_envs.items()}
    del broken["issuance"]["CREDMARKET_ISSUANCE_KEK"]
    broken["payments"]["CREDMARKET_ISSUANCE_KEK"] = "x"
    broken["enrollment"]["CREDMARKET_JWT_JWKS_URLS"] = ""
    found = contract.violations("broken", broken, catalog_base_url=LOCAL_CATALOG)
    assert "broken: issuance lacks CREDMARKET_ISSUANCE_KEK" in found
    assert "broken: payments is given CREDMARKET_ISSUANCE_KEK, which it does not read" in found
    assert any(f.startswith("broken: enrollment does not trust catalog") for f in found)
    assert len(found) == 3


def test_a_secret_in_a_configmap_is_found(
    overlay: tuple[str, Envs, dict[str, frozenset[str]]],
) -> None:
    name, envs, secrets = overlay
    leaked = {**secrets, "payments": secrets["payments"] - {"CREDMARKET_STRIPE_API_KEY"}}
    found = contract.violations(
        name, envs, catalog_base_url="http://catalog:8001", secret_sources=leaked
    )
    assert found == [
        f"{name}: payments gets the secret CREDMARKET_STRIPE_API_KEY outside a secret store"
    ]


def test_every_service_topic_is_created_by_compose_and_the_stack() -> None:
    created = set(topics.parse(topics.SCRIPT.read_text()))
    for c in CONTRACTS:
        assert c.topics, c.name
        assert c.topics <= created
        assert c.topics <= {t.name for t in TOPICS}


# --- tokens, with the settings each deployment gives ------------------------------------------
@pytest.fixture(scope="module")
def catalog_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def verifier_for(
    service: ServiceContract, env: Mapping[str, str], jwks_url: str, jwks: dict[str, Any]
) -> TokenVerifier:
    """The service's verifier, built from its deployment env by its own settings class;
    catalog's JWKS answered at the URL the deployment points it to."""
    settings = service.settings_class.model_validate(dict(env))

    def answer(request: httpx.Request) -> httpx.Response:
        if str(request.url) == jwks_url:
            return httpx.Response(200, json=jwks)
        return httpx.Response(404)

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return TokenVerifier.from_settings(settings, http_client=client)


def provider_token(envs: Envs, key: ec.EllipticCurvePrivateKey) -> str:
    """What catalog mints: ES256, its configured issuer, kid of its JWKS entry."""
    return mint_token(
        str(uuid.uuid4()),
        "provider",
        issuer=contract.catalog_issuer(envs["catalog"]),
        audience=envs["catalog"].get("CREDMARKET_JWT_AUDIENCE", "credmarket"),
        private_key=key,
        kid="catalog-1",
    )


def forged_with_the_old_default(envs: Envs) -> list[str]:
    """Ops tokens signed with the secret Compose once published, for each issuer name a
    service might accept by HS256."""
    issuers = {"credmarket-dev"} | {
        name.strip()
        for env in envs.values()
        for name in env.get("CREDMARKET_JWT_ISSUERS", "").split(",")
        if name.strip()
    }
    now = int(time.time())
    return [
        jwt.encode(
            {
                "iss": i,
                "aud": "credmarket",
                "sub": "mallory",
                "role": "ops",
                "iat": now,
                "nbf": now,
                "exp": now + 300,
            },
            OLD_PUBLIC_DEFAULT,
            algorithm="HS256",
        )
        for i in sorted(issuers)
    ]


async def check_tokens(envs: Envs, catalog_base_url: str, key: ec.EllipticCurvePrivateKey) -> None:
    jwks_url = f"{catalog_base_url}{contract.JWKS_PATH}"
    jwks = build_jwks([("catalog-1", key)])
    token = provider_token(envs, key)
    forged = forged_with_the_old_default(envs)
    for service in CONTRACTS:
        verifier = verifier_for(service, envs[service.name], jwks_url, jwks)
        try:
            if service.trusts_catalog:
                principal = await verifier.verify(token)
                assert principal.role == "provider", service.name
            for bad in forged:
                with pytest.raises(TokenRejected):
                    await verifier.verify(bad)
        finally:
            await verifier.aclose()


async def test_local_stack_tokens(
    local_envs: Envs, catalog_key: ec.EllipticCurvePrivateKey
) -> None:
    await check_tokens(local_envs, LOCAL_CATALOG, catalog_key)


async def test_compose_tokens(
    compose: dict[str, Any], catalog_key: ec.EllipticCurvePrivateKey
) -> None:
    await check_tokens(compose_envs(compose), "http://catalog:8001", catalog_key)


async def test_kubernetes_tokens(
    overlay: tuple[str, Envs, dict[str, frozenset[str]]], catalog_key: ec.EllipticCurvePrivateKey
) -> None:
    _name, envs, _secrets = overlay
    await check_tokens(envs, "http://catalog:8001", catalog_key)


def test_the_old_default_secret_is_refused_even_if_a_deployment_sets_it(
    compose: dict[str, Any],
) -> None:
    for service in CONTRACTS:
        env = {
            **compose_envs(compose)[service.name],
            "CREDMARKET_DEV_MODE": "true",
            "CREDMARKET_JWT_DEV_SECRET": OLD_PUBLIC_DEFAULT,
        }
        with pytest.raises(ValueError, match="published default"):
            service.settings_class.model_validate(env)


def test_compose_refuses_to_start_without_its_secrets() -> None:
    result = subprocess.run(
        [*tool("compose"), "--env-file", os.devnull, "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("CREDMARKET_", "POSTGRES_"))},
    )
    assert result.returncode != 0
    assert "infra/docker/compose-env.sh" in result.stderr

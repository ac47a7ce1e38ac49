"""What the Compose check asks of the running system over HTTP: a whole purchase through
its gateway, one provider token on every service, and the dev secret refused in
production mode."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt

from credmarket_infra.demo.__main__ import PlayedPurchase, play
from credmarket_infra.demo.client import Marketplace
from credmarket_infra.demo.routes import Routes
from credmarket_infra.deploy.compose_engine import CheckFailed, Compose

# What docker-compose.yml once fell back to: public, so every service must refuse it.
OLD_PUBLIC_DEFAULT_SECRET = "dev-only-jwt-secret-not-for-production"  # noqa: S105
SERVICE_NAMES = ("catalog", "enrollment", "payments", "issuance")


async def check_tokens(market: Marketplace, played: PlayedPurchase) -> None:
    """Catalog's provider token works on every service that takes one; the old public
    default secret works nowhere."""
    http, url = market.http, market.routes.url
    provider = {"Authorization": f"Bearer {played.provider_token}"}
    accepted = {
        "enrollment": await http.get(url("enrollment", "/v1/enrollments"), headers=provider),
        "payments": await http.get(url("payments", "/v1/earnings"), headers=provider),
        "issuance": await http.post(
            url("issuance", f"/v1/issuers/{played.provider_id}/keys/rotate"),
            headers={**provider, "Idempotency-Key": str(uuid.uuid4())},
        ),
    }
    for service, response in accepted.items():
        if response.status_code not in (200, 201):
            raise CheckFailed(
                f"{service} refused catalog's provider token: {response.status_code} "
                f"{response.text[:300]}"
            )
        print(f"  {service} accepted catalog's provider token ({response.status_code})")

    now = int(time.time())
    forged = jwt.encode(
        {
            "iss": "credmarket-dev",
            "aud": "credmarket",
            "sub": str(uuid.uuid4()),
            "role": "ops",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
        },
        OLD_PUBLIC_DEFAULT_SECRET,
        algorithm="HS256",
    )
    ops = {"Authorization": f"Bearer {forged}"}
    refused = {
        "catalog": await http.get(
            url("catalog", f"/v1/providers/{played.provider_id}"), headers=ops
        ),
        "enrollment": await http.get(url("enrollment", "/v1/enrollments"), headers=ops),
        "payments": await http.get(
            url("payments", "/v1/earnings"), params={"provider_id": played.provider_id}, headers=ops
        ),
        "issuance": await http.post(
            url("issuance", f"/v1/issuers/{played.provider_id}/keys/rotate"),
            headers={**ops, "Idempotency-Key": str(uuid.uuid4())},
        ),
    }
    for service, response in refused.items():
        if response.status_code != 401:
            raise CheckFailed(
                f"{service} did not refuse a token signed with the old public default secret: "
                f"{response.status_code} {response.text[:300]}"
            )
        print(f"  {service} refused the old public default secret (401)")


async def play_through_gateway(env: dict[str, str]) -> None:
    gateway = f"http://127.0.0.1:{env['CREDMARKET_COMPOSE_GATEWAY_PORT']}"
    stripe = f"http://127.0.0.1:{env['CREDMARKET_COMPOSE_STRIPE_PORT']}"
    async with httpx.AsyncClient(timeout=30) as http:
        live = await http.get(f"{gateway}/gateway/live")
        if live.status_code != 200:
            raise CheckFailed(f"gateway not live: {live.status_code}")
        market = Marketplace(Routes(gateway=gateway), http)
        played = await play(market, stripe, env["CREDMARKET_JWT_DEV_SECRET"])
        await check_tokens(market, played)


def engine_api(docker_host: str) -> httpx.Client:
    """The engine's Docker API (podman's or Docker's), for what Compose does not report."""
    if docker_host.startswith("unix://"):
        transport = httpx.HTTPTransport(uds=docker_host.removeprefix("unix://"))
        return httpx.Client(transport=transport, base_url="http://engine", timeout=30)
    return httpx.Client(base_url=docker_host.replace("tcp://", "http://"), timeout=30)


def check_production_mode_refuses_the_dev_secret(compose: Compose) -> None:
    """Each service image, started in production mode with the dev token secret still set,
    must refuse to start (and say why) rather than trust HS256 tokens. The exit code is
    read from the engine: podman's API answers 0 for `compose run --rm` whatever it was."""
    with engine_api(compose.engine_env["DOCKER_HOST"]) as api:
        for service in SERVICE_NAMES:
            name = f"{compose.project}-{service}-production-mode"
            api.delete(f"/containers/{name}", params={"force": "true"})
            result = compose.run(
                "run",
                "--name",
                name,
                "--no-deps",
                "-T",
                "--env",
                "CREDMARKET_DEV_MODE=false",
                service,
                capture=True,
                check=False,
                timeout=180,
            )
            state = api.get(f"/containers/{name}/json").json().get("State", {})
            api.delete(f"/containers/{name}", params={"force": "true"})
            said = (result.stdout or "") + (result.stderr or "")
            exit_code = state.get("ExitCode")
            if exit_code in (0, None) or "CREDMARKET_DEV_MODE is not true" not in said:
                raise CheckFailed(
                    f"{service} started in production mode with a dev secret "
                    f"(exit {exit_code}): {said[-500:]}"
                )
            print(
                f"  {service} refused to start in production mode with a dev secret "
                f"(exit {exit_code})"
            )

"""The four services as separate local processes: migrate, start, wait until ready, stop."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from credmarket_infra.deploy import contract
from credmarket_infra.gateway.routes import WEBHOOK_PATH
from credmarket_infra.gateway.settings import gateway_base_url
from credmarket_infra.stack.config import HOST, StackConfig
from credmarket_infra.stack.envfile import LOCAL_STRIPE_API_KEY, parse_env
from credmarket_infra.stack.process import running_pid, spawn, stop_pid_file
from credmarket_infra.stack.secrets import dev_secrets
from credmarket_infra.stack.waiting import StartupError


@dataclass(frozen=True)
class Service:
    name: str
    default_port: int

    def port(self) -> int:
        return int(os.environ.get(f"CREDMARKET_{self.name.upper()}_PORT", self.default_port))

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port()}"

    def migrations_dir(self) -> Path:
        spec = importlib.util.find_spec(self.name)
        if spec is None or spec.origin is None:
            raise StartupError(f"service package {self.name!r} is not installed; run uv sync")
        return Path(spec.origin).parent / "db" / "migrations"


SERVICES = (
    Service("catalog", 8001),
    Service("enrollment", 8002),
    Service("payments", 8003),
    Service("issuance", 8004),
)
CATALOG, ENROLLMENT, PAYMENTS, ISSUANCE = SERVICES
WEBHOOK_ID = "credmarket"


def service_env(config: StackConfig, service: Service) -> dict[str, str]:
    """What one service process gets: the stack's addresses, dev secrets, who trusts whom,
    and of the CREDMARKET_* variables only those it reads (credmarket_infra.deploy.contract)."""
    env = dict(os.environ)
    env.update(parse_env(config.env_file.read_text()))
    env.update(dev_secrets(config))
    catalog_jwks = f"{CATALOG.base_url}/.well-known/jwks.json"
    env.update(
        {
            "CREDMARKET_DEV_MODE": "true",
            "CREDMARKET_JWT_ISSUERS": "credmarket-dev",
            "CREDMARKET_JWT_AUDIENCE": "credmarket",
            # Provider tokens are signed by catalog and verified with its published keys.
            "CREDMARKET_JWT_JWKS_URLS": f"credmarket-catalog={catalog_jwks}",
            # Credential links and did:web documents are public through the gateway.
            "CREDMARKET_ISSUANCE_PUBLIC_BASE_URL": gateway_base_url(),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for each in SERVICES:
        env[f"CREDMARKET_{each.name.upper()}_PORT"] = str(each.port())
    stripe = real_stripe(config)
    if stripe is not None:
        # Real Stripe: its API at its own address, its webhooks signed with its secret.
        env.update(stripe)
        env.pop("CREDMARKET_STRIPE_API_BASE", None)
        for name in ("CREDMARKET_STRIPE_PUBLISHABLE_KEY", "CREDMARKET_STRIPE_JS_URL"):
            if name not in stripe:
                env.pop(name, None)
    # Everything a service needs is in this environment; no env file may add to it.
    env["CREDMARKET_ENV_FILE"] = os.devnull
    readable = contract.BY_NAME[service.name].readable
    return {k: v for k, v in env.items() if not k.startswith("CREDMARKET_") or k in readable}


def real_stripe(config: StackConfig) -> dict[str, str] | None:
    """Stripe test keys in the project's `.env` switch payments from the stand-in to Stripe.

    `.env` then holds CREDMARKET_STRIPE_API_KEY (sk_test_...) and the webhook signing
    secret of the endpoint registered at Stripe (CREDMARKET_STRIPE_WEBHOOK_SECRET).
    """
    path = config.root / ".env"
    values = parse_env(path.read_text()) if path.is_file() else {}
    key = values.get("CREDMARKET_STRIPE_API_KEY", "")
    if not key.startswith(("sk_test_", "rk_test_", "sk_live_", "rk_live_")):
        return None
    if key == LOCAL_STRIPE_API_KEY:
        return None
    if not values.get("CREDMARKET_STRIPE_WEBHOOK_SECRET"):
        raise StartupError(
            f"{path} sets a real Stripe key but no CREDMARKET_STRIPE_WEBHOOK_SECRET "
            "(the signing secret of the webhook endpoint you registered at Stripe)"
        )
    return {k: v for k, v in values.items() if k.startswith("CREDMARKET_STRIPE_")}


def _marker(service: Service) -> str:
    return f"-m {service.name}"


def pid(config: StackConfig, service: Service) -> int | None:
    return running_pid(config.pid_file(service.name), _marker(service))


def migrate(config: StackConfig, service: Service) -> None:
    from credmarket_platform.db.migrations import upgrade

    url = parse_env(config.env_file.read_text())[f"CREDMARKET_{service.name.upper()}_DATABASE_URL"]
    upgrade(service.migrations_dir(), url)


def launch(config: StackConfig, service: Service) -> None:
    """Migrate and spawn, without waiting: services start in parallel, then are awaited."""
    if pid(config, service) is None:
        migrate(config, service)
        spawn(
            [sys.executable, "-m", service.name],
            pid_file=config.pid_file(service.name),
            log_file=config.log_file(service.name),
            cwd=config.root,
            env=service_env(config, service),
        )


def start(config: StackConfig, service: Service, *, timeout: float = 90.0) -> None:
    launch(config, service)
    wait_ready(config, service, timeout)
    if service is PAYMENTS and real_stripe(config) is None:
        register_stripe_webhook(config)


def wait_ready(config: StackConfig, service: Service, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if pid(config, service) is None:
            raise StartupError(f"{service.name} exited; see {config.log_file(service.name)}")
        try:
            response = httpx.get(f"{service.base_url}/readyz", timeout=2.0)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.25)
    raise StartupError(f"{service.name} not ready after {timeout:.0f}s ({last})")


def register_stripe_webhook(config: StackConfig) -> None:
    """Point the Stripe stand-in's webhooks at payments through the gateway, as Stripe
    reaches it (the stand-in forgets them on restart)."""
    secret = dev_secrets(config)["CREDMARKET_STRIPE_WEBHOOK_SECRET"]
    response = httpx.post(
        f"{config.stripe_api_base}/_config/webhooks/{WEBHOOK_ID}",
        data={"url": f"{gateway_base_url()}{WEBHOOK_PATH}", "secret": secret},
        timeout=10.0,
    )
    response.raise_for_status()


def stop(config: StackConfig, service: Service) -> bool:
    return stop_pid_file(config.pid_file(service.name), _marker(service), timeout=20.0)

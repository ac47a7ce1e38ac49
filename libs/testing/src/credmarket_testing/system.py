"""The whole marketplace as separate processes, for end-to-end and fault tests.

Each `System` gets its own four databases and its own copy of every topic (a
unique prefix), so it shares nothing with the developer's running stack or with
another test session, but stands on the same real broker, database server and
Stripe stand-in. Services can be killed (SIGKILL), restarted, and run as
several replicas.

With ``gateway=True`` an nginx of its own (the real gateway config, docs/gateway.md)
listens on a free port in front of the services, as the frontend and Stripe reach
them: ``system.gateway_url``; the Stripe stand-in's webhook and issuance's public
base URL then point at the gateway.

For outages: ``db_proxies=("enrollment", ...)`` gives those services their database
through a ``FaultProxy`` the test can cut and restore (``system.db_proxy(service)``);
``private_stripe=True`` runs a Stripe stand-in of the system's own that the test can
stop and start (``system.stripe``, ``system.restart_stripe()``).
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import signal
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
from credmarket_events.topics import TOPICS
from credmarket_platform.auth.tokens import mint_token
from credmarket_platform.db.migrations import upgrade_async

from credmarket_testing.fault_proxy import FaultProxy
from credmarket_testing.infra import Infra
from credmarket_testing.kafka import create_topics, delete_topics
from credmarket_testing.ports import free_port
from credmarket_testing.service_process import ServiceProcess, migrations_dir
from credmarket_testing.stripe_probe import forget_stripe_webhook, register_stripe_webhook
from credmarket_testing.stripe_stand_in import StripeStandIn

if TYPE_CHECKING:
    from credmarket_infra.gateway.settings import GatewaySettings

SERVICE_NAMES = ("catalog", "enrollment", "payments", "issuance")
DEV_ISSUER = "credmarket-dev"
AUDIENCE = "credmarket"


__all__ = ["SERVICE_NAMES", "ServiceProcess", "System", "free_port", "migrations_dir"]


@dataclass
class System:
    infra: Infra
    logs_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    # Per service, on top of extra_env (e.g. {"issuance": {"CREDMARKET_WEB_WORKERS": "2"}}).
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    prefix: str = field(default_factory=lambda: "e2e" + uuid.uuid4().hex[:8])
    replicas: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    webhook_secret: str = field(default_factory=lambda: "whsec_" + secrets.token_hex(24))
    kek_catalog: str = field(default_factory=lambda: base64.b64encode(os.urandom(32)).decode())
    kek_issuance: str = field(default_factory=lambda: base64.b64encode(os.urandom(32)).decode())
    # The edge: nginx on a free port in front of the services (None: the defaults).
    gateway: bool = False
    gateway_settings: GatewaySettings | None = None
    gateway_proc: asyncio.subprocess.Process | None = None
    # Outages (see the module docstring).
    db_proxies: tuple[str, ...] = ()
    private_stripe: bool = False
    proxies: dict[str, FaultProxy] = field(default_factory=dict)
    stripe: StripeStandIn | None = None

    @property
    def topic_prefix(self) -> str:
        return f"{self.prefix}."

    def database_name(self, service: str) -> str:
        return f"{self.prefix}_{service}"

    def database_url(self, service: str) -> str:
        """The database itself (tests read it here, whatever the service's way to it)."""
        return self.infra.database_url(self.database_name(service))

    def service_database_url(self, service: str) -> str:
        """Where the service finds its database: through its proxy, if it has one."""
        proxy = self.proxies.get(service)
        if proxy is None:
            return self.database_url(service)
        return self.infra.database_url(self.database_name(service)).replace(
            f"@{self.infra.pg_host}:{self.infra.pg_port}/", f"@127.0.0.1:{proxy.port}/"
        )

    def db_proxy(self, service: str) -> FaultProxy:
        return self.proxies[service]

    @property
    def stripe_api_base(self) -> str:
        return self.stripe.api_base if self.stripe is not None else self.infra.stripe_api_base

    def url(self, service: str, replica: int = 0) -> str:
        return self.replicas[service][replica].base_url

    @property
    def gateway_url(self) -> str:
        """The system's one origin: what a frontend, a verifier and Stripe call."""
        if not self.gateway:
            raise AssertionError("this System runs without a gateway; pass gateway=True")
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def public_base_url(self) -> str:
        """Where issuance's public documents are: the gateway's root, else issuance itself."""
        return self.gateway_url if self.gateway else f"http://127.0.0.1:{self.ports['issuance']}"

    def topic(self, name: str) -> str:
        return self.topic_prefix + name

    def token(
        self,
        role: str,
        subject: str | None = None,
        *,
        email: str | None = None,
        name: str | None = None,
    ) -> str:
        """A dev token, as the marketplace's identity provider would issue to a learner or ops."""
        return mint_token(
            subject or str(uuid.uuid4()),
            role,  # type: ignore[arg-type]
            issuer=DEV_ISSUER,
            audience=AUDIENCE,
            secret=self.jwt_secret,
            email=email,
            name=name,
        )

    def env_for(self, service: str, port: int) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "CREDMARKET_KAFKA_BOOTSTRAP": self.infra.kafka_bootstrap,
                "CREDMARKET_TOPIC_PREFIX": self.topic_prefix,
                f"CREDMARKET_{service.upper()}_DATABASE_URL": self.service_database_url(service),
                f"CREDMARKET_{service.upper()}_PORT": str(port),
                "CREDMARKET_DEV_MODE": "true",
                "CREDMARKET_JWT_ISSUERS": DEV_ISSUER,
                "CREDMARKET_JWT_DEV_SECRET": self.jwt_secret,
                "CREDMARKET_JWT_JWKS_URLS": (
                    f"credmarket-catalog=http://127.0.0.1:{self.ports['catalog']}"
                    "/.well-known/jwks.json"
                ),
                "CREDMARKET_CATALOG_SIGNING_KEK": self.kek_catalog,
                "CREDMARKET_ISSUANCE_KEK": self.kek_issuance,
                "CREDMARKET_ISSUANCE_PUBLIC_BASE_URL": self.public_base_url,
                "CREDMARKET_STRIPE_API_BASE": self.stripe_api_base,
                "CREDMARKET_STRIPE_PUBLISHABLE_KEY": "pk_test_credmarket_e2e",
                "CREDMARKET_STRIPE_JS_URL": f"{self.stripe_api_base}/js.stripe.com/v3/",
                "CREDMARKET_STRIPE_API_KEY": "sk_test_credmarket_e2e",
                "CREDMARKET_STRIPE_WEBHOOK_SECRET": self.webhook_secret,
                # The env file of a developer's stack must not leak into this system.
                "CREDMARKET_ENV_FILE": "/dev/null",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        env.update(self.service_env.get(service, {}))
        return env

    async def start(self, replicas: dict[str, int] | None = None) -> None:
        wanted = {name: 1 for name in SERVICE_NAMES} | (replicas or {})
        await self._create_databases()
        for service in self.db_proxies:
            proxy = FaultProxy(self.infra.pg_host, self.infra.pg_port)
            await proxy.start()
            self.proxies[service] = proxy
        if self.private_stripe:
            self.stripe = StripeStandIn(self.logs_dir / self.prefix / "stripe")
            await self.stripe.start()
        await create_topics(
            self.infra.kafka_bootstrap,
            [self.topic(t.name) for t in TOPICS],
            partitions=6,
            configs={self.topic(t.name): t.config() for t in TOPICS},
        )
        for service in SERVICE_NAMES:
            await upgrade_async(migrations_dir(service), self.database_url(service))
        for service in SERVICE_NAMES:
            self.ports[service] = free_port()
        if self.gateway:
            self.ports["gateway"] = free_port()
        for service in SERVICE_NAMES:
            for i in range(wanted[service]):
                await self.add_replica(service, wait=False, replica=i)
        for procs in self.replicas.values():
            for p in procs:
                await p.wait_ready()
        if self.gateway:
            await self.start_gateway()
        await self.register_webhook()

    async def add_replica(
        self, service: str, *, wait: bool = True, replica: int | None = None
    ) -> ServiceProcess:
        procs = self.replicas.setdefault(service, [])
        index = len(procs) if replica is None else replica
        port = self.ports[service] if index == 0 else free_port()
        p = ServiceProcess(
            service=service,
            replica=index,
            port=port,
            env=self.env_for(service, port),
            log_file=self.logs_dir / self.prefix / f"{service}-{index}.log",
        )
        procs.append(p)
        await p.start()
        if wait:
            await p.wait_ready()
        if self.gateway_proc is not None:
            await self.reload_gateway()
        return p

    async def restart(self, service: str, replica: int = 0) -> ServiceProcess:
        p = self.replicas[service][replica]
        if p.proc is not None and p.proc.returncode is None:
            await p.stop()
        await p.start()
        await p.wait_ready()
        return p

    @property
    def gateway_dir(self) -> Path:
        return self.logs_dir / self.prefix / "gateway"

    def render_gateway_conf(self) -> str:
        from credmarket_infra.gateway.nginx_conf import render_nginx_conf
        from credmarket_infra.gateway.nginx_target import local_target
        from credmarket_infra.gateway.settings import GatewaySettings

        settings = (self.gateway_settings or GatewaySettings()).with_(port=self.ports["gateway"])
        # Every replica is an upstream server: a killed one is skipped (connect refused).
        upstreams = {s: [f"127.0.0.1:{p.port}" for p in self.replicas[s]] for s in SERVICE_NAMES}
        target = local_target(self.gateway_dir, settings.port, self.gateway_dir / "openapi.json")
        return render_nginx_conf(settings, upstreams, target)

    async def start_gateway(self) -> None:
        """nginx with the real gateway config, in front of this system's services."""
        from credmarket_infra.gateway import openapi_merge, runner

        runner.write_conf(self.gateway_dir, self.render_gateway_conf())
        documents = openapi_merge.fetch_documents({s: self.url(s) for s in SERVICE_NAMES})
        openapi_merge.write(openapi_merge.merge(documents), self.gateway_dir / "openapi.json")
        log = (self.gateway_dir / "logs" / "error.log").open("ab")
        try:
            self.gateway_proc = await asyncio.create_subprocess_exec(
                *runner.nginx_args(self.gateway_dir),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        proc = self.gateway_proc
        await runner.wait_ready_async(self.gateway_url, alive=lambda: proc.returncode is None)

    async def reload_gateway(self) -> None:
        """Re-render (e.g. after add_replica) and let nginx pick it up (SIGHUP)."""
        from credmarket_infra.gateway import runner

        assert self.gateway_proc is not None
        runner.write_conf(self.gateway_dir, self.render_gateway_conf())
        self.gateway_proc.send_signal(signal.SIGHUP)

    async def stop_gateway(self) -> None:
        proc, self.gateway_proc = self.gateway_proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout=10)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    def gateway_log(self, lines: int = 40) -> str:
        """nginx's error log and the tail of its access log (request and correlation ids)."""
        parts = []
        for name in ("error.log", "access.log"):
            path = self.gateway_dir / "logs" / name
            try:
                text = "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            except FileNotFoundError:
                text = "(none)"
            parts.append(f"----- gateway {name} -----\n{text}")
        return "\n".join(parts)

    async def restart_stripe(self) -> None:
        """Start the system's own stand-in again after ``system.stripe.stop()``: the same
        store, and (as Stripe keeps its endpoints) the system's webhook registered again."""
        assert self.stripe is not None, "this System uses the shared stand-in"
        await self.stripe.start()
        await self.register_webhook()

    async def register_webhook(self) -> None:
        """Stripe (the stand-in) delivers its events to this system's payments service
        (through the gateway, byte for byte, when there is one)."""
        base = f"{self.gateway_url}/payments" if self.gateway else self.url("payments")
        await register_stripe_webhook(
            self.stripe_api_base, self.prefix, f"{base}/v1/stripe/webhook", self.webhook_secret
        )

    async def stop(self) -> None:
        await self.stop_gateway()
        for procs in self.replicas.values():
            for p in procs:
                await p.stop()
        await forget_stripe_webhook(self.stripe_api_base, self.prefix)
        if self.stripe is not None:
            await self.stripe.stop()
        for proxy in self.proxies.values():
            await proxy.stop()
        await delete_topics(self.infra.kafka_bootstrap, [self.topic(t.name) for t in TOPICS])
        await self._drop_databases()

    def logs(self) -> str:
        parts = []
        for procs in self.replicas.values():
            for p in procs:
                parts.append(f"----- {p.name} -----\n{p.tail_log()}")
        if self.gateway:
            parts.append(self.gateway_log())
        return "\n".join(parts)

    async def _create_databases(self) -> None:
        conn = await asyncpg.connect(self.infra.admin_dsn())
        try:
            for service in SERVICE_NAMES:
                await conn.execute(f'CREATE DATABASE "{self.database_name(service)}"')
        finally:
            await conn.close()

    async def _drop_databases(self) -> None:
        conn = await asyncpg.connect(self.infra.admin_dsn())
        try:
            for service in SERVICE_NAMES:
                await conn.execute(
                    f'DROP DATABASE IF EXISTS "{self.database_name(service)}" WITH (FORCE)'
                )
        finally:
            await conn.close()

    async def query(self, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Read a service's database directly: only tests do this, to count what happened."""
        dsn = self.database_url(service).replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

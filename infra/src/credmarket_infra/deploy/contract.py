"""What each service needs from its environment: one declaration, held against every deployment.

The local stack (`credmarket_infra.stack.services.service_env`), docker-compose.yml and
each Kubernetes overlay must give every service (tests/deploy/test_env_contract.py):
- every variable it cannot run without (`required`), secrets only from a secret store;
- no CREDMARKET_* variable it does not read (a typo, or another service's secret);
- catalog's JWKS among its trusted issuers when it accepts provider tokens;
- the topics it produces and consumes, on the broker the deployment creates them on.
What a service reads comes from its settings class, so a new setting is known here at once.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from credmarket_events.registry import all_specs
from credmarket_platform.settings import ServiceSettings
from pydantic import AliasChoices

PREFIX = "CREDMARKET_"
# Read outside the settings classes: the env-file switch (credmarket_platform.settings) and
# the image's SERVICE-specific health check port (infra/docker/healthcheck.py).
ALWAYS_READABLE = frozenset({"CREDMARKET_ENV_FILE"})
JWKS_PATH = "/.well-known/jwks.json"


@dataclass(frozen=True)
class ServiceContract:
    name: str
    port: int
    settings_path: str
    # Without these a service must not be deployed: no default is right for every place.
    required: frozenset[str]
    # Credentials: from a secret store (a Kubernetes Secret, a git-ignored .env), never a
    # ConfigMap or a committed default.
    secrets: frozenset[str]
    # Accepts provider tokens, which catalog signs: must trust catalog's JWKS.
    trusts_catalog: bool

    @cached_property
    def settings_class(self) -> type[ServiceSettings]:
        module, _, name = self.settings_path.rpartition(".")
        cls: object = getattr(importlib.import_module(module), name)
        if not (isinstance(cls, type) and issubclass(cls, ServiceSettings)):
            raise TypeError(f"{self.settings_path} is not a ServiceSettings class")
        return cls

    @cached_property
    def readable(self) -> frozenset[str]:
        """Every CREDMARKET_* variable this service reads."""
        names: set[str] = set(ALWAYS_READABLE)
        config_prefix = str(self.settings_class.model_config.get("env_prefix", ""))
        for field_name, field in self.settings_class.model_fields.items():
            alias = field.validation_alias
            if isinstance(alias, AliasChoices):
                names |= {c for c in alias.choices if isinstance(c, str)}
            elif isinstance(alias, str):
                names.add(alias)
            else:
                names.add(f"{config_prefix}{field_name}".upper())
        names.add(f"{PREFIX}{self.name.upper()}_PORT")
        return frozenset(n for n in names if n.startswith(PREFIX))

    @property
    def database_variable(self) -> str:
        return f"{PREFIX}{self.name.upper()}_DATABASE_URL"

    @property
    def produces(self) -> frozenset[str]:
        return frozenset(s.topic.name for s in all_specs() if s.producer == self.name)

    @property
    def consumes(self) -> frozenset[str]:
        return frozenset(s.topic.name for s in all_specs() if self.name in s.consumers)

    @property
    def topics(self) -> frozenset[str]:
        return self.produces | self.consumes


_EVERY_SERVICE = frozenset(
    {
        "CREDMARKET_KAFKA_BOOTSTRAP",
        # Explicit everywhere: it decides whether dev-only secrets are allowed at all.
        "CREDMARKET_DEV_MODE",
        "CREDMARKET_JWT_ISSUERS",
        "CREDMARKET_JWT_JWKS_URLS",
        "CREDMARKET_JWT_AUDIENCE",
    }
)


def _contract(
    name: str, port: int, settings: str, *, own: set[str], secrets: set[str], trusts: bool
) -> ServiceContract:
    database = f"{PREFIX}{name.upper()}_DATABASE_URL"
    return ServiceContract(
        name=name,
        port=port,
        settings_path=settings,
        required=_EVERY_SERVICE | {database} | own | secrets,
        # The database URL carries the password; the dev token secret is one wherever given.
        secrets=frozenset({database, "CREDMARKET_JWT_DEV_SECRET"} | secrets),
        trusts_catalog=trusts,
    )


CONTRACTS: tuple[ServiceContract, ...] = (
    _contract(
        "catalog",
        8001,
        "catalog.settings.CatalogSettings",
        own=set(),
        secrets={"CREDMARKET_CATALOG_SIGNING_KEK"},
        # Catalog verifies its own provider tokens in process (catalog.app).
        trusts=False,
    ),
    _contract(
        "enrollment",
        8002,
        "enrollment.settings.EnrollmentSettings",
        own=set(),
        secrets=set(),
        trusts=True,
    ),
    _contract(
        "payments",
        8003,
        "payments.settings.PaymentsSettings",
        own=set(),
        secrets={"CREDMARKET_STRIPE_API_KEY", "CREDMARKET_STRIPE_WEBHOOK_SECRET"},
        trusts=True,
    ),
    _contract(
        "issuance",
        8004,
        "issuance.settings.IssuanceSettings",
        own={"CREDMARKET_ISSUANCE_PUBLIC_BASE_URL"},
        secrets={"CREDMARKET_ISSUANCE_KEK"},
        trusts=True,
    ),
)
BY_NAME = {c.name: c for c in CONTRACTS}
CATALOG = BY_NAME["catalog"]


def catalog_issuer(catalog_env: Mapping[str, str]) -> str:
    """The `iss` of catalog's provider tokens, as the deployment configures catalog."""
    default = CATALOG.settings_class.model_fields["provider_token_issuer"].default
    return catalog_env.get("CREDMARKET_CATALOG_TOKEN_ISSUER") or str(default)


def jwks_urls(env: Mapping[str, str]) -> dict[str, str]:
    """CREDMARKET_JWT_JWKS_URLS as issuer -> URL."""
    pairs: dict[str, str] = {}
    for item in env.get("CREDMARKET_JWT_JWKS_URLS", "").split(","):
        issuer, sep, url = item.partition("=")
        if sep:
            pairs[issuer.strip()] = url.strip()
    return pairs


def violations(
    deployment: str,
    envs: Mapping[str, Mapping[str, str]],
    *,
    catalog_base_url: str,
    secret_sources: Mapping[str, frozenset[str]] | None = None,
) -> list[str]:
    """Everything a deployment gets wrong, as sentences; [] when it gives each service
    exactly what the contract says.

    ``envs``: service -> the environment it is given (only CREDMARKET_* names matter).
    ``catalog_base_url``: how the other services reach catalog in this deployment.
    ``secret_sources``: service -> the variables that come from a secret store, where the
    deployment separates them (Kubernetes); None where it does not (a .env, a file).
    """
    found: list[str] = []
    if set(envs) != {c.name for c in CONTRACTS}:
        found.append(f"{deployment}: services {sorted(envs)}, expected {sorted(BY_NAME)}")
    issuer = catalog_issuer(envs.get("catalog", {}))
    for contract in CONTRACTS:
        env = {k: v for k, v in envs.get(contract.name, {}).items() if k.startswith(PREFIX)}
        where = f"{deployment}: {contract.name}"
        for name in sorted(contract.required - set(env)):
            found.append(f"{where} lacks {name}")
        for name in sorted(set(env) - contract.readable):
            found.append(f"{where} is given {name}, which it does not read")
        if secret_sources is not None:
            from_secrets = secret_sources.get(contract.name, frozenset())
            for name in sorted((contract.secrets & set(env)) - from_secrets):
                found.append(f"{where} gets the secret {name} outside a secret store")
        trusted = jwks_urls(env)
        expected = f"{catalog_base_url.rstrip('/')}{JWKS_PATH}"
        if contract.trusts_catalog and trusted.get(issuer) != expected:
            found.append(
                f"{where} does not trust catalog's provider tokens: CREDMARKET_JWT_JWKS_URLS "
                f"needs {issuer}={expected} (has {env.get('CREDMARKET_JWT_JWKS_URLS', '')!r})"
            )
    return found

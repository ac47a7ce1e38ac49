"""Where the stack lives and which ports it uses; read from the environment and CLI flags."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

DEFAULT_KAFKA_PORT = 19092
DEFAULT_PG_PORT = 15432
DEFAULT_STRIPE_PORT = 18420
DEFAULT_PG_USER = "credmarket"
# Dev default only: the cluster listens on 127.0.0.1 and holds throwaway data.
DEFAULT_PG_PASSWORD = "credmarket-dev"  # noqa: S105
HOST = "127.0.0.1"
SERVICE_DATABASES = ("catalog", "enrollment", "payments", "issuance")

_MARKER = Path("infra") / "kafka" / "pom.xml"


def find_project_root(start: Path | None = None) -> Path:
    """The checkout root: $CREDMARKET_ROOT, else the nearest ancestor with infra/kafka/pom.xml."""
    explicit = os.environ.get("CREDMARKET_ROOT")
    if explicit:
        return Path(explicit).resolve()
    candidates = [start or Path.cwd(), Path(__file__)]
    for origin in candidates:
        for directory in [origin.resolve(), *origin.resolve().parents]:
            if (directory / _MARKER).is_file():
                return directory
    raise RuntimeError(f"cannot find the project root (no {_MARKER} above {candidates[0]})")


@dataclass(frozen=True)
class StackConfig:
    root: Path
    kafka_port: int = DEFAULT_KAFKA_PORT
    kafka_controller_port: int = DEFAULT_KAFKA_PORT + 1
    pg_port: int = DEFAULT_PG_PORT
    stripe_port: int = DEFAULT_STRIPE_PORT
    pg_user: str = DEFAULT_PG_USER
    pg_password: str = DEFAULT_PG_PASSWORD
    kafka_heap: str = "768m"

    @property
    def stack_dir(self) -> Path:
        return self.root / ".stack"

    @property
    def logs_dir(self) -> Path:
        return self.stack_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.stack_dir / "run"

    @property
    def env_file(self) -> Path:
        return self.stack_dir / "stack.env"

    @property
    def state_file(self) -> Path:
        return self.stack_dir / "stack.json"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{HOST}:{self.kafka_port}"

    @property
    def stripe_api_base(self) -> str:
        return f"http://{HOST}:{self.stripe_port}"

    def log_file(self, component: str) -> Path:
        return self.logs_dir / f"{component}.log"

    def pid_file(self, component: str) -> Path:
        return self.run_dir / f"{component}.pid"


def _int_env(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    return int(raw) if raw else default


def config_from_env(root: Path, env: dict[str, str] | None = None) -> StackConfig:
    env = dict(os.environ) if env is None else env
    kafka_port = _int_env(env, "CREDMARKET_KAFKA_PORT", DEFAULT_KAFKA_PORT)
    return StackConfig(
        root=root,
        kafka_port=kafka_port,
        kafka_controller_port=_int_env(env, "CREDMARKET_KAFKA_CONTROLLER_PORT", kafka_port + 1),
        pg_port=_int_env(env, "CREDMARKET_PG_PORT", DEFAULT_PG_PORT),
        stripe_port=_int_env(env, "CREDMARKET_STRIPE_PORT", DEFAULT_STRIPE_PORT),
        pg_user=env.get("CREDMARKET_PG_USER") or DEFAULT_PG_USER,
        pg_password=env.get("CREDMARKET_PG_PASSWORD") or DEFAULT_PG_PASSWORD,
        kafka_heap=env.get("CREDMARKET_KAFKA_HEAP") or "768m",
    )


def with_overrides(config: StackConfig, **overrides: Any) -> StackConfig:
    """Apply CLI flags; a None flag means 'not given'."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if "kafka_port" in given and "kafka_controller_port" not in given:
        given["kafka_controller_port"] = given["kafka_port"] + 1
    return replace(config, **given)


def save_running_config(config: StackConfig) -> None:
    """Remember what `up` used, so `down`/`status` find the stack even if the env changed since."""
    data = {key: value for key, value in asdict(config).items() if key != "root"}
    config.state_file.write_text(json.dumps(data, indent=2) + "\n")


def load_running_config(root: Path) -> StackConfig | None:
    state = root / ".stack" / "stack.json"
    if not state.is_file():
        return None
    data = json.loads(state.read_text())
    return StackConfig(root=root, **data)

"""Unit tests for what the stack writes: config files and the env file. No servers."""

from __future__ import annotations

from pathlib import Path

from credmarket_infra.stack import kafka, postgres
from credmarket_infra.stack.config import StackConfig, config_from_env, with_overrides
from credmarket_infra.stack.envfile import database_url, parse_env, render_env

ROOT = Path("/srv/credmarket")


def properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_env_file_has_everything_a_service_needs() -> None:
    values = parse_env(render_env(StackConfig(root=ROOT)))

    assert values["CREDMARKET_KAFKA_BOOTSTRAP"] == "127.0.0.1:19092"
    assert values["CREDMARKET_PG_HOST"] == "127.0.0.1"
    assert values["CREDMARKET_PG_PORT"] == "15432"
    assert values["CREDMARKET_PG_USER"] == "credmarket"
    assert values["CREDMARKET_PG_PASSWORD"]
    assert values["CREDMARKET_STRIPE_API_BASE"] == "http://127.0.0.1:18420"
    for service in ("catalog", "enrollment", "payments", "issuance"):
        url = values[f"CREDMARKET_{service.upper()}_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://credmarket:")
        assert url.endswith(f"@127.0.0.1:15432/{service}")


def test_database_url_escapes_the_password() -> None:
    config = StackConfig(root=ROOT, pg_password="p@ss:w/rd")

    assert database_url(config, "payments") == (
        "postgresql+asyncpg://credmarket:p%40ss%3Aw%2Frd@127.0.0.1:15432/payments"
    )


def test_ports_come_from_env_and_flags_win() -> None:
    config = config_from_env(
        ROOT, {"CREDMARKET_KAFKA_PORT": "29092", "CREDMARKET_PG_PORT": "25432"}
    )
    assert (config.kafka_port, config.kafka_controller_port, config.pg_port) == (
        29092,
        29093,
        25432,
    )

    flagged = with_overrides(config, kafka_port=39092, pg_port=None, stripe_port=38420)
    assert (flagged.kafka_port, flagged.kafka_controller_port) == (39092, 39093)
    assert flagged.pg_port == 25432
    assert flagged.stripe_port == 38420


def test_kafka_is_a_single_local_kraft_node() -> None:
    config = StackConfig(root=ROOT, kafka_port=19092, kafka_controller_port=19093)
    props = properties(kafka.render_server_properties(config))

    assert props["process.roles"] == "broker,controller"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert "controller.quorum.voters" not in props  # a standalone dynamic quorum forbids it
    assert props["auto.create.topics.enable"] == "false"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["log.dirs"] == str(ROOT / ".stack" / "kafka" / "data")


def test_postgres_listens_locally_and_stays_durable() -> None:
    config = StackConfig(root=ROOT, pg_port=15432)
    conf = postgres.render_conf(config)

    assert "listen_addresses = '127.0.0.1'" in conf
    assert "port = 15432" in conf
    assert "max_connections = 300" in conf
    assert "fsync = on" in conf
    assert "synchronous_commit" not in conf
    assert f"unix_socket_directories = '{ROOT / '.stack' / 'postgres' / 'run'}'" in conf

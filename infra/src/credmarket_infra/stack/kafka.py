"""Apache Kafka 4.4 in KRaft mode, one combined broker+controller, from Maven Central jars."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from credmarket_infra.stack import process
from credmarket_infra.stack.config import HOST, StackConfig
from credmarket_infra.stack.waiting import StartupError, port_is_open, tail, wait_until

NAME = "kafka"
MAIN_CLASS = "kafka.Kafka"
READY_TIMEOUT = 120.0


def kafka_dir(config: StackConfig) -> Path:
    return config.stack_dir / "kafka"


def libs_dir(config: StackConfig) -> Path:
    return kafka_dir(config) / "libs"


def data_dir(config: StackConfig) -> Path:
    return kafka_dir(config) / "data"


def server_properties_path(config: StackConfig) -> Path:
    return kafka_dir(config) / "server.properties"


def log4j_config_path(config: StackConfig) -> Path:
    return kafka_dir(config) / "log4j2.xml"


def render_server_properties(config: StackConfig) -> str:
    broker = f"{HOST}:{config.kafka_port}"
    controller = f"{HOST}:{config.kafka_controller_port}"
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": controller,
        "listeners": f"PLAINTEXT://{broker},CONTROLLER://{controller}",
        "advertised.listeners": f"PLAINTEXT://{broker},CONTROLLER://{controller}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir(config)),
        # One node: every internal topic must accept a single replica.
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        # Topics come only from credmarket_events.topics; a typo must fail, not create a topic.
        "auto.create.topics.enable": "false",
        "delete.topic.enable": "true",
        "num.partitions": "3",
        # Tests start many short-lived groups; the default 3s delay would slow each one.
        "group.initial.rebalance.delay.ms": "0",
        "log.retention.hours": "168",
        "log.segment.bytes": str(64 * 1024 * 1024),
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def render_log4j_config() -> str:
    # Console only: the process's stdout is redirected to .stack/logs/kafka.log, which also
    # catches JVM crash output that never reaches log4j.
    return """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <!-- At INFO the broker logs every partition of every test topic: megabytes per run.
         Keep lifecycle lines, warnings and errors. -->
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
    <Logger name="kafka.server.BrokerServer" level="INFO"/>
    <Logger name="kafka.server.ControllerServer" level="INFO"/>
    <Logger name="org.apache.kafka.common.utils.AppInfoParser" level="INFO"/>
    <Root level="WARN">
      <AppenderRef ref="stdout"/>
    </Root>
  </Loggers>
</Configuration>
"""


def _java_command(config: StackConfig, main_class: str, *args: str) -> list[str]:
    return [
        shutil.which("java") or "java",
        f"-Xmx{config.kafka_heap}",
        "-Xms128m",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log4j_config_path(config)}",
        f"-Dkafka.logs.dir={config.logs_dir}",
        "-cp",
        f"{libs_dir(config)}/*",
        main_class,
        *args,
    ]


def ensure_libs(config: StackConfig) -> None:
    """Fetch the broker's jars with Maven, again only when the pom changed."""
    pom = config.root / "infra" / "kafka" / "pom.xml"
    pom_digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    marker = libs_dir(config) / ".fetched-for"
    if marker.is_file() and marker.read_text().strip() == pom_digest:
        return
    if libs_dir(config).exists():
        shutil.rmtree(libs_dir(config))  # a version bump must not leave old jars on the classpath
    if shutil.which("mvn") is None:
        raise StartupError("Maven (mvn) is needed to fetch Kafka from Maven Central")
    print("kafka: fetching jars from Maven Central (log: .stack/logs/maven.log)", flush=True)
    libs_dir(config).mkdir(parents=True, exist_ok=True)
    maven_log = config.log_file("maven")
    with maven_log.open("wb") as log:
        fetched = subprocess.run(  # noqa: S603
            [  # noqa: S607 - mvn from PATH is the point: the developer's Maven and its settings
                "mvn",
                "-B",
                "-Dstyle.color=never",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={libs_dir(config)}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if fetched.returncode != 0:
        raise StartupError(f"kafka: Maven could not fetch the jars\n{tail(maven_log)}")
    marker.write_text(pom_digest + "\n")


def _format_storage(config: StackConfig) -> None:
    """Format once; reformat (dropping dev data) only if the controller endpoint changed,
    because a standalone dynamic quorum records its voter address at format time."""
    formatted_for = kafka_dir(config) / "formatted-for"
    endpoint = f"{HOST}:{config.kafka_controller_port}"
    if (data_dir(config) / "meta.properties").is_file():
        if formatted_for.is_file() and formatted_for.read_text().strip() == endpoint:
            return
        print(f"kafka: controller endpoint changed to {endpoint}; reformatting storage", flush=True)
        shutil.rmtree(data_dir(config))
    cluster_id = subprocess.run(  # noqa: S603
        _java_command(config, "kafka.tools.StorageTool", "random-uuid"),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    subprocess.run(  # noqa: S603
        _java_command(
            config,
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            cluster_id,
            "--config",
            str(server_properties_path(config)),
            "--standalone",
        ),
        check=True,
        capture_output=True,
        text=True,
    )
    formatted_for.write_text(endpoint + "\n")


async def broker_answers(bootstrap: str) -> bool:
    host, _, port = bootstrap.rpartition(":")
    # aiokafka logs every refused connection; skip it until something listens.
    if not port_is_open(host, int(port)):
        return False
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.describe_cluster()
        return True
    except Exception:
        return False
    finally:
        await admin.close()


def pid(config: StackConfig) -> int | None:
    return process.running_pid(config.pid_file(NAME), MAIN_CLASS)


def up(config: StackConfig) -> None:
    if pid(config) is None:
        if port_is_open(HOST, config.kafka_port):
            raise StartupError(f"kafka: port {config.kafka_port} is taken by another process")
        ensure_libs(config)
        kafka_dir(config).mkdir(parents=True, exist_ok=True)
        server_properties_path(config).write_text(render_server_properties(config))
        log4j_config_path(config).write_text(render_log4j_config())
        _format_storage(config)
        process.spawn(
            _java_command(config, MAIN_CLASS, str(server_properties_path(config))),
            pid_file=config.pid_file(NAME),
            log_file=config.log_file(NAME),
            cwd=kafka_dir(config),
            env={**os.environ, "KAFKA_HEAP_OPTS": f"-Xmx{config.kafka_heap}"},
        )
    try:
        asyncio.run(
            wait_until(
                lambda: broker_answers(config.kafka_bootstrap),
                timeout=READY_TIMEOUT,
                what="kafka",
                still_running=lambda: pid(config) is not None,
            )
        )
    except StartupError as error:
        log = config.log_file(NAME)
        raise StartupError(f"{error}\n--- {log} ---\n{tail(log)}") from error


def down(config: StackConfig) -> bool:
    # A broker shutting down cleanly writes its final checkpoints; give it time before SIGKILL.
    return process.stop_pid_file(config.pid_file(NAME), MAIN_CLASS, timeout=30.0)

"""Structural checks of the deployment files: fast, no Docker, no cluster.

`infra/validate.sh` runs the real tools (docker compose config, kustomize, kubeconform);
these tests pin what those tools do not know about: our topics, databases, health
checks, users, metric names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from catalog.webhooks import metrics as webhook_metrics
from credmarket_events.topics import TOPICS
from credmarket_infra.deploy import dashboard, topics
from credmarket_platform.messaging import metrics as messaging_metrics
from credmarket_platform.observability import http_metrics
from payments import metrics as payments_metrics
from prometheus_client.metrics import MetricWrapperBase

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"catalog": 8001, "enrollment": 8002, "payments": 8003, "issuance": 8004}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml(ROOT / "docker-compose.yml")["services"]
    return services


def one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def test_every_long_running_container_has_a_healthcheck(compose: dict[str, Any]) -> None:
    missing = [
        n for n, s in compose.items() if not one_shot(s) and "test" not in s.get("healthcheck", {})
    ]
    assert missing == []


def test_depends_on_waits_for_health_or_completion(compose: dict[str, Any]) -> None:
    for name, service in compose.items():
        for dependency, condition in service.get("depends_on", {}).items():
            expected = (
                "service_completed_successfully"
                if one_shot(compose[dependency])
                else "service_healthy"
            )
            assert condition == {"condition": expected}, (name, dependency)


def test_services_built_from_one_dockerfile_and_migrated_first(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        service = compose[name]
        assert service["build"]["dockerfile"] == "infra/docker/Dockerfile"
        assert service["build"]["args"] == {"SERVICE": name}
        assert service["read_only"] is True
        migrate = compose[f"{name}-migrate"]
        assert migrate["image"] == service["image"]
        assert migrate["command"] == ["python", "/app/migrate.py"]
        assert service["depends_on"][f"{name}-migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert service["depends_on"]["kafka-topics"] == {
            "condition": "service_completed_successfully"
        }
        env = service["environment"]
        assert env["CREDMARKET_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env[f"CREDMARKET_{name.upper()}_DATABASE_URL"].endswith(f"@postgres:5432/{name}")


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "localstripe.Dockerfile"])
def test_images_run_as_a_non_root_user(dockerfile: str) -> None:
    text = (ROOT / "infra" / "docker" / dockerfile).read_text()
    final_stage = re.split(r"^FROM ", text, flags=re.MULTILINE)[-1]
    users = re.findall(r"^USER\s+(\S+)", final_stage, flags=re.MULTILINE)
    assert users, f"{dockerfile}: no USER in the final stage"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert "HEALTHCHECK" in final_stage


def test_service_image_uses_a_cached_dependency_layer() -> None:
    text = (ROOT / "infra" / "docker" / "Dockerfile").read_text()
    deps = text.index("--no-install-workspace")
    assert deps < text.index("COPY libs/events libs/events") < text.index("--no-editable")
    assert "uv sync --frozen --no-dev" in text
    assert "FROM ${PYTHON_IMAGE} AS runtime" in text
    assert "python:3.11-slim" in text


def test_compose_creates_exactly_the_declared_topics(compose: dict[str, Any]) -> None:
    service = compose["kafka-topics"]
    assert (
        "./infra/docker/kafka/create-topics.sh:/scripts/create-topics.sh:ro" in service["volumes"]
    )
    assert service["entrypoint"] == ["/bin/bash", "/scripts/create-topics.sh"]
    script = topics.SCRIPT.read_text()
    assert script == topics.render(), "run python -m credmarket_infra.deploy.topics"
    expected = {t.name: (t.partitions, t.replication_factor, t.config()) for t in TOPICS}
    assert topics.parse(script) == expected


def test_postgres_creates_the_four_databases(compose: dict[str, Any]) -> None:
    mounts = compose["postgres"]["volumes"]
    init = "./infra/docker/postgres/init-databases.sql"
    assert any(m.startswith(init + ":/docker-entrypoint-initdb.d/") for m in mounts)
    sql = (ROOT / init).read_text()
    assert set(re.findall(r"^CREATE DATABASE (\w+);", sql, flags=re.MULTILINE)) == set(SERVICES)


def test_no_real_secrets_in_compose() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"sk_live_|rk_live_|whsec_[A-Za-z0-9]{20,}|BEGIN [A-Z ]*PRIVATE KEY", text)


def test_no_secret_has_a_default_in_compose() -> None:
    """A secret is required (`${X:?how to set it}`) or, for the dev token secret, empty
    unless given; never a value anyone can read here (ADR 0019)."""
    text = (ROOT / "docker-compose.yml").read_text()
    secret = re.compile(r"^\s*(\w*(?:KEK|SECRET|PASSWORD|API_KEY)\w*):\s*(.+)$", re.MULTILINE)
    found = secret.findall(text)
    assert len(found) >= 6
    for name, value in found:
        assert re.fullmatch(r"\$\{\w+(:\?[^}]*|:-)\}", value.strip()), (name, value)
    for reference in re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", text):
        assert reference.startswith(":?"), reference


def defined_metrics() -> set[str]:
    names: set[str] = set()
    for module in (messaging_metrics, http_metrics, payments_metrics, webhook_metrics):
        for value in vars(module).values():
            if isinstance(value, MetricWrapperBase):
                base = value._name
                kind = value._type
                names |= {base, f"{base}_total"} if kind == "counter" else {base}
                if kind == "histogram":
                    names |= {f"{base}_bucket", f"{base}_count", f"{base}_sum"}
    return names


def used_metrics(expression: str) -> set[str]:
    return set(re.findall(r"\b(credmarket_[a-z_]+)", expression))


def test_prometheus_scrapes_the_four_services_and_the_lag_exporter(compose: dict[str, Any]) -> None:
    config = load_yaml(ROOT / "infra" / "monitoring" / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = {
        group["labels"]["service"]: group["targets"]
        for group in jobs["credmarket"]["static_configs"]
    }
    assert targets == {name: [f"{name}:{port}"] for name, port in SERVICES.items()}
    assert jobs["kafka-lag"]["static_configs"][0]["targets"] == ["kafka-exporter:9308"]
    assert "kafka-exporter" in compose


def test_alerts_use_metrics_the_code_defines() -> None:
    rules = [
        r
        for g in load_yaml(ROOT / "infra" / "monitoring" / "alerts.yml")["groups"]
        for r in g["rules"]
    ]
    alerts = {rule["alert"] for rule in rules}
    assert {
        "CredmarketConsumerLagHigh",
        "CredmarketDeadLettersIncreasing",
        "CredmarketOutboxBacklogGrowing",
        "CredmarketHttp5xxRateHigh",
        "CredmarketPartitionStuck",
        "CredmarketRefundNotPaidBack",
        "CredmarketWebhookEndpointDisabled",
    } <= alerts
    known = defined_metrics()
    for rule in rules:
        assert used_metrics(rule["expr"]) <= known, rule["alert"]
        assert "summary" in rule["annotations"]


def test_dashboard_is_generated_and_uses_known_metrics() -> None:
    assert dashboard.OUTPUT.read_text() == dashboard.render(), (
        "run python -m credmarket_infra.deploy.dashboard"
    )
    known = defined_metrics()
    expressions = [t["expr"] for p in dashboard.panels() for t in p.get("targets", [])]
    assert expressions
    for expression in expressions:
        assert used_metrics(expression) <= known, expression


def test_grafana_provisioning_matches_the_compose_mounts(compose: dict[str, Any]) -> None:
    provider = load_yaml(ROOT / "infra/monitoring/grafana/provisioning/dashboards/credmarket.yml")
    path = provider["providers"][0]["options"]["path"]
    assert f"./infra/monitoring/grafana/dashboards:{path}:ro" in compose["grafana"]["volumes"]
    datasource = load_yaml(
        ROOT / "infra/monitoring/grafana/provisioning/datasources/prometheus.yml"
    )
    assert datasource["datasources"][0]["uid"] == dashboard.DATASOURCE["uid"]


def test_kubernetes_base_probes_and_security() -> None:
    for name, port in SERVICES.items():
        documents = list(yaml.safe_load_all((ROOT / "infra/k8s/base" / f"{name}.yaml").read_text()))
        kinds = {d["kind"]: d for d in documents}
        assert set(kinds) == {"Secret", "Deployment", "Service", "Job", "PodDisruptionBudget"}
        assert "data" not in kinds["Secret"]
        assert "stringData" not in kinds["Secret"]
        for workload in (kinds["Deployment"], kinds["Job"]):
            pod = workload["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            container = pod["containers"][0]
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert {"requests", "limits"} <= set(container["resources"])
        container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
        assert container["ports"][0]["containerPort"] == port
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def ignore_patterns(path: Path) -> set[str]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    return {line for line in lines if line and not line.startswith("#")}


def test_root_dockerignore_is_the_union_of_the_per_dockerfile_ones() -> None:
    """Builders without per-Dockerfile ignore files (the classic builder, podman's API)
    read the root one; wildcard exceptions are spelled out per service for them."""
    union: set[str] = set()
    for path in (ROOT / "infra" / "docker").glob("*.dockerignore"):
        for pattern in ignore_patterns(path):
            if "services/*/" in pattern:
                union |= {pattern.replace("services/*/", f"services/{s}/") for s in SERVICES}
            else:
                union.add(pattern)
    assert ignore_patterns(ROOT / ".dockerignore") == union


def test_exec_form_health_checks_have_no_spaces_in_an_argument(compose: dict[str, Any]) -> None:
    # podman's Docker API splits CMD arguments at spaces; a shell string survives both.
    for name, service in compose.items():
        test = service.get("healthcheck", {}).get("test", [])
        if test and test[0] == "CMD":
            assert not any(" " in argument for argument in test[1:]), name


def _project_imports(module_file: Path) -> set[str]:
    """credmarket_infra modules a file imports (absolute imports only, as ours are)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module_file.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("credmarket_infra"):
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("credmarket_infra")}
    return found


def test_the_stripe_stand_in_image_copies_every_module_its_wrapper_imports() -> None:
    """The Compose stand-in runs the wrapper outside the workspace: a module it imports
    but the image lacks fails only at container start (it did, once)."""
    dockerfile = (ROOT / "infra" / "docker" / "localstripe.Dockerfile").read_text()
    ignore = ignore_patterns(ROOT / "infra" / "docker" / "localstripe.Dockerfile.dockerignore")
    src = ROOT / "infra" / "src"
    pending = [src / "credmarket_infra" / "stack" / "localstripe_server.py"]
    seen: set[Path] = set()
    while pending:
        module_file = pending.pop()
        if module_file in seen:
            continue
        seen.add(module_file)
        for name in _project_imports(module_file):
            candidate = src / (name.replace(".", "/") + ".py")
            if candidate.is_file():
                pending.append(candidate)
    for module_file in seen:
        relative = module_file.relative_to(ROOT).as_posix()
        assert relative in dockerfile, f"{relative} is not copied into the stand-in image"
        assert f"!{relative}" in ignore, f"{relative} is not in the stand-in's build context"
    assert len(seen) >= 4

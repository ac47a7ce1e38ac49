"""Each service's tree holds to docs/service-anatomy.md: the same folders with the same
jobs, one frozen runtime built in one place, one create_app signature, getters named one
way, and adapters kept out of the use cases and the domain. Reads the source and builds
each app without starting it: no broker, no database."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("catalog", "enrollment", "payments", "issuance")
MAX_LINES = 400

# What every service has, at the top of its package.
REQUIRED = {
    "__init__.py",
    "__main__.py",
    "app.py",
    "settings.py",
    "runtime.py",
    "handlers.py",
    "api",
    "actions",
    "domain",
    "db",
}
# What a service may have besides, each for one job (docs/service-anatomy.md).
OPTIONAL = {"sweeps.py", "failures.py", "metrics.py"}
# The systems a service's use cases call that belong to it alone, named in the anatomy.
OWN_INFRASTRUCTURE = {
    "catalog": {"clock.py", "ids.py", "search", "security", "webhooks"},
    "enrollment": set(),
    "payments": {"stripe_gateway.py"},
    "issuance": {"credentials", "contexts"},
}
# Who may not import whom: adapters stay at the edge, the domain stays pure.
FRAMEWORKS = ("fastapi", "starlette")
IO = ("sqlalchemy", "asyncpg", "aiokafka", "httpx", "stripe", "credmarket_platform")


def package(service: str) -> Path:
    return ROOT / "services" / service / "src" / service


def modules(root: Path) -> Iterator[Path]:
    yield from (p for p in sorted(root.rglob("*.py")) if "migrations" not in p.parts)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def importing(paths: list[Path], prefixes: tuple[str, ...]) -> list[str]:
    return [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in paths
        for name in sorted(imports(p))
        if any(name == x or name.startswith(f"{x}.") for x in prefixes)
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_the_top_of_the_package_is_the_anatomy(service: str) -> None:
    entries = {p.name for p in package(service).iterdir()} - {"__pycache__", "py.typed"}
    assert entries >= REQUIRED, f"{service} lacks {sorted(REQUIRED - entries)}"
    unexpected = entries - REQUIRED - OPTIONAL - OWN_INFRASTRUCTURE[service]
    assert not unexpected, f"{service} has {sorted(unexpected)}: not in the anatomy"
    for folder in ("api", "actions", "domain", "db"):
        assert (package(service) / folder / "__init__.py").is_file(), f"{service}/{folder}"
    assert (package(service) / "db" / "tables.py").is_file()
    assert (package(service) / "db" / "migrations" / "env.py").is_file()
    assert (package(service) / "api" / "dependencies.py").is_file()


@pytest.mark.parametrize("service", SERVICES)
def test_no_module_is_over_the_limit(service: str) -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in modules(package(service))
    }
    long = {path: n for path, n in sizes.items() if n > MAX_LINES}
    assert not long, f"split by job: {long}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_is_pure(service: str) -> None:
    paths = list(modules(package(service) / "domain"))
    bad = importing(
        paths,
        (*FRAMEWORKS, *IO, *(f"{service}.{x}" for x in ("api", "actions", "db", "handlers"))),
    )
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("service", SERVICES)
def test_use_cases_and_event_adapters_know_no_http(service: str) -> None:
    root = package(service)
    paths = [*modules(root / "actions"), root / "handlers.py", *modules(root / "db")]
    bad = importing(paths, (*FRAMEWORKS, "credmarket_platform.http", f"{service}.api"))
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("service", SERVICES)
def test_routes_do_not_call_event_adapters(service: str) -> None:
    bad = importing(list(modules(package(service) / "api")), (f"{service}.handlers",))
    assert not bad, "\n".join(bad)


# Services whose actions open and commit their own unit of work; issuance's take the
# caller's, so its routes commit what an action did (ADR 0028).
ACTIONS_OWN_THE_TRANSACTION = ("catalog", "enrollment", "payments")


@pytest.mark.parametrize("service", ACTIONS_OWN_THE_TRANSACTION)
def test_routes_leave_writing_to_the_actions(service: str) -> None:
    writes = [
        f"{p.relative_to(ROOT)}:{node.lineno}"
        for p in modules(package(service) / "api")
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in {"commit", "emit_new", "emit"}
    ]
    assert not writes, f"a route commits or emits itself; move it to actions/: {writes}"


def _depends_targets(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Depends"
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            names.add(node.args[0].id)
    return names


def _defined_functions(paths: list[Path]) -> set[str]:
    return {
        node.name
        for p in paths
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


@pytest.mark.parametrize("service", SERVICES)
def test_dependency_getters_are_named_get(service: str) -> None:
    api = list(modules(package(service) / "api"))
    ours = _defined_functions(api)
    used = set().union(*(_depends_targets(p) for p in api))
    assert "get_runtime" in used
    misnamed = sorted(n for n in used & ours if not n.startswith("get_"))
    assert not misnamed, f"{service}: name dependency getters get_<what>: {misnamed}"


@pytest.mark.parametrize("service", SERVICES)
def test_one_frozen_runtime_built_in_one_place(service: str) -> None:
    runtime_module = importlib.import_module(f"{service}.runtime")
    name = f"{service.capitalize()}Runtime"
    runtime: Any = getattr(runtime_module, name)
    assert inspect.ismethod(runtime.from_settings), f"{name}.from_settings builds it"
    assert runtime.__dataclass_params__.frozen, f"{name} must be a frozen dataclass"
    assert {"settings", "db"} <= {f.name for f in dataclasses.fields(runtime)}
    # Built there and nowhere else: no other module of the service calls the class.
    calls = [
        str(p.relative_to(ROOT))
        for p in modules(package(service))
        if p.name != "runtime.py" and f"{name}(" in p.read_text()
    ]
    assert not calls, f"{name} built outside runtime.py: {calls}"


@pytest.mark.parametrize("service", SERVICES)
def test_create_app_takes_settings_and_a_runtime(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Dev mode only for building the apps here (development KEKs and token secrets).
    monkeypatch.setenv("CREDMARKET_DEV_MODE", "true")
    app_module = importlib.import_module(f"{service}.app")
    parameters = inspect.signature(app_module.create_app).parameters
    assert list(parameters) == ["settings", "runtime"]
    assert all(p.default is None for p in parameters.values())
    runtime_type = getattr(
        importlib.import_module(f"{service}.runtime"), f"{service.capitalize()}Runtime"
    )
    app = app_module.create_app()  # built, never started: nothing is connected
    assert isinstance(app.state.runtime, runtime_type)
    # A runtime given is the one the app uses.
    given = runtime_type.from_settings(app.state.runtime.settings)
    assert app_module.create_app(runtime=given).state.runtime is given

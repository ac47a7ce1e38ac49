"""Committed artefacts match the code, and no published version broke."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from credmarket_events import export
from credmarket_events.compat import check_backward
from credmarket_events.registry import EventSpec, all_specs
from credmarket_events.schemas import schema_for_model

SPECS = all_specs()
HOW_TO_FIX = "run `uv run python -m credmarket_events.export`"


@pytest.mark.parametrize("spec", SPECS, ids=[s.type for s in SPECS])
def test_every_type_has_a_committed_snapshot(spec: EventSpec) -> None:
    path = export.snapshot_path(spec.type)
    assert path.exists(), f"no snapshot for {path.stem}; {HOW_TO_FIX}"


SNAPSHOTS = sorted(export.SCHEMAS_DIR.glob("*.json"))


@pytest.mark.parametrize("path", SNAPSHOTS, ids=[p.stem for p in SNAPSHOTS])
def test_current_model_is_backward_compatible_with_snapshot(path: Path) -> None:
    specs = {s.type: s for s in SPECS}
    assert path.stem in specs, (
        f"{path.stem} was published but has no model any more: keep the version "
        "until no producer emits it and no consumer reads it"
    )
    snapshot = json.loads(path.read_text("utf-8"))
    problems = check_backward(snapshot, schema_for_model(specs[path.stem].model))
    assert not problems, (
        f"{path.stem} changed incompatibly: "
        + "; ".join(map(str, problems))
        + ". Add a new major version (…v2) beside it instead (ADR 0005)."
    )


def test_committed_files_are_up_to_date() -> None:
    report = export.compare()
    assert not report.stale, f"out of date: {[str(p) for p in report.stale]}; {HOW_TO_FIX}"
    assert not report.breaking
    assert not report.orphaned


def test_check_mode_fails_on_stale_and_breaking_snapshots(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(export.SCHEMAS_DIR, lib / "schemas")
    docs = tmp_path / "README.md"
    for path, text in export.expected_files(lib, docs).items():
        path.write_text(text, "utf-8")
    assert export.compare(lib, docs) == export.Report()

    target = lib / "schemas" / "credmarket.payments.payment.failed.v1.json"
    schema = json.loads(target.read_text("utf-8"))
    # As if a snapshot had been published with a field the model no longer requires.
    schema["properties"]["gateway"] = {"type": "string"}
    schema["required"].append("gateway")
    target.write_text(json.dumps(schema), "utf-8")
    report = export.compare(lib, docs)
    assert report.stale == [target]
    assert any("required_field_removed" in line for line in report.breaking)


def test_snapshot_ids_are_the_dataschema_urls() -> None:
    for spec in SPECS:
        snapshot = json.loads(export.snapshot_path(spec.type).read_text("utf-8"))
        assert snapshot["$id"].endswith(f"/{spec.type}.json")
        assert snapshot["x-event-type"] == spec.type

"""Regenerate the committed contract artefacts: schema snapshots, AsyncAPI, docs.

    uv run python -m credmarket_events.export          # write
    uv run python -m credmarket_events.export --check  # exit 1 if anything is stale

A snapshot is never overwritten with a schema that is BACKWARD-incompatible
with it: a breaking change needs a new major version (ADR 0005).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credmarket_events.asyncapi import build_document
from credmarket_events.compat import check_backward
from credmarket_events.eventdocs import render
from credmarket_events.schemas import all_schemas

LIB_ROOT = Path(__file__).resolve().parents[2]
REPO_ROOT = LIB_ROOT.parents[1]
SCHEMAS_DIR = LIB_ROOT / "schemas"
ASYNCAPI_FILE = LIB_ROOT / "asyncapi.json"
DOCS_FILE = REPO_ROOT / "docs" / "events" / "README.md"


def dump_json(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def snapshot_path(event_type: str, schemas_dir: Path = SCHEMAS_DIR) -> Path:
    return schemas_dir / f"{event_type}.json"


def expected_files(lib_root: Path = LIB_ROOT, docs_file: Path = DOCS_FILE) -> dict[Path, str]:
    files = {snapshot_path(t, lib_root / "schemas"): dump_json(s) for t, s in all_schemas().items()}
    files[lib_root / "asyncapi.json"] = dump_json(build_document())
    files[docs_file] = render()
    return files


@dataclass
class Report:
    stale: list[Path] = field(default_factory=list)
    breaking: list[str] = field(default_factory=list)
    orphaned: list[Path] = field(default_factory=list)


def compare(lib_root: Path = LIB_ROOT, docs_file: Path = DOCS_FILE) -> Report:
    report = Report()
    files = expected_files(lib_root, docs_file)
    for path, text in files.items():
        current = path.read_text("utf-8") if path.exists() else None
        if current != text:
            report.stale.append(path)
        if current is not None and path.parent == lib_root / "schemas":
            for problem in check_backward(json.loads(current), json.loads(text)):
                report.breaking.append(f"{path.stem}: {problem}")
    schemas_dir = lib_root / "schemas"
    if schemas_dir.exists():
        # A published version must not silently disappear.
        report.orphaned = sorted(p for p in schemas_dir.glob("*.json") if p not in files)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m credmarket_events.export")
    parser.add_argument("--check", action="store_true", help="fail if files are out of date")
    args = parser.parse_args(argv)
    report = compare()
    for line in report.breaking:
        print(f"BREAKING {line}", file=sys.stderr)
    for path in report.orphaned:
        print(f"REMOVED  {path}: a published event type has no model any more", file=sys.stderr)
    if report.breaking:
        print(
            "Backward-incompatible change to a published version: add a new major version "
            "(…v2 beside …v1) instead. See docs/adr/0005-event-versioning-and-compatibility.md.",
            file=sys.stderr,
        )
    if args.check:
        for path in report.stale:
            print(f"STALE    {path}", file=sys.stderr)
        return 1 if report.stale or report.breaking or report.orphaned else 0
    if report.breaking or report.orphaned:
        return 1
    for path, text in expected_files().items():
        if path in report.stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

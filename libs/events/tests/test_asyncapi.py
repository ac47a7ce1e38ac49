"""The committed AsyncAPI document is valid AsyncAPI 3.0.0 and matches the code."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the dev group
import pytest
from credmarket_events import export
from credmarket_events.asyncapi import build_document, channel_id, message_id
from credmarket_events.registry import all_specs

VENDORED = Path(__file__).parent / "vendor" / "asyncapi-3.0.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(VENDORED.read_text("utf-8")))


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(export.ASYNCAPI_FILE.read_text("utf-8"))
    return doc


def test_committed_document_is_valid_asyncapi_3(
    validator: jsonschema.Draft7Validator, committed: dict[str, Any]
) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(committed)]
    assert not errors, "\n".join(errors[:10])


def test_validator_is_not_vacuous(
    validator: jsonschema.Draft7Validator, committed: dict[str, Any]
) -> None:
    broken = copy.deepcopy(committed)
    first = next(iter(broken["operations"].values()))
    first["action"] = "publish"  # AsyncAPI 2 vocabulary, invalid in 3.0
    assert not validator.is_valid(broken)


def test_committed_document_is_up_to_date(committed: dict[str, Any]) -> None:
    assert committed == build_document(), (
        "asyncapi.json is out of date: run `uv run python -m credmarket_events.export`"
    )


def test_producers_and_consumers_are_operations(committed: dict[str, Any]) -> None:
    ops = committed["operations"]
    for spec in all_specs():
        cid = channel_id(spec.topic)
        ref = {"$ref": f"#/channels/{cid}/messages/{message_id(spec)}"}
        assert ref in ops[f"{spec.producer}.send.{cid}"]["messages"]
        for consumer in spec.consumers:
            assert ref in ops[f"{consumer}.receive.{cid}"]["messages"]
        channel = committed["channels"][cid]
        assert channel["address"] == spec.topic.name
        message = committed["components"]["messages"][message_id(spec)]
        assert message["headers"]["properties"]["ce_type"]["const"] == spec.type

"""Validation against the official 1EdTech OB 3.0 AchievementCredential JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

# No stubs in the workspace (types-jsonschema is not a dependency); the API used is tiny.
from jsonschema import Draft201909Validator  # type: ignore[import-untyped]

__all__ = ["SCHEMA_FILE", "schema_errors"]

SCHEMA_FILE = "ob_v3p0_achievementcredential_schema.json"


@cache
def _validator() -> Draft201909Validator:
    text = resources.files("issuance").joinpath("contexts", SCHEMA_FILE).read_text("utf-8")
    schema = json.loads(text)
    Draft201909Validator.check_schema(schema)
    # Building the validator compiles $refs once; reused for every credential.
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(credential: Mapping[str, Any]) -> list[str]:
    """Every violation of the OB 3.0 schema, as ``<json path>: <message>``; empty if valid."""
    errors = sorted(_validator().iter_errors(dict(credential)), key=lambda e: e.json_path)
    return [f"{error.json_path}: {error.message}" for error in errors]

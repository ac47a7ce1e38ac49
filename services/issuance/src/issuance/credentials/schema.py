"""Validation against the official 1EdTech OB 3.0 AchievementCredential JSON Schema.

Two validators of the same schema: jsonschema-rs (Rust, ~5 us per credential)
decides that a credential passes, the Python ``jsonschema`` one (~0.5 ms) words
the errors and has the last word on anything the first rejects. That is exactly
the Python validator's verdict as long as jsonschema-rs is at least as strict,
which holds for this schema: it checks ``date-time`` (Python has no checker
installed for it), and its ECMA regexes have no ``$``-before-newline or Unicode
``\\d`` leniency. tests/unit/test_schema.py holds that assumption to a corpus of
broken credentials.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs

# No stubs in the workspace (types-jsonschema is not a dependency); the API used is tiny.
from jsonschema import Draft201909Validator  # type: ignore[import-untyped]

__all__ = ["SCHEMA_FILE", "schema_errors"]

SCHEMA_FILE = "ob_v3p0_achievementcredential_schema.json"


@cache
def _schema() -> Any:
    text = resources.files("issuance").joinpath("contexts", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def _passes() -> jsonschema_rs.Draft201909Validator:
    return jsonschema_rs.Draft201909Validator(_schema(), validate_formats=True)


@cache
def _validator() -> Draft201909Validator:
    schema = _schema()
    Draft201909Validator.check_schema(schema)
    # Building the validator compiles $refs once; reused for every credential.
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(credential: Mapping[str, Any]) -> list[str]:
    """Every violation of the OB 3.0 schema, as ``<json path>: <message>``; empty if valid."""
    instance = dict(credential)
    if _passes().is_valid(instance):
        return []
    errors = sorted(_validator().iter_errors(instance), key=lambda e: e.json_path)
    return [f"{error.json_path}: {error.message}" for error in errors]

"""The fast schema pass never accepts what the Python validator rejects."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from issuance.credentials import schema
from issuance.credentials.schema import schema_errors

_REPLACEMENTS: list[Any] = [
    None,
    0,
    1.5,
    True,
    "",
    "x",
    "en\n",
    "2024-02-30",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.\u0663.\u0664.json\n",
    [],
    ["x"],
    {},
]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        yield (*path, key)
        yield from _paths(child, (*path, key))


def _variants(credential: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in _paths(credential):
        for replacement in [*_REPLACEMENTS, _DELETE]:
            variant = copy.deepcopy(credential)
            parent = variant
            for key in path[:-1]:
                parent = parent[key]
            if replacement is _DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = replacement
            yield variant


_DELETE = object()


def _python_errors(document: dict[str, Any]) -> list[str]:
    errors = sorted(schema._validator().iter_errors(document), key=lambda e: e.json_path)
    return [f"{error.json_path}: {error.message}" for error in errors]


def test_fast_pass_is_never_laxer_than_the_python_validator(credential: dict[str, Any]) -> None:
    checked = rejected = 0
    for variant in _variants(credential):
        python = _python_errors(variant)
        assert schema_errors(variant) == python
        if python:
            rejected += 1
            assert not schema._passes().is_valid(variant), python
        checked += 1
    # The corpus must actually exercise the schema, not only pass trivially.
    assert rejected > checked // 4


@pytest.mark.parametrize("field", ["validFrom", "issuer"])
def test_rejected_credentials_get_the_python_wording(
    credential: dict[str, Any], field: str
) -> None:
    broken = {k: v for k, v in credential.items() if k != field}
    errors = schema_errors(broken)
    assert errors == _python_errors(broken)
    assert any(field in error for error in errors)

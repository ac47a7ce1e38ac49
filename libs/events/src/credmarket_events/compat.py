"""BACKWARD compatibility between two JSON Schemas, as a schema registry checks it.

BACKWARD: a consumer built against the *new* schema can read every message
written against the *old* one. So the new schema may only accept more:

- a field required by the old schema may not disappear (nor be renamed);
- an existing field may not change type (widening integer -> number is fine);
- a new field may not be required (old messages do not have it);
- an optional field may not become required;
- enum values may not be removed, and a free value may not become an enum;
- constraints may not tighten (max/min lengths and bounds, pattern, format);
- all of this recursively, through ``$ref``/``$defs``, objects, arrays, and
  the branches of ``anyOf``/``oneOf`` (how pydantic writes ``X | None``).

Removing an optional field is allowed: a tolerant reader ignores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonSchema = dict[str, Any]

_UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
_LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
_EXACT = ("pattern", "format", "multipleOf")


@dataclass(frozen=True)
class Incompatibility:
    """One reason the new schema cannot read old data."""

    path: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: {self.detail}"


def check_backward(old: JsonSchema, new: JsonSchema) -> list[Incompatibility]:
    """Every BACKWARD incompatibility of ``new`` against ``old``; empty if compatible."""
    return _Checker(old, new).compare(old, new, "$")


def is_backward_compatible(old: JsonSchema, new: JsonSchema) -> bool:
    return not check_backward(old, new)


class _Checker:
    def __init__(self, old_root: JsonSchema, new_root: JsonSchema) -> None:
        self.old_root = old_root
        self.new_root = new_root
        # Recursive schemas would otherwise recurse forever.
        self.seen: set[tuple[int, int]] = set()

    def compare(self, old: JsonSchema, new: JsonSchema, path: str) -> list[Incompatibility]:
        old = _resolve(old, self.old_root)
        new = _resolve(new, self.new_root)
        pair = (id(old), id(new))
        if pair in self.seen:
            return []
        self.seen.add(pair)
        old_branches = _branches(old, self.old_root)
        new_branches = _branches(new, self.new_root)
        if len(old_branches) > 1 or len(new_branches) > 1:
            return self._compare_branches(old_branches, new_branches, path)
        return self._compare_single(old, new, path)

    def _compare_branches(
        self, olds: list[JsonSchema], news: list[JsonSchema], path: str
    ) -> list[Incompatibility]:
        # Each alternative the old schema allowed must be readable by some
        # alternative of the new one.
        problems: list[Incompatibility] = []
        for old in olds:
            old_types = _types(old)
            candidates = [n for n in news if _accepts_types(_types(n), old_types)]
            if not candidates:
                problems.append(
                    Incompatibility(
                        path,
                        "type_changed",
                        f"{_describe(old_types)} is no longer accepted (now {_describe_all(news)})",
                    )
                )
                continue
            attempts = [self._compare_single(old, n, path) for n in candidates]
            if not any(not a for a in attempts):
                problems.extend(attempts[0])
        return problems

    def _compare_single(self, old: JsonSchema, new: JsonSchema, path: str) -> list[Incompatibility]:
        problems: list[Incompatibility] = []
        old_types, new_types = _types(old), _types(new)
        if old_types and new_types and not _accepts_types(new_types, old_types):
            problems.append(
                Incompatibility(
                    path,
                    "type_changed",
                    f"was {_describe(old_types)}, now {_describe(new_types)}",
                )
            )
            return problems
        problems += _compare_enum(old, new, path)
        problems += _compare_constraints(old, new, path)
        if "object" in old_types or "properties" in old or "properties" in new:
            problems += self._compare_object(old, new, path)
        if "items" in old and "items" in new:
            problems += self.compare(old["items"], new["items"], f"{path}[]")
        return problems

    def _compare_object(self, old: JsonSchema, new: JsonSchema, path: str) -> list[Incompatibility]:
        problems: list[Incompatibility] = []
        old_props: dict[str, JsonSchema] = old.get("properties", {})
        new_props: dict[str, JsonSchema] = new.get("properties", {})
        old_req = set(old.get("required", ()))
        new_req = set(new.get("required", ()))
        for name in sorted(old_req - set(new_props)):
            problems.append(
                Incompatibility(
                    f"{path}.{name}",
                    "required_field_removed",
                    "a required field was removed or renamed",
                )
            )
        for name in sorted(new_req - old_req):
            if name in old_props:
                detail = "an optional field became required"
                rule = "field_became_required"
            else:
                detail = "a new field is required; give it a default or make it optional"
                rule = "new_required_field"
            problems.append(Incompatibility(f"{path}.{name}", rule, detail))
        for name in sorted(set(old_props) & set(new_props)):
            problems += self.compare(old_props[name], new_props[name], f"{path}.{name}")
        if (
            new.get("additionalProperties") is False
            and old.get("additionalProperties") is not False
        ):
            problems.append(
                Incompatibility(path, "closed_content_model", "additional properties now rejected")
            )
        return problems


def _resolve(schema: JsonSchema, root: JsonSchema) -> JsonSchema:
    seen = 0
    while "$ref" in schema:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        target: Any = root
        for part in [p for p in ref[1:].split("/") if p]:
            target = target[part.replace("~1", "/").replace("~0", "~")]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **siblings} if siblings else target
        seen += 1
        if seen > 64:
            raise ValueError(f"$ref cycle at {ref!r}")
    return schema


def _branches(schema: JsonSchema, root: JsonSchema) -> list[JsonSchema]:
    for key in ("anyOf", "oneOf"):
        if key in schema:
            out: list[JsonSchema] = []
            for branch in schema[key]:
                out += _branches(_resolve(branch, root), root)
            return out
    return [schema]


_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}


def _types(schema: JsonSchema) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if values is not None:
        return {_JSON_TYPES.get(type(v), "object") for v in values}
    if "properties" in schema:
        return {"object"}
    if "items" in schema:
        return {"array"}
    return set()  # unconstrained: accepts anything


def _accepts_types(new: set[str], old: set[str]) -> bool:
    if not new:
        return True
    if not old:
        return False
    widened = new | ({"integer"} if "number" in new else set())
    return old <= widened


def _enum_values(schema: JsonSchema) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def _compare_enum(old: JsonSchema, new: JsonSchema, path: str) -> list[Incompatibility]:
    new_values = _enum_values(new)
    if new_values is None:
        return []
    old_values = _enum_values(old)
    if old_values is None:
        return [Incompatibility(path, "enum_added", f"free value restricted to {new_values}")]
    removed = [v for v in old_values if v not in new_values]
    if removed:
        return [Incompatibility(path, "enum_value_removed", f"values {removed} no longer allowed")]
    return []


def _compare_constraints(old: JsonSchema, new: JsonSchema, path: str) -> list[Incompatibility]:
    problems: list[Incompatibility] = []
    for key in _UPPER_BOUNDS:
        if key in new and (key not in old or new[key] < old[key]):
            problems.append(
                Incompatibility(path, "constraint_tightened", f"{key} {old.get(key)} -> {new[key]}")
            )
    for key in _LOWER_BOUNDS:
        if key in new and (key not in old or new[key] > old[key]):
            problems.append(
                Incompatibility(path, "constraint_tightened", f"{key} {old.get(key)} -> {new[key]}")
            )
    for key in _EXACT:
        if key in new and new[key] != old.get(key):
            problems.append(
                Incompatibility(path, "constraint_tightened", f"{key} {old.get(key)} -> {new[key]}")
            )
    return problems


def _describe(types: set[str]) -> str:
    return "|".join(sorted(types)) or "any"


def _describe_all(schemas: list[JsonSchema]) -> str:
    return " or ".join(_describe(_types(s)) for s in schemas)

"""The BACKWARD checker catches breaking changes and lets additive ones through."""

from __future__ import annotations

import copy
from typing import Any, ClassVar
from uuid import UUID

from credmarket_events.base import EventData
from credmarket_events.compat import check_backward, is_backward_compatible
from credmarket_events.schemas import schema_for, schema_for_model
from credmarket_events.values import Money, UtcDateTime
from pydantic import Field

COMPLETED = "credmarket.enrollment.enrollment.completed.v1"


def _rules(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {p.rule for p in check_backward(old, new)}


def test_identical_schemas_are_compatible() -> None:
    schema = schema_for(COMPLETED)
    assert check_backward(schema, copy.deepcopy(schema)) == []


# Two versions of one model, as a developer would edit it.
class _Old(EventData):
    event_type: ClassVar[str] = "credmarket.test.thing.happened.v1"
    key_field: ClassVar[str] = "thing_id"
    thing_id: UUID
    price: Money
    note: str | None = None
    happened_at: UtcDateTime


class _AddedOptional(_Old):
    comment: str | None = Field(default=None, max_length=200)


class _AddedRequired(_Old):
    comment: str


class _RemovedRequired(EventData):
    event_type: ClassVar[str] = "credmarket.test.thing.happened.v1"
    key_field: ClassVar[str] = "thing_id"
    thing_id: UUID
    note: str | None = None
    happened_at: UtcDateTime


class _ChangedType(EventData):
    event_type: ClassVar[str] = "credmarket.test.thing.happened.v1"
    key_field: ClassVar[str] = "thing_id"
    thing_id: UUID
    price: str
    note: str | None = None
    happened_at: UtcDateTime


def test_additive_optional_field_passes() -> None:
    assert is_backward_compatible(schema_for_model(_Old), schema_for_model(_AddedOptional))


def test_removing_an_optional_field_passes() -> None:
    old = schema_for_model(_Old)
    new = copy.deepcopy(old)
    del new["properties"]["note"]
    assert is_backward_compatible(old, new)


def test_new_required_field_is_caught() -> None:
    rules = _rules(schema_for_model(_Old), schema_for_model(_AddedRequired))
    assert rules == {"new_required_field"}


def test_removed_required_field_is_caught() -> None:
    problems = check_backward(schema_for_model(_Old), schema_for_model(_RemovedRequired))
    assert [(p.path, p.rule) for p in problems] == [("$.price", "required_field_removed")]


def test_renamed_required_field_is_caught() -> None:
    old = schema_for_model(_Old)
    new = copy.deepcopy(old)
    new["properties"]["cost"] = new["properties"].pop("price")
    new["required"] = [("cost" if r == "price" else r) for r in new["required"]]
    assert _rules(old, new) == {"required_field_removed", "new_required_field"}


def test_type_change_is_caught() -> None:
    assert "type_changed" in _rules(schema_for_model(_Old), schema_for_model(_ChangedType))


def test_type_change_inside_a_nested_definition_is_caught() -> None:
    old = schema_for(COMPLETED)
    new = copy.deepcopy(old)
    new["$defs"]["AchievementSnapshot"]["properties"]["valid_for_days"]["anyOf"][0] = {
        "type": "string"
    }
    problems = check_backward(old, new)
    assert [(p.path, p.rule) for p in problems] == [
        ("$.achievement.valid_for_days", "type_changed")
    ]


def test_nested_new_required_field_is_caught() -> None:
    old = schema_for(COMPLETED)
    new = copy.deepcopy(old)
    result = new["$defs"]["CompletionResult"]
    result["properties"]["grade"] = {"type": "string"}
    result["required"].append("grade")
    assert [p.path for p in check_backward(old, new)] == ["$.result.grade"]


def test_optional_becoming_required_is_caught() -> None:
    old = schema_for_model(_Old)
    new = copy.deepcopy(old)
    new["required"].append("note")
    assert _rules(old, new) == {"field_became_required"}


def test_nullable_becoming_non_nullable_is_caught() -> None:
    old = schema_for_model(_Old)
    new = copy.deepcopy(old)
    new["properties"]["note"] = {"type": "string"}
    assert _rules(old, new) == {"type_changed"}


def test_widening_is_allowed() -> None:
    old = {"type": "object", "properties": {"n": {"type": "integer"}, "s": {"type": "string"}}}
    new = {
        "type": "object",
        "properties": {
            "n": {"type": "number"},
            "s": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    }
    assert is_backward_compatible(old, new)


def test_enum_value_removed_is_caught_and_added_passes() -> None:
    old = schema_for("credmarket.enrollment.enrollment.cancelled.v1")
    added = copy.deepcopy(old)
    added["$defs"]["CancellationReason"]["enum"].append("provider_cancelled")
    assert is_backward_compatible(old, added)
    removed = copy.deepcopy(old)
    removed["$defs"]["CancellationReason"]["enum"].remove("payment_deadline_passed")
    assert _rules(old, removed) == {"enum_value_removed"}


def test_literal_value_removed_is_caught() -> None:
    old = schema_for("credmarket.enrollment.enrollment.activated.v1")
    new = copy.deepcopy(old)
    new["properties"]["via"]["enum"] = ["payment"]
    assert _rules(old, new) == {"enum_value_removed"}


def test_tightened_constraint_is_caught() -> None:
    old = schema_for("credmarket.catalog.offering.published.v1")
    new = copy.deepcopy(old)
    new["properties"]["title"]["maxLength"] = 50
    assert _rules(old, new) == {"constraint_tightened"}


def test_array_items_are_recursed() -> None:
    old = schema_for("credmarket.catalog.offering.published.v1")
    new = copy.deepcopy(old)
    new["properties"]["skills"]["items"] = {"type": "integer"}
    assert [p.path for p in check_backward(old, new)] == ["$.skills[]"]


def test_closing_the_content_model_is_caught() -> None:
    old = schema_for_model(_Old)
    new = copy.deepcopy(old)
    new["additionalProperties"] = False
    assert _rules(old, new) == {"closed_content_model"}


def test_recursive_schemas_terminate() -> None:
    node = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}},
            }
        },
        "$ref": "#/$defs/Node",
    }
    assert is_backward_compatible(node, copy.deepcopy(node))

"""The JSON Schema of each event type's data, as snapshotted and published.

Validation mode: a schema describes what a consumer of that version accepts,
which is what the BACKWARD rules in ``compat`` reason about. (Serialization
mode would also mark defaulted fields required, hiding additive changes.)
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from credmarket_events.base import EventData
from credmarket_events.envelope import dataschema_for
from credmarket_events.registry import EventSpec, all_specs, spec_for

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
JsonSchema = dict[str, Any]


def schema_for_model(model: type[EventData]) -> JsonSchema:
    """The standalone JSON Schema of one event type, ``$id`` = its ``ce_dataschema``."""
    body = model.model_json_schema(mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": dataschema_for(model.event_type),
        "x-event-type": model.event_type,
        **body,
    }


def schema_for(event_type: str) -> JsonSchema:
    return schema_for_model(spec_for(event_type).model)


def all_schemas() -> dict[str, JsonSchema]:
    """Every registered type's schema, by type."""
    return {spec.type: schema_for_model(spec.model) for spec in all_specs()}


def shared_definitions(
    specs: list[EventSpec], ref_template: str
) -> tuple[dict[str, JsonSchema], dict[str, JsonSchema]]:
    """All types' schemas with one shared set of definitions (for AsyncAPI).

    Returns (type -> payload schema reference, definition name -> schema).
    Pydantic names the definitions and fails loudly if two differ under one name.
    """
    refs, top = models_json_schema(
        [(spec.model, "validation") for spec in specs], ref_template=ref_template
    )
    by_type = {spec.type: refs[(spec.model, "validation")] for spec in specs}
    return by_type, top.get("$defs", {})

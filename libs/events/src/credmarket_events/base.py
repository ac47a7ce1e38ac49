"""The base every event's data model derives from."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """The data (payload) of one event type.

    Subclasses declare, as class variables, the CloudEvents ``type`` they carry
    and which field of the data is the aggregate id (the Kafka key and the
    CloudEvents ``subject``). The topic is looked up in the registry, so that a
    type's destination is declared once.
    """

    # Tolerant reader: a consumer built against an older minor shape must
    # accept data that a newer producer extended with optional fields.
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    key_field: ClassVar[str]

    def aggregate_id(self) -> str:
        return str(getattr(self, self.key_field))

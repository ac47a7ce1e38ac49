"""Which records a group skips without decoding them: catalogued types it has no handler for."""

from __future__ import annotations

from aiokafka.structs import ConsumerRecord
from credmarket_events.catalog import OfferingPublishedV1, ProviderRegisteredV1
from credmarket_events.envelope import H_TYPE
from credmarket_platform.messaging.handlers import HandlerContext, HandlerRegistry
from credmarket_platform.messaging.transactions import not_ours


def _record(event_type: str | None) -> ConsumerRecord:
    headers = [] if event_type is None else [(H_TYPE, event_type.encode())]
    # The body is not an event at all: a skipped record is never decoded.
    return ConsumerRecord(
        "t", 0, 0, 0, 0, b"k", b"not json", None, len(b"k"), len(b"not json"), headers
    )


async def _handle(ctx: HandlerContext[ProviderRegisteredV1]) -> None:
    return None


def _registry() -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register(ProviderRegisteredV1, _handle)
    return registry


def test_a_catalogued_type_without_a_handler_is_skipped_by_its_header() -> None:
    assert not_ours(_registry(), _record(OfferingPublishedV1.event_type)) == (
        OfferingPublishedV1.event_type
    )


def test_a_handled_type_is_decoded() -> None:
    assert not_ours(_registry(), _record(ProviderRegisteredV1.event_type)) is None


def test_an_unknown_or_missing_type_is_decoded_so_it_can_be_dead_lettered() -> None:
    assert not_ours(_registry(), _record("credmarket.catalog.offering.exploded.v1")) is None
    assert not_ours(_registry(), _record("")) is None
    assert not_ours(_registry(), _record(None)) is None

"""The topics of the namespace: partitions, retention, cleanup policy, how many records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from credmarket_infra.ops.clients import admin_client, offset_bounds, partitions_of, reader
from credmarket_infra.ops.target import OpsTarget

Kind = Literal["events", "dead letters", "ledger", "other"]


@dataclass(frozen=True)
class TopicInfo:
    name: str
    kind: Kind
    partitions: int
    retention_ms: int | None
    cleanup_policy: str | None
    messages: int

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "partitions": self.partitions,
            "retention_ms": self.retention_ms,
            "cleanup_policy": self.cleanup_policy,
            "messages": self.messages,
        }


def _kind(target: OpsTarget, name: str) -> Kind:
    if name in target.declared_topics():
        return "events"
    if name == target.ledger_topic:
        return "ledger"
    if target.is_dead_letter_topic(name):
        return "dead letters"
    return "other"


def _configs(response: Any) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for resource in response.to_object()["resources"]:
        out[resource["resource_name"]] = {
            e["config_names"]: e["config_value"] for e in resource["config_entries"]
        }
    return out


async def list_topics(target: OpsTarget) -> list[TopicInfo]:
    """Message counts are end - beginning offsets: exact for delete-policy topics,
    an upper bound for compacted ones (and transaction markers count too)."""
    async with admin_client(target.bootstrap) as admin:
        names = sorted(t for t in await admin.list_topics() if target.in_namespace(t))
        if not names:
            return []
        partitions = await partitions_of(admin, names)
        configs: dict[str, dict[str, str]] = {}
        for response in await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
        ):
            configs.update(_configs(response))
    async with reader(target.bootstrap) as consumer:
        begins, ends = await offset_bounds(consumer, partitions)
    infos: list[TopicInfo] = []
    for name in names:
        tps = [tp for tp in partitions if tp.topic == name and tp in ends]
        if not tps:
            continue  # deleted while we looked
        config = configs.get(name, {})
        retention = config.get("retention.ms")
        infos.append(
            TopicInfo(
                name=name,
                kind=_kind(target, name),
                partitions=len(tps),
                retention_ms=int(retention) if retention else None,
                cleanup_policy=config.get("cleanup.policy"),
                messages=sum(ends[tp] - begins[tp] for tp in tps),
            )
        )
    return infos

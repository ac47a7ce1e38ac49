"""The local stack's Kafka, stopped and started the way `credmarket-stack` does it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from credmarket_infra.stack import kafka
from credmarket_infra.stack.config import StackConfig


@dataclass
class LocalBroker:
    """The local stack's Kafka, stopped and started the way `credmarket-stack` does it."""

    config: StackConfig

    def running(self) -> bool:
        return kafka.pid(self.config) is not None

    async def stop(self) -> None:
        await asyncio.to_thread(kafka.down, self.config)
        assert not self.running(), "the broker did not stop"

    async def start(self) -> None:
        # kafka.up waits (asyncio.run of its own) until the broker answers.
        await asyncio.to_thread(kafka.up, self.config)

"""The enrollment service's own knobs."""

from __future__ import annotations

from datetime import timedelta

from credmarket_platform.settings import ServiceSettings, service_alias, service_database_url
from pydantic import Field


class EnrollmentSettings(ServiceSettings):
    service_name: str = "enrollment"
    port: int = Field(default=8002, validation_alias=service_alias("enrollment", "PORT"))
    database_url: str = service_database_url("enrollment")
    payment_window_s: float = Field(
        default=30 * 60,
        gt=0,
        validation_alias=service_alias("enrollment", "PAYMENT_WINDOW_S"),
        description="How long a paid enrollment waits for its payment before it is cancelled.",
    )
    sweep_interval_s: float = Field(
        default=15.0, gt=0, validation_alias=service_alias("enrollment", "SWEEP_INTERVAL_S")
    )
    sweep_batch_size: int = Field(default=100, ge=1)
    # Live status streams (ADR 0026): each holds a connection open, so they are counted
    # apart from the in-flight request cap and bounded here.
    live_max_streams: int = Field(
        default=1000, ge=1, validation_alias=service_alias("enrollment", "LIVE_MAX_STREAMS")
    )
    live_heartbeat_s: float = Field(
        default=15.0, gt=0, validation_alias=service_alias("enrollment", "LIVE_HEARTBEAT_S")
    )
    live_keep_updates_days: float = Field(
        default=30.0, gt=0, validation_alias=service_alias("enrollment", "LIVE_KEEP_UPDATES_DAYS")
    )
    live_max_stream_s: float = Field(
        default=1800.0, gt=0, validation_alias=service_alias("enrollment", "LIVE_MAX_STREAM_S")
    )
    run_sweeps: bool = True

    @property
    def payment_window(self) -> timedelta:
        return timedelta(seconds=self.payment_window_s)

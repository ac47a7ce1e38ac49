"""A service's own knob: its own variable wins over the shared one; field names work in code."""

from __future__ import annotations

import pytest
from credmarket_platform.settings import ServiceSettings, service_alias
from pydantic import Field


class _ShopSettings(ServiceSettings):
    service_name: str = "shop"
    window_s: float = Field(default=1.0, validation_alias=service_alias("shop", "WINDOW_S"))


def test_the_services_own_variable_wins_over_the_shared_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CREDMARKET_WINDOW_S", "2")
    assert _ShopSettings(_env_file=None).window_s == 2.0  # type: ignore[call-arg]
    monkeypatch.setenv("CREDMARKET_SHOP_WINDOW_S", "3")
    assert _ShopSettings(_env_file=None).window_s == 3.0  # type: ignore[call-arg]


def test_field_names_work_in_code() -> None:
    assert _ShopSettings(window_s=4.0).window_s == 4.0

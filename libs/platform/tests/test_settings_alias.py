"""A service's own knobs: its own variable wins over the shared one; field names work in code."""

from __future__ import annotations

import pytest
from credmarket_platform.settings import ServiceSettings, service_alias, service_database_url
from pydantic import Field


class _ShopSettings(ServiceSettings):
    service_name: str = "shop"
    window_s: float = Field(default=1.0, validation_alias=service_alias("shop", "WINDOW_S"))
    database_url: str = service_database_url("shop")


def test_the_services_own_variable_wins_over_the_shared_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CREDMARKET_WINDOW_S", "2")
    assert _ShopSettings(_env_file=None).window_s == 2.0  # type: ignore[call-arg]
    monkeypatch.setenv("CREDMARKET_SHOP_WINDOW_S", "3")
    assert _ShopSettings(_env_file=None).window_s == 3.0  # type: ignore[call-arg]


def test_field_names_work_in_code() -> None:
    assert _ShopSettings(window_s=4.0).window_s == 4.0


def test_the_database_is_the_services_own_unless_its_variable_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CREDMARKET_SHOP_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert _ShopSettings(_env_file=None).database_url.endswith(":15432/shop")  # type: ignore[call-arg]
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/any")
    monkeypatch.setenv("CREDMARKET_SHOP_DATABASE_URL", "postgresql+asyncpg://u@h/shop2")
    assert _ShopSettings(_env_file=None).database_url.endswith("/shop2")  # type: ignore[call-arg]

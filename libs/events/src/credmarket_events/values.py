"""Value types shared by many events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from credmarket_events.currencies import ISO_4217


def _known_currency(code: str) -> str:
    if code not in ISO_4217:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$"), AfterValidator(_known_currency)]


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None or t.utcoffset().total_seconds() != 0:  # type: ignore[union-attr]
        raise ValueError("times must be UTC")
    return t


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class Money(BaseModel):
    """An amount in integer minor units of an ISO 4217 currency (e.g. 1999 EUR = 19.99 EUR)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # Strict: lax mode would read "49.00" as 49 cents, a silent hundredfold error.
    amount: int = Field(ge=0, strict=True, description="Integer minor units (cents for EUR).")
    currency: Currency


# Plain strings with a pattern rather than pydantic's Url types: those normalise
# (e.g. add a trailing slash), so what a consumer reads would differ from what
# the producer stored.
HttpUrl = Annotated[str, Field(pattern=r"^https?://\S+$", max_length=2048)]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]
LanguageTag = Annotated[
    str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="BCP 47 tag, e.g. en-GB")
]

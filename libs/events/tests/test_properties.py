"""Round trips hold for arbitrary amounts, currencies and instants, not just defaults."""

from __future__ import annotations

from datetime import UTC, datetime

from credmarket_events.currencies import ISO_4217
from credmarket_events.envelope import decode, encode
from credmarket_events.payments import PaymentSucceededV1
from credmarket_events.testing import make_envelope, make_event
from credmarket_events.values import Money
from hypothesis import given
from hypothesis import strategies as st

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(
    fee=st.integers(min_value=0, max_value=10**9),
    share=st.integers(min_value=0, max_value=10**9),
    currency=st.sampled_from(sorted(ISO_4217)),
    at=instants,
)
def test_payment_succeeded_round_trips(fee: int, share: int, currency: str, at: datetime) -> None:
    event = make_event(
        PaymentSucceededV1,
        amount=Money(amount=fee + share, currency=currency),
        platform_fee=Money(amount=fee, currency=currency),
        provider_share=Money(amount=share, currency=currency),
        succeeded_at=at,
    )
    msg = encode(make_envelope(event))
    assert decode(msg.value, msg.headers, msg.key).data == event

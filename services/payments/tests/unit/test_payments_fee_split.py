import pytest
from hypothesis import given
from hypothesis import strategies as st
from payments.domain.fee_split import Split, split_payment, split_refund


@pytest.mark.parametrize(
    ("amount", "bps", "fee"),
    [
        (10_000, 1500, 1500),
        (1999, 1500, 300),  # 299.85 rounds up
        (1, 5000, 1),  # exactly half rounds up
        (3, 5000, 2),  # 1.5 rounds up
        (1, 4999, 0),
        (0, 1500, 0),
        (1234, 0, 0),
        (1234, 10_000, 1234),
    ],
)
def test_split_payment_rounds_half_up(amount: int, bps: int, fee: int) -> None:
    assert split_payment(amount, bps) == Split(platform_fee=fee, provider_share=amount - fee)


@pytest.mark.parametrize(("amount", "bps"), [(-1, 100), (10, -1), (10, 10_001)])
def test_split_payment_rejects_out_of_range(amount: int, bps: int) -> None:
    with pytest.raises(ValueError, match="must"):
        split_payment(amount, bps)


@given(st.integers(0, 10**12), st.integers(0, 10_000))
def test_split_payment_always_adds_up(amount: int, bps: int) -> None:
    split = split_payment(amount, bps)
    assert split.platform_fee + split.provider_share == amount
    assert 0 <= split.platform_fee <= amount


def test_split_refund_full_takes_back_whole_fee() -> None:
    assert split_refund(amount=1999, platform_fee=300, refunded_before=0, refunding=1999) == Split(
        300, 1699
    )


def test_split_refund_partials_sum_to_whole() -> None:
    parts = [
        split_refund(amount=1000, platform_fee=150, refunded_before=0, refunding=333),
        split_refund(amount=1000, platform_fee=150, refunded_before=333, refunding=333),
        split_refund(amount=1000, platform_fee=150, refunded_before=666, refunding=334),
    ]
    assert sum(p.platform_fee for p in parts) == 150
    assert sum(p.provider_share for p in parts) == 850
    assert parts[0] == Split(49, 284)  # floor(150*333/1000) = 49


@given(
    st.integers(1, 10**9).flatmap(
        lambda amount: st.tuples(
            st.just(amount),
            st.integers(0, amount),
            st.lists(st.integers(1, amount), min_size=1, max_size=6),
        )
    )
)
def test_split_refund_never_drifts(case: tuple[int, int, list[int]]) -> None:
    amount, fee, chunks = case
    done = 0
    fee_back = 0
    for chunk in chunks:
        chunk = min(chunk, amount - done)
        if chunk == 0:
            break
        part = split_refund(amount=amount, platform_fee=fee, refunded_before=done, refunding=chunk)
        assert part.platform_fee + part.provider_share == chunk
        assert part.platform_fee >= 0
        assert part.provider_share >= 0
        done += chunk
        fee_back += part.platform_fee
    if done == amount:
        assert fee_back == fee


@pytest.mark.parametrize(
    ("amount", "fee", "before", "refunding"),
    [(0, 0, 0, 1), (100, 10, 0, 0), (100, 10, 90, 11), (100, 10, -1, 5), (100, 101, 0, 5)],
)
def test_split_refund_rejects_out_of_range(
    amount: int, fee: int, before: int, refunding: int
) -> None:
    with pytest.raises(ValueError, match=r"range|positive"):
        split_refund(amount=amount, platform_fee=fee, refunded_before=before, refunding=refunding)

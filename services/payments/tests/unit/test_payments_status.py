import pytest
from payments.domain.status import FINAL, PaymentStatus, can_transition

S = PaymentStatus

ALLOWED = {
    (S.CREATING, S.PENDING),
    (S.CREATING, S.SUCCEEDED),
    (S.CREATING, S.CANCELLED),
    (S.PENDING, S.SUCCEEDED),
    (S.PENDING, S.CANCELLED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_transitions_are_exactly_the_allowed_ones(current: S, target: S) -> None:
    assert can_transition(current, target) is ((current, target) in ALLOWED)


@pytest.mark.parametrize("final", sorted(FINAL))
def test_final_states_go_nowhere(final: S) -> None:
    assert not any(can_transition(final, target) for target in S)

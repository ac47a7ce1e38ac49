"""Every transition of the enrollment state machine, and every refused one."""

from __future__ import annotations

from uuid import uuid4

import pytest
from enrollment.domain import lifecycle
from enrollment.domain.errors import TransitionRefused
from enrollment.domain.facts import Activated, Cancelled, Completed, RefundNeeded, Revoked
from enrollment.domain.status import CancelReason, EnrollmentStatus, RefundReason
from enrollment.domain.values import CompletionReport, PaymentError
from enrollment_factories import at, in_status, pending

S = EnrollmentStatus
ALL = list(S)


def report(passed: bool = True) -> CompletionReport:
    return CompletionReport(
        passed=passed, score=88.5, evidence_url=None, evidence_narrative=None, reported_at=at(90)
    )


# --- payment initiated ---------------------------------------------------------------


def test_initiated_on_pending_records_what_the_frontend_needs() -> None:
    e = pending()
    pid = uuid4()
    t = lifecycle.payment_initiated(
        e, payment_id=pid, payment_intent_id="pi_1", client_secret="pi_1_secret_x"
    )
    assert t.after.status is S.PENDING_PAYMENT
    assert (t.after.payment_id, t.after.stripe_payment_intent_id, t.after.client_secret) == (
        pid,
        "pi_1",
        "pi_1_secret_x",
    )
    assert t.facts == ()


def test_initiated_after_succeeded_keeps_active_and_stores_the_secret() -> None:
    pid = uuid4()
    e = in_status(S.ACTIVE, payment_id=pid)
    t = lifecycle.payment_initiated(
        e, payment_id=pid, payment_intent_id="pi_2", client_secret="pi_2_secret"
    )
    assert t.after.status is S.ACTIVE
    assert t.after.client_secret == "pi_2_secret"
    assert t.after.stripe_payment_intent_id == "pi_2"
    assert t.facts == ()


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED, S.CANCELLED, S.REVOKED])
def test_initiated_never_changes_a_status_that_left_pending(status: S) -> None:
    e = in_status(status)
    t = lifecycle.payment_initiated(
        e, payment_id=e.payment_id or uuid4(), payment_intent_id="pi_3", client_secret="s"
    )
    assert t.after.status is status
    assert t.facts == ()


def test_initiated_for_another_payment_after_activation_is_ignored() -> None:
    e = in_status(S.ACTIVE)
    t = lifecycle.payment_initiated(
        e, payment_id=uuid4(), payment_intent_id="pi_x", client_secret="s"
    )
    assert not t.changed


def test_initiated_twice_is_idempotent() -> None:
    e = pending()
    pid = uuid4()
    once = lifecycle.payment_initiated(
        e, payment_id=pid, payment_intent_id="pi_1", client_secret="s"
    )
    twice = lifecycle.payment_initiated(
        once.after, payment_id=pid, payment_intent_id="pi_1", client_secret="s"
    )
    assert not twice.changed


# --- payment succeeded ---------------------------------------------------------------


def test_succeeded_activates_a_pending_enrollment_and_clears_the_last_error() -> None:
    e = pending(last_payment_error=PaymentError("declined", "card_declined", at(1)))
    pid = uuid4()
    t = lifecycle.payment_succeeded(e, payment_id=pid, payment_intent_id="pi_9", at=at(3))
    assert t.after.status is S.ACTIVE
    assert t.after.activated_at == at(3)
    assert t.after.activated_via == "payment"
    assert t.after.payment_id == pid
    assert t.after.stripe_payment_intent_id == "pi_9"
    assert t.after.last_payment_error is None
    assert t.facts == (Activated(via="payment", at=at(3), payment_id=pid),)


def test_succeeded_before_initiated_activates_and_records_the_payment() -> None:
    e = pending()  # no payment id yet: initiated has not arrived
    pid = uuid4()
    t = lifecycle.payment_succeeded(e, payment_id=pid, payment_intent_id="pi_9", at=at(3))
    assert t.after.status is S.ACTIVE
    assert t.after.payment_id == pid
    late = lifecycle.payment_initiated(
        t.after, payment_id=pid, payment_intent_id="pi_9", client_secret="sec"
    )
    assert late.after.status is S.ACTIVE
    assert late.after.client_secret == "sec"
    assert late.facts == ()


def test_succeeded_past_the_deadline_but_before_the_sweep_still_activates() -> None:
    e = pending()
    t = lifecycle.payment_succeeded(e, payment_id=uuid4(), payment_intent_id="pi_1", at=at(45))
    assert t.after.status is S.ACTIVE


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED, S.REVOKED])
def test_duplicate_succeeded_is_a_no_op(status: S) -> None:
    pid = uuid4()
    e = in_status(status, payment_id=pid)
    t = lifecycle.payment_succeeded(e, payment_id=pid, payment_intent_id="pi_1", at=at(99))
    assert not t.changed
    assert t.facts == ()


def test_succeeded_after_cancellation_is_flagged_for_refund_and_not_reactivated() -> None:
    e = in_status(S.CANCELLED)
    pid = uuid4()
    t = lifecycle.payment_succeeded(e, payment_id=pid, payment_intent_id="pi_1", at=at(40))
    assert t.after.status is S.CANCELLED
    assert t.after.needs_refund
    assert t.after.refund_due_payment_id == pid
    assert t.after.payment_id == pid
    assert t.facts == (RefundNeeded(pid, RefundReason.ENROLLMENT_CANCELLED_BEFORE_PAYMENT, at(40)),)
    again = lifecycle.payment_succeeded(
        t.after, payment_id=pid, payment_intent_id="pi_1", at=at(41)
    )
    assert not again.changed


def test_succeeded_after_cancellation_keeps_the_known_payment_id() -> None:
    known = uuid4()
    e = in_status(S.CANCELLED)
    e = lifecycle.payment_initiated(
        e, payment_id=known, payment_intent_id="pi_k", client_secret="s"
    ).after
    t = lifecycle.payment_succeeded(e, payment_id=known, payment_intent_id="pi_k", at=at(40))
    # Same payment id as initiated, but it is not a duplicate of an activation:
    # the enrollment was cancelled, so this money must go back.
    assert t.after.status is S.CANCELLED
    assert t.after.refund_due_payment_id == known
    assert t.facts == (
        RefundNeeded(known, RefundReason.ENROLLMENT_CANCELLED_BEFORE_PAYMENT, at(40)),
    )


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED])
def test_a_second_payment_for_a_paid_enrollment_is_flagged_for_refund(status: S) -> None:
    e = in_status(status)
    other = uuid4()
    t = lifecycle.payment_succeeded(e, payment_id=other, payment_intent_id="pi_2", at=at(50))
    assert t.after.status is status
    assert t.after.refund_due_payment_id == other
    assert t.after.payment_id == e.payment_id
    assert t.facts == (RefundNeeded(other, RefundReason.DUPLICATE_PAYMENT, at(50)),)


# --- payment failed ------------------------------------------------------------------


def test_failed_keeps_the_enrollment_payable_and_shows_the_reason() -> None:
    t = lifecycle.payment_failed(
        pending(), reason="Your card was declined.", decline_code="generic_decline", at=at(4)
    )
    assert t.after.status is S.PENDING_PAYMENT
    assert t.after.last_payment_error == PaymentError(
        "Your card was declined.", "generic_decline", at(4)
    )
    assert t.facts == ()


def test_a_newer_failure_replaces_the_older_one_but_not_the_reverse() -> None:
    first = lifecycle.payment_failed(pending(), reason="old", decline_code=None, at=at(4)).after
    newer = lifecycle.payment_failed(first, reason="new", decline_code=None, at=at(6)).after
    assert newer.last_payment_error is not None
    assert newer.last_payment_error.reason == "new"
    stale = lifecycle.payment_failed(newer, reason="old", decline_code=None, at=at(4))
    assert not stale.changed


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED, S.CANCELLED, S.REVOKED])
def test_failed_after_the_enrollment_left_pending_is_ignored(status: S) -> None:
    e = in_status(status)
    t = lifecycle.payment_failed(e, reason="late", decline_code=None, at=at(99))
    assert not t.changed


# --- payment refunded ----------------------------------------------------------------


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED])
def test_full_refund_revokes_a_paid_enrollment(status: S) -> None:
    pid = uuid4()
    e = in_status(status, payment_id=pid)
    t = lifecycle.payment_refunded(e, payment_id=pid, full=True, at=at(100))
    assert t.after.status is S.REVOKED
    assert t.after.revoked_at == at(100)
    assert t.after.revoke_reason == "refunded"
    assert t.facts == (Revoked(reason="refunded", at=at(100), payment_id=pid),)


@pytest.mark.parametrize("status", ALL)
def test_partial_refund_changes_nothing(status: S) -> None:
    pid = uuid4()
    e = in_status(status, payment_id=pid)
    assert not lifecycle.payment_refunded(e, payment_id=pid, full=False, at=at(100)).changed


def test_refund_overtaking_success_revokes_and_the_late_success_is_a_no_op() -> None:
    pid = uuid4()
    t = lifecycle.payment_refunded(pending(), payment_id=pid, full=True, at=at(10))
    assert t.after.status is S.REVOKED
    assert isinstance(t.facts[0], Revoked)
    late = lifecycle.payment_succeeded(t.after, payment_id=pid, payment_intent_id="pi_1", at=at(9))
    assert not late.changed


def test_duplicate_full_refund_is_a_no_op() -> None:
    pid = uuid4()
    e = in_status(S.REVOKED, payment_id=pid)
    assert not lifecycle.payment_refunded(e, payment_id=pid, full=True, at=at(101)).changed


def test_refund_of_a_cancelled_enrollment_with_nothing_due_is_a_no_op() -> None:
    e = in_status(S.CANCELLED)
    assert not lifecycle.payment_refunded(e, payment_id=uuid4(), full=True, at=at(50)).changed


def test_refund_of_the_payment_flagged_for_refund_settles_the_flag_only() -> None:
    e = in_status(S.ACTIVE)
    extra = uuid4()
    flagged = lifecycle.payment_succeeded(
        e, payment_id=extra, payment_intent_id="pi_2", at=at(5)
    ).after
    partial = lifecycle.payment_refunded(flagged, payment_id=extra, full=False, at=at(6))
    assert not partial.changed
    t = lifecycle.payment_refunded(flagged, payment_id=extra, full=True, at=at(7))
    assert t.after.status is S.ACTIVE
    assert not t.after.needs_refund
    assert t.facts == ()


def test_refund_of_a_payment_this_enrollment_does_not_rest_on_is_ignored() -> None:
    e = in_status(S.ACTIVE)
    assert not lifecycle.payment_refunded(e, payment_id=uuid4(), full=True, at=at(7)).changed


# --- cancel (learner) ----------------------------------------------------------------


def test_learner_cancels_a_pending_enrollment() -> None:
    t = lifecycle.cancel(pending(), at=at(10))
    assert t.after.status is S.CANCELLED
    assert t.after.cancel_reason is CancelReason.LEARNER_CANCELLED
    assert t.after.cancelled_at == at(10)
    assert t.facts == (Cancelled(CancelReason.LEARNER_CANCELLED, at(10)),)


def test_cancelling_twice_is_harmless() -> None:
    once = lifecycle.cancel(pending(), at=at(10)).after
    again = lifecycle.cancel(once, at=at(11))
    assert not again.changed
    assert again.facts == ()


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED, S.REVOKED])
def test_cancel_is_refused_once_paid(status: S) -> None:
    with pytest.raises(TransitionRefused, match=f"cannot cancel an enrollment that is {status}"):
        lifecycle.cancel(in_status(status), at=at(10))


# --- expiry (deadline sweep) ---------------------------------------------------------


def test_expire_cancels_at_the_deadline() -> None:
    t = lifecycle.expire(pending(), now=at(30))
    assert t.after.status is S.CANCELLED
    assert t.after.cancel_reason is CancelReason.PAYMENT_DEADLINE_PASSED
    assert t.facts == (Cancelled(CancelReason.PAYMENT_DEADLINE_PASSED, at(30)),)


def test_expire_before_the_deadline_does_nothing() -> None:
    assert not lifecycle.expire(pending(), now=at(29.9)).changed


def test_expire_without_a_deadline_does_nothing() -> None:
    assert not lifecycle.expire(pending(payment_deadline=None), now=at(1000)).changed


@pytest.mark.parametrize("status", [S.ACTIVE, S.COMPLETED, S.CANCELLED, S.REVOKED])
def test_expire_leaves_other_statuses_alone(status: S) -> None:
    e = in_status(status)
    assert not lifecycle.is_overdue(e, at(1000))
    assert not lifecycle.expire(e, now=at(1000)).changed


# --- completion ----------------------------------------------------------------------


def test_pass_completes_an_active_enrollment() -> None:
    e = in_status(S.ACTIVE)
    t = lifecycle.complete(e, report(passed=True))
    assert t.after.status is S.COMPLETED
    assert t.after.completed_at == at(90)
    assert t.after.result == report(passed=True)
    assert t.facts == (Completed(at=at(90)),)


def test_fail_records_the_result_and_stays_active() -> None:
    e = in_status(S.ACTIVE)
    t = lifecycle.complete(e, report(passed=False))
    assert t.after.status is S.ACTIVE
    assert t.after.result == report(passed=False)
    assert t.facts == ()
    passed_later = lifecycle.complete(t.after, report(passed=True))
    assert passed_later.after.status is S.COMPLETED


@pytest.mark.parametrize("status", [S.PENDING_PAYMENT, S.COMPLETED, S.CANCELLED, S.REVOKED])
@pytest.mark.parametrize("passed", [True, False])
def test_completion_of_a_non_active_enrollment_is_refused(status: S, passed: bool) -> None:
    with pytest.raises(TransitionRefused, match="cannot complete"):
        lifecycle.complete(in_status(status), report(passed=passed))


# --- credentials ---------------------------------------------------------------------


def test_credential_issued_is_linked() -> None:
    e = in_status(S.COMPLETED)
    cid = uuid4()
    t = lifecycle.credential_issued(
        e, credential_id=cid, public_url="https://x.example/c/1", at=at(91)
    )
    assert t.after.credential is not None
    assert t.after.credential.credential_id == cid
    assert t.after.credential.public_url == "https://x.example/c/1"
    assert t.after.credential.revoked_at is None
    again = lifecycle.credential_issued(
        t.after, credential_id=cid, public_url="https://x.example/c/1", at=at(91)
    )
    assert not again.changed


def test_a_second_credential_does_not_replace_the_first() -> None:
    e = in_status(S.COMPLETED)
    first = lifecycle.credential_issued(
        e, credential_id=uuid4(), public_url="https://a.example", at=at(91)
    ).after
    t = lifecycle.credential_issued(
        first, credential_id=uuid4(), public_url="https://b.example", at=at(92)
    )
    assert not t.changed


def test_credential_revoked_marks_the_link() -> None:
    e = in_status(S.COMPLETED)
    cid = uuid4()
    linked = lifecycle.credential_issued(
        e, credential_id=cid, public_url="https://a.example", at=at(91)
    ).after
    t = lifecycle.credential_revoked(linked, credential_id=cid, at=at(120))
    assert t.after.credential is not None
    assert t.after.credential.revoked_at == at(120)
    assert not lifecycle.credential_revoked(t.after, credential_id=cid, at=at(121)).changed
    assert not lifecycle.credential_revoked(t.after, credential_id=uuid4(), at=at(121)).changed


def test_revocation_overtaking_issuance_is_kept_when_issued_arrives() -> None:
    e = in_status(S.REVOKED)
    cid = uuid4()
    revoked_first = lifecycle.credential_revoked(e, credential_id=cid, at=at(120)).after
    t = lifecycle.credential_issued(
        revoked_first, credential_id=cid, public_url="https://a.example", at=at(91)
    )
    assert t.after.credential is not None
    assert t.after.credential.public_url == "https://a.example"
    assert t.after.credential.revoked_at == at(120)


def test_ops_cancels_a_pending_enrollment_for_the_learner() -> None:
    t = lifecycle.cancel(pending(), at=at(10), reason=CancelReason.OPS_CANCELLED)
    assert t.after.status is S.CANCELLED
    assert t.after.cancel_reason is CancelReason.OPS_CANCELLED
    assert t.facts == (Cancelled(CancelReason.OPS_CANCELLED, at(10)),)

"""The next step an enrollment answer tells the frontend."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from enrollment.api.next_action import NextActionType, next_action
from enrollment.api.prefer_wait import preferred_wait
from enrollment.domain.status import EnrollmentStatus
from enrollment.domain.values import CredentialLink
from enrollment_factories import at, in_status, pending


def test_a_fresh_purchase_waits_for_the_payment_intent_on_the_event_stream() -> None:
    e = pending()
    action = next_action(e, prefix="/enrollment", learner=True)
    assert action.type is NextActionType.WAIT_FOR_PAYMENT_INTENT
    assert action.events_url == f"/enrollment/v1/enrollments/{e.id}/events"
    assert action.status_url == f"/enrollment/v1/enrollments/{e.id}"
    assert action.client_secret is None
    assert action.poll_after_s == 1


def test_with_an_intent_the_learner_gets_the_client_secret_and_the_stripe_config() -> None:
    e = pending(client_secret="pi_1_secret_2")
    action = next_action(e, prefix="", learner=True)
    assert action.type is NextActionType.CONFIRM_PAYMENT
    assert action.client_secret == "pi_1_secret_2"
    assert action.stripe_config_url == "/payments/v1/config"


def test_nobody_but_the_learner_gets_the_secret_or_the_stream() -> None:
    action = next_action(pending(client_secret="pi_1_secret_2"), prefix="", learner=False)
    assert action.type is NextActionType.CONFIRM_PAYMENT
    assert action.client_secret is None
    assert action.events_url is None


def test_active_waits_for_completion_then_for_the_credential_then_nothing() -> None:
    assert next_action(in_status(EnrollmentStatus.ACTIVE), prefix="", learner=True).type is (
        NextActionType.WAIT_FOR_COMPLETION
    )
    completed = in_status(EnrollmentStatus.COMPLETED)
    assert next_action(completed, prefix="", learner=True).type is (
        NextActionType.WAIT_FOR_CREDENTIAL
    )
    issued = replace(
        completed,
        credential=CredentialLink(
            credential_id=uuid4(),
            public_url="https://x.example/c",
            issued_at=at(61),
            revoked_at=None,
        ),
    )
    done = next_action(issued, prefix="", learner=True)
    assert done.type is NextActionType.NONE
    assert done.events_url is None


def test_cancelled_and_revoked_have_nothing_next() -> None:
    for status in (EnrollmentStatus.CANCELLED, EnrollmentStatus.REVOKED):
        assert next_action(in_status(status), prefix="", learner=True).type is (NextActionType.NONE)


def test_prefer_wait_is_read_as_rfc_7240_says_and_capped() -> None:
    assert preferred_wait(None) is None
    assert preferred_wait("respond-async") is None
    assert preferred_wait("wait=5") == 5
    assert preferred_wait("respond-async, wait=600") == 10
    assert preferred_wait("wait=0") is None

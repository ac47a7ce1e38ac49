"""What the live status stream says about each change (domain/updates.py)."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from enrollment.domain.credential_links import credential_url
from enrollment.domain.status import CancelReason, EnrollmentStatus
from enrollment.domain.updates import updates_of
from enrollment.domain.values import CredentialLink, PaymentError
from enrollment_factories import at, in_status, pending


def kinds(before: object, after: object) -> list[str]:
    return [u.kind for u in updates_of(before, after)]  # type: ignore[arg-type]


def test_a_new_purchase_is_requested_and_a_free_one_active_at_once() -> None:
    assert kinds(None, pending()) == ["enrollment.requested"]
    free = in_status(EnrollmentStatus.ACTIVE)
    assert kinds(None, free) == ["enrollment.activated"]


def test_the_intent_brings_the_client_secret_once() -> None:
    before = pending()
    after = replace(before, client_secret="pi_1_secret_x", stripe_payment_intent_id="pi_1")
    (update,) = updates_of(before, after)
    assert update.kind == "payment.initiated"
    assert update.data["client_secret"] == "pi_1_secret_x"
    assert update.data["status"] == "pending_payment"
    assert updates_of(after, after) == []


def test_a_decline_says_why_and_each_new_decline_is_told() -> None:
    first = PaymentError("Your card was declined.", "generic_decline", at(3))
    declined = replace(pending(), last_payment_error=first)
    (update,) = updates_of(pending(), declined)
    assert (update.kind, update.data["decline_code"]) == ("payment.failed", "generic_decline")
    again = replace(declined, last_payment_error=replace(first, failed_at=at(4)))
    assert kinds(declined, again) == ["payment.failed"]


def test_status_changes_and_the_credential_are_told_in_order() -> None:
    active = in_status(EnrollmentStatus.ACTIVE)
    completed = in_status(EnrollmentStatus.COMPLETED)
    assert kinds(active, completed) == ["enrollment.completed"]
    link = CredentialLink(uuid4(), "https://x.example/credentials/1/share", at(61))
    issued = replace(completed, credential=link)
    (update,) = updates_of(completed, issued)
    assert update.kind == "credential.issued"
    assert update.data["share_url"] == "https://x.example/credentials/1/share"
    assert update.data["credential_url"] == "https://x.example/credentials/1"
    revoked = replace(
        issued,
        status=EnrollmentStatus.REVOKED,
        revoked_at=at(70),
        revoke_reason="refunded",
        credential=replace(link, revoked_at=at(70)),
    )
    assert kinds(issued, revoked) == ["enrollment.revoked", "credential.revoked"]
    cancelled = replace(
        pending(),
        status=EnrollmentStatus.CANCELLED,
        cancel_reason=CancelReason.LEARNER_CANCELLED,
        cancelled_at=at(5),
    )
    (update,) = updates_of(pending(), cancelled)
    assert (update.kind, update.data["reason"]) == ("enrollment.cancelled", "learner_cancelled")


def test_the_credential_document_is_the_share_pages_parent() -> None:
    assert (
        credential_url("https://x.example/credentials/1/share") == "https://x.example/credentials/1"
    )
    assert credential_url(None) is None
    assert credential_url("https://x.example/elsewhere") is None

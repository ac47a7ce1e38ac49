"""The event adapters: one registration per consumed event type. All three call Stripe,
so each comes in two steps (``CallThenRecord``): the call, outside any transaction of the
consumer's and holding no row lock, then the recording in the consumer's transaction.
The steps are use cases (payments.actions.payment_intents, .requested_refunds).
"""

from __future__ import annotations

import functools

from credmarket_events.enrollment import (
    EnrollmentCancelledV1,
    EnrollmentRequestedV1,
    RefundRequestedV1,
)
from credmarket_platform.messaging.handlers import CallThenRecord, HandlerRegistry

from payments.actions.payment_intents import (
    call_enrollment_cancelled,
    call_enrollment_requested,
    record_enrollment_cancelled,
    record_enrollment_requested,
)
from payments.actions.requested_refunds import call_refund_requested, record_refund_requested
from payments.runtime import PaymentsRuntime


def build_registry(rt: PaymentsRuntime) -> HandlerRegistry:
    registry = HandlerRegistry()
    registry.register_call(
        EnrollmentRequestedV1,
        CallThenRecord(
            functools.partial(call_enrollment_requested, rt=rt),
            functools.partial(record_enrollment_requested, rt=rt),
        ),
    )
    registry.register_call(
        EnrollmentCancelledV1,
        CallThenRecord(
            functools.partial(call_enrollment_cancelled, rt=rt),
            functools.partial(record_enrollment_cancelled, rt=rt),
        ),
    )
    registry.register_call(
        RefundRequestedV1,
        CallThenRecord(
            functools.partial(call_refund_requested, rt=rt),
            functools.partial(record_refund_requested, rt=rt),
        ),
    )
    return registry

"""Failures that heal by themselves, failures that never will, and the rest.

A consumer retries a transient failure (the database failing over, a lock or statement
timeout, the broker or Stripe away) for as long as it lasts, holding back only its own
partition; it dead-letters a permanent one (bad content, a request Stripe refuses) at
once; anything it cannot place (most likely a bug) gets a few attempts, then the
dead-letter topic. The HTTP side answers a transient failure with 503 and Retry-After
instead of a bare 500.

Each service builds one ``FailurePolicy``: the platform's rules below plus its own
(payments adds Stripe's, ``payments.failures``), and hands it to its consumers and app.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Callable, Iterator
from enum import StrEnum

import sqlalchemy.exc as sa_exc
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from credmarket_events.errors import InvalidEventError


class Failure(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    UNKNOWN = "unknown"


class NonRetryableError(Exception):
    """The event can never be handled (bad content); dead-letter it at once."""


class TransientError(Exception):
    """Raised by code that knows the condition will pass (e.g. a dependency not ready)."""


# A rule looks at one exception and says what it is, or None when it has no opinion.
Rule = Callable[[BaseException], Failure | None]

# PostgreSQL SQLSTATEs that a later attempt can get past: the connection or the server
# went away (class 08, 57P01-03: a failover or restart), a read-only transaction (25006:
# we reached a standby mid-failover), lost a serialization or deadlock race (40001,
# 40P01), waited too long for a lock or a statement (55P03, 57014: our own timeouts),
# or the server ran out of something for a moment (class 53).
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
_TRANSIENT_SQLSTATES = frozenset(
    {"25006", "40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"}
)
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.EPIPE,
    }
)


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (exc, getattr(exc, "orig", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def database_rule(exc: BaseException) -> Failure | None:
    code = _sqlstate(exc)
    if code is not None:
        if code in _TRANSIENT_SQLSTATES or code[:2] in _TRANSIENT_SQLSTATE_CLASSES:
            return Failure.TRANSIENT
        return None
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return Failure.TRANSIENT
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.PendingRollbackError):
        return Failure.TRANSIENT  # the pool had no connection in time; an aborted session
    if isinstance(exc, sa_exc.InterfaceError | sa_exc.OperationalError):
        return Failure.TRANSIENT  # e.g. "connection is closed" while the server is away
    return None


def network_rule(exc: BaseException) -> Failure | None:
    # Refused, reset or timed out: what a dependency being away looks like on the wire.
    if isinstance(exc, ConnectionError | TimeoutError | asyncio.TimeoutError):
        return Failure.TRANSIENT
    if isinstance(exc, OSError) and exc.errno in _NETWORK_ERRNOS:
        return Failure.TRANSIENT
    return None


def kafka_rule(exc: BaseException) -> Failure | None:
    if isinstance(exc, KafkaConnectionError | KafkaTimeoutError):
        return Failure.TRANSIENT
    if isinstance(exc, KafkaError):
        return Failure.TRANSIENT if exc.retriable else None
    return None


def content_rule(exc: BaseException) -> Failure | None:
    if isinstance(exc, NonRetryableError | InvalidEventError):
        return Failure.PERMANENT
    if isinstance(exc, TransientError):
        return Failure.TRANSIENT
    return None


PLATFORM_RULES: tuple[Rule, ...] = (content_rule, database_rule, kafka_rule, network_rule)


def _chain(exc: BaseException, depth: int = 5) -> Iterator[BaseException]:
    """The exception, then what caused it: wrappers (SQLAlchemy's, ours) keep the cause."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < depth:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


class FailurePolicy:
    """Rules in order: a service's own first, then the platform's; the first opinion wins."""

    def __init__(self, *service_rules: Rule) -> None:
        self.rules: tuple[Rule, ...] = (*service_rules, *PLATFORM_RULES)

    def classify(self, exc: BaseException) -> Failure:
        for link in _chain(exc):
            for rule in self.rules:
                verdict = rule(link)
                if verdict is not None:
                    return verdict
        return Failure.UNKNOWN


PLATFORM_FAILURES = FailurePolicy()

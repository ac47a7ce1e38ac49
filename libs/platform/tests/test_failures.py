"""Which failures heal by themselves: the platform's rules, on the exceptions the drivers
really raise (asyncpg, SQLAlchemy's wrappers, aiokafka, the network)."""

from __future__ import annotations

import asyncpg.exceptions as pg
import pytest
import sqlalchemy.exc as sa_exc
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, RecordTooLargeError
from credmarket_events.errors import InvalidEventError
from credmarket_platform.failures import (
    PLATFORM_FAILURES,
    Failure,
    FailurePolicy,
    NonRetryableError,
    TransientError,
)


def wrapped(orig: Exception) -> sa_exc.DBAPIError:
    """How SQLAlchemy hands a driver error to our code."""
    return sa_exc.DBAPIError("SELECT 1", None, orig)


@pytest.mark.parametrize(
    "exc",
    [
        pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        pg.CannotConnectNowError("the database system is starting up"),
        pg.AdminShutdownError("terminating connection due to administrator command"),
        pg.ReadOnlySQLTransactionError("cannot execute UPDATE in a read-only transaction"),
        pg.SerializationError("could not serialize access"),
        pg.DeadlockDetectedError("deadlock detected"),
        pg.LockNotAvailableError("canceling statement due to lock timeout"),
        pg.QueryCanceledError("canceling statement due to statement timeout"),
        pg.TooManyConnectionsError("sorry, too many clients already"),
        wrapped(pg.LockNotAvailableError("canceling statement due to lock timeout")),
        sa_exc.InterfaceError("SELECT 1", None, Exception("connection is closed")),
        sa_exc.TimeoutError("QueuePool limit reached"),
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        OSError(113, "No route to host"),
        KafkaConnectionError(),
        KafkaTimeoutError(),
        TransientError("the offering is not known yet"),
    ],
)
def test_transient(exc: Exception) -> None:
    assert PLATFORM_FAILURES.classify(exc) is Failure.TRANSIENT


@pytest.mark.parametrize(
    "exc",
    [NonRetryableError("a free enrollment has nothing to pay"), InvalidEventError("bad_json", "x")],
)
def test_permanent(exc: Exception) -> None:
    assert PLATFORM_FAILURES.classify(exc) is Failure.PERMANENT


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("a bug"),
        KeyError("enrollment_id"),
        pg.UniqueViolationError("duplicate key value"),
        wrapped(pg.UndefinedTableError('relation "payments" does not exist')),
        FileNotFoundError(2, "No such file"),
        RecordTooLargeError(),
    ],
)
def test_unknown_is_neither(exc: Exception) -> None:
    assert PLATFORM_FAILURES.classify(exc) is Failure.UNKNOWN


def test_the_cause_counts_when_the_wrapper_says_nothing() -> None:
    wrapper = RuntimeError("could not record the payment")
    wrapper.__cause__ = ConnectionResetError(104, "reset")
    assert PLATFORM_FAILURES.classify(wrapper) is Failure.TRANSIENT


def test_a_services_own_rules_come_first() -> None:
    class QuotaExhausted(Exception):
        pass

    def rule(exc: BaseException) -> Failure | None:
        if isinstance(exc, QuotaExhausted):
            return Failure.PERMANENT
        if isinstance(exc, TimeoutError):
            return Failure.PERMANENT  # this service knows its timeouts do not heal
        return None

    policy = FailurePolicy(rule)
    assert policy.classify(QuotaExhausted()) is Failure.PERMANENT
    assert policy.classify(TimeoutError()) is Failure.PERMANENT
    assert policy.classify(ConnectionResetError(104, "reset")) is Failure.TRANSIENT

"""The worker's one error policy: exception types to `Failure`, whatever their messages say."""

from __future__ import annotations

import psycopg
import pytest
from aiokafka import errors as kafka
from psycopg_pool import PoolTimeout

from streams.error_policy import Failure, classify
from streams.errors import RecordError, StreamsError
from vault.errors import MasterKeyError, VaultError, VaultUnavailableError


class MessageSizeTooLargeError(Exception):
    """Named like aiokafka's, but not it: names decide nothing."""


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (VaultUnavailableError("down"), Failure.TRANSIENT),
        (psycopg.OperationalError("connection lost"), Failure.TRANSIENT),
        (PoolTimeout("no connection"), Failure.TRANSIENT),
        (ConnectionRefusedError(), Failure.TRANSIENT),
        (TimeoutError(), Failure.TRANSIENT),
        (kafka.KafkaConnectionError(), Failure.TRANSIENT),
        (kafka.KafkaTimeoutError(), Failure.TRANSIENT),
        (kafka.NotLeaderForPartitionError(), Failure.TRANSIENT),
        (kafka.RequestTimedOutError(), Failure.TRANSIENT),
        (kafka.MessageSizeTooLargeError(), Failure.POISON),
        (kafka.RecordTooLargeError(), Failure.POISON),
        (kafka.InvalidTopicError(), Failure.POISON),
        (kafka.CorruptRecordException(), Failure.POISON),
        (RecordError("bad_json", "line 1"), Failure.POISON),
        (MessageSizeTooLargeError(), Failure.PERMANENT),
        (MasterKeyError("wrong key"), Failure.PERMANENT),
        (VaultError("schema missing"), Failure.PERMANENT),
        (StreamsError("a bug"), Failure.PERMANENT),
        (kafka.TopicAuthorizationFailedError(), Failure.PERMANENT),
        (ValueError("a bug"), Failure.PERMANENT),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else v.name,
)
def test_classify(exc: BaseException, failure: Failure) -> None:
    assert classify(exc) is failure

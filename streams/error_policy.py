"""The worker's one error policy: what a failure means for the record or the batch that met it.

`classify` maps an exception to a `Failure` by its type, never its message. The masker and the
delivery step (`streams.service`), which both engines run, decide with it:

- `TRANSIENT`: an outage of the vault's database, the broker or the network. The step runs again
  after a capped back-off; nothing of the batch is committed meanwhile.
- `POISON`: a record that can never go through (the broker refuses it for good, or it does not
  parse). It is quarantined and its DLQ reference published; the batch goes on.
- `PERMANENT`: anything else (a bug, a configuration error). Met while masking one record, it
  rejects that record (one record never stops a batch); anywhere else it stops the worker, the
  batch uncommitted.

A produced record that is not acknowledged is sent again unless its failure is `POISON`: the
broker answers an outage with many error types, and only the refusals below are known to be final.
"""

from __future__ import annotations

import enum

from aiokafka.errors import (
    CorruptRecordException,
    InvalidTopicError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RecordTooLargeError,
)

from streams.errors import RecordError
from vault.errors import UNAVAILABLE


class Failure(enum.Enum):
    TRANSIENT = "transient"
    POISON = "poison"
    PERMANENT = "permanent"


#: Outages worth waiting out: the vault's (`vault.errors.UNAVAILABLE`), the network's, and the
#: broker's (a produce timed out; and every aiokafka error its class marks `retriable`).
_TRANSIENT: tuple[type[BaseException], ...] = (*UNAVAILABLE, OSError, KafkaTimeoutError)
#: A record no retry can get through. The broker answers `CorruptRecordException` for a record
#: it refuses as such, as Apache Kafka refuses a keyless record (a Debezium truncate) on a
#: compacted topic: the same bytes would be refused forever. Both engines produce with aiokafka.
_POISON: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    InvalidTopicError,
    CorruptRecordException,
    RecordError,
)


def classify(exc: BaseException) -> Failure:
    """The failure `exc` stands for (by its type, never its message)."""
    if isinstance(exc, _POISON):
        return Failure.POISON
    if isinstance(exc, _TRANSIENT) or (isinstance(exc, KafkaError) and type(exc).retriable):
        return Failure.TRANSIENT
    return Failure.PERMANENT


__all__ = ["Failure", "classify"]

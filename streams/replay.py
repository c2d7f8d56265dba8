"""`veilstream dlq replay`: quarantined records back onto their input topic, once a fix is deployed."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from streams.dlq import from_quarantine
from streams.kafka import REPLAY_HEADER
from streams.kafka_client import client_options
from streams.settings import WorkerSettings
from vault.store import Vault

log = logging.getLogger(__name__)


async def replay(
    vault: Vault,
    settings: WorkerSettings,
    *,
    tenant: str | None = None,
    reason: str | None = None,
    references: Sequence[str] | None = None,
) -> int:
    """Produce each matching unreleased record to its topic and partition, then mark it released.

    A record is marked only after the broker acknowledged it, so an interrupted replay
    replays it again rather than losing it.
    """
    entries = await vault.quarantined(tenant, reason)
    if references is not None:
        wanted = set(references)
        entries = [e for e in entries if e.reference in wanted]
    if not entries:
        return 0
    producer = AIOKafkaProducer(**client_options(settings), acks="all")
    await producer.start()
    count = 0
    try:
        for entry in entries:
            raw = await vault.peek(entry.tenant, entry.reference)
            if raw is None:
                continue
            record = from_quarantine(raw)
            headers = [(k, v) for k, v in record.headers if k != REPLAY_HEADER]
            headers.append((REPLAY_HEADER, entry.reference.encode()))
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, partition=record.partition, headers=headers
            )
            await vault.release(entry.tenant, entry.reference)
            count += 1
            log.info("replayed reference=%s reason=%s", entry.reference, entry.reason)
    finally:
        await producer.stop()
    return count

"""Asking the unmask worker: signed requests (`vault.signing`) and waiting for their replies.

    request = signed_request(secret, tenant="acme", principal="mailer",
                             policy_name="email-send", token_value=text, purpose="email_send")
    reply = await ask(settings, request)

`secret` is the principal's `vs_…` bearer secret from `veilstream principal create`; it never
leaves the caller (the request carries an HMAC signature, not the secret).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from streams.errors import StreamsError
from streams.kafka_client import client_options
from streams.settings import WorkerSettings
from vault.signing import Signed, signing_key


def signed_request(
    secret: str,
    *,
    tenant: str,
    principal: str,
    policy_name: str,
    token_value: str,
    purpose: str | None = None,
    request_id: str | None = None,
    ts_ms: int | None = None,
) -> dict[str, Any]:
    """An unmask request, signed now with the principal's secret (`AuthError` if malformed)."""
    signed = Signed(
        tenant,
        principal,
        request_id or f"req-{secrets.token_hex(12)}",
        int(time.time() * 1000) if ts_ms is None else ts_ms,
        policy_name,
        purpose,
        token_value,
    )
    body: dict[str, Any] = {
        "request_id": signed.request_id,
        "tenant": tenant,
        "principal": principal,
        "policy_name": policy_name,
        "token_value": token_value,
        "ts": signed.ts,
        "signature": signed.sign(signing_key(secret)),
    }
    if purpose is not None:
        body["purpose"] = purpose
    return body


async def ask(
    settings: WorkerSettings, requests: Sequence[dict[str, Any]], timeout: float = 30.0
) -> dict[str, dict[str, Any]]:
    """Produce signed requests and wait for their replies; request_id → reply body."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    options = client_options(settings)
    wanted = {r["request_id"] for r in requests}
    consumer = AIOKafkaConsumer(**options, enable_auto_commit=False)
    producer = AIOKafkaProducer(**options, acks="all")
    await consumer.start()
    await producer.start()
    try:
        parts = consumer.partitions_for_topic(settings.unmask_replies_topic) or set()
        if not parts:
            parts = await _partitions(consumer, settings.unmask_replies_topic)
        assigned = [TopicPartition(settings.unmask_replies_topic, p) for p in sorted(parts)]
        consumer.assign(assigned)
        await consumer.seek_to_end(*assigned)  # replies to these requests come after this point
        for request in requests:
            value, key = json.dumps(request).encode(), request["request_id"].encode()
            await producer.send_and_wait(settings.unmask_requests_topic, value, key=key)
        replies: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while wanted - replies.keys():
            if time.monotonic() > deadline:
                raise StreamsError(f"no reply from the unmask worker within {timeout:g}s")
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                for record in batch:
                    rid = (record.key or b"").decode(errors="replace")
                    if rid in wanted:
                        replies[rid] = json.loads(record.value or b"{}")
        return replies
    finally:
        await producer.stop()
        await consumer.stop()


async def _partitions(consumer: Any, topic: str) -> set[int]:
    for _ in range(50):
        await consumer._client.force_metadata_update()  # aiokafka has no public call for it
        found = consumer.partitions_for_topic(topic)
        if found:
            return set(found)
        await asyncio.sleep(0.1)
    raise StreamsError(f"topic {topic} does not exist (run `veilstream topics create`)")

"""Create the worker's topics up front and wait for a broker to answer.

Topics are created explicitly, with `WorkerSettings.partitions`, because broker auto-creation picks
its own partition count (Tansu: 4; Apache Kafka: `num.partitions`). Inputs and outputs get the same
count, so a masked record keeps its input partition.

Metadata requests that name a topic auto-create it on Tansu, so only topics the broker reports as
existing are ever described here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from streams._logging import muted
from streams.errors import StreamsError
from streams.kafka_client import Target, client_options
from streams.settings import WorkerSettings

log = logging.getLogger(__name__)

CREATED = "created"
EXISTS = "exists"

_REQUEST_TIMEOUT_MS = 5_000


async def _admin(options: dict[str, Any]) -> AIOKafkaAdminClient:
    admin = AIOKafkaAdminClient(
        **options, client_id="veilstream-admin", request_timeout_ms=_REQUEST_TIMEOUT_MS
    )
    try:
        await admin.start()
    except BaseException:
        await admin.close()
        raise
    return admin


async def wait_for_broker(target: Target, timeout: float = 10.0) -> None:
    """Retry a metadata request until the broker answers; `StreamsError` after `timeout` seconds.

    `target`: the worker's settings (TLS and SASL included), or a plaintext `kafka://host:port` /
    `host:port` (comma-separated) or list of `host:port`.
    """
    options = client_options(target)
    servers = options["bootstrap_servers"]
    deadline = time.monotonic() + timeout
    delay = 0.05
    reason = "no answer"
    with muted("aiokafka"):
        while True:
            try:
                admin = await asyncio.wait_for(_admin(options), max(deadline - time.monotonic(), 0.1))
            except (KafkaError, TimeoutError) as exc:
                reason = type(exc).__name__
            else:
                await admin.close()
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StreamsError(
                    f"Kafka broker at {','.join(servers)} did not answer within {timeout:g}s ({reason})"
                )
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 1.0)


def _partition_counts(described: list[dict[str, Any]]) -> dict[str, int]:
    return {t["topic"]: len(t["partitions"]) for t in described if t["error_code"] == 0}


async def create_topics(settings: WorkerSettings, names: Sequence[str] | None = None) -> dict[str, str]:
    """Create `names` (default: `settings.all_topics()`) with the settings' partitions and replication.

    Returns topic → status: `created`, `exists`, `exists (N partitions, wanted M)` when an existing
    topic differs (partitions are never changed here), or `failed: <Kafka error>`.
    Raises `StreamsError` when the broker does not answer.
    """
    wanted = list(dict.fromkeys(settings.all_topics() if names is None else names))
    options = client_options(settings)
    servers = options["bootstrap_servers"]
    try:
        with muted("aiokafka"):
            admin = await _admin(options)
    except KafkaError as exc:
        raise StreamsError(
            f"Kafka broker at {','.join(servers)} does not answer ({type(exc).__name__})"
        ) from None
    try:
        new = [NewTopic(n, settings.partitions, settings.replication_factor) for n in wanted]
        response = await admin.create_topics(new, timeout_ms=_REQUEST_TIMEOUT_MS) if new else None
        status: dict[str, str] = {}
        for topic, code, message in response.topic_errors if response else ():
            if code == 0:
                status[topic] = CREATED
            elif for_code(code) is TopicAlreadyExistsError:
                status[topic] = EXISTS
            else:
                status[topic] = f"failed: {for_code(code).__name__}" + (f" ({message})" if message else "")
        existing = [t for t in wanted if status.get(t) == EXISTS]
        counts = _partition_counts(await admin.describe_topics(existing)) if existing else {}
    except KafkaError as exc:
        raise StreamsError(f"creating topics on {','.join(servers)} failed ({type(exc).__name__})") from None
    finally:
        await admin.close()
    for topic, count in counts.items():
        if count != settings.partitions:
            status[topic] = f"{EXISTS} ({count} partitions, wanted {settings.partitions})"
    for topic in wanted:
        status.setdefault(topic, "failed: no answer for this topic")
        log.info("topic topic=%s status=%s", topic, status[topic])
    return {t: status[t] for t in wanted}

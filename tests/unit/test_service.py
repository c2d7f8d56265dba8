"""Delivery of a batch without servers: acks awaited, outages waited out, rejects quarantined first."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Sequence
from typing import Any

import pytest
from _stream_fakes import ROW, FakeTokens, cdc, masker, record
from aiokafka.errors import CorruptRecordException, KafkaConnectionError, MessageSizeTooLargeError

from streams import metrics
from streams.dlq import from_quarantine
from streams.kafka import OutRecord
from streams.masking import Masked, Rejected
from streams.service import Delivery, MaskService
from streams.settings import WorkerSettings
from vault.errors import VaultUnavailableError


class FakeBroker:
    """Records sends; fails the first `down` sends, and every send of a record whose value contains `huge`."""

    def __init__(
        self,
        down: int = 0,
        huge: bytes | None = None,
        refuse_at_send: bool = False,
        refusal: type[Exception] = MessageSizeTooLargeError,
    ) -> None:
        self.down = down
        self.huge = huge
        self.refuse_at_send = refuse_at_send  # raise as aiokafka's `send` does, before any ack
        self.refusal = refusal
        self.acked: list[OutRecord] = []
        self.events: list[str] = []

    async def __call__(self, record: OutRecord) -> Awaitable[Any]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.down > 0:
            self.down -= 1
            fut.set_exception(KafkaConnectionError())
        elif self.huge is not None and self.huge in (record.value or b""):
            if self.refuse_at_send:
                raise self.refusal()
            fut.set_exception(self.refusal())
        else:
            self.acked.append(record)
            self.events.append(f"produce:{record.topic}")
            fut.set_result(None)
        return fut


class FakeQuarantine:
    def __init__(self, broker: FakeBroker, fail: int = 0) -> None:
        self.broker = broker
        self.fail = fail
        self.kept: dict[str, tuple[str, str, bytes]] = {}

    async def quarantine(self, tenant: str, reference: str, reason: str, raw: bytes) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise VaultUnavailableError("down")
        self.kept[reference] = (tenant, reason, raw)
        self.broker.events.append(f"quarantine:{reference}")


SETTINGS = WorkerSettings(cdc_tables=("contacts",), backoff_min=0.001, backoff_max=0.004)


def service(broker: FakeBroker, vault: FakeQuarantine, tokens: FakeTokens | None = None) -> MaskService:
    return MaskService(masker(tokens), Delivery(SETTINGS, broker, vault))


def test_masked_and_audit_records_are_acked_and_rejects_go_to_quarantine_then_dlq() -> None:
    broker = FakeBroker()
    vault = FakeQuarantine(broker)
    batch = [record(cdc(ROW)), record(b"{broken jane.roe@example.org", offset=1)]
    outcomes = asyncio.run(service(broker, vault).process(batch))
    assert isinstance(outcomes[0], Masked) and isinstance(outcomes[1], Rejected)
    topics = [r.topic for r in broker.acked]
    assert topics == ["masked.crm.contacts", "veilstream.audit", "veilstream.dlq"]
    assert broker.events.index("quarantine:crm.cdc.contacts/2/1") < broker.events.index(
        "produce:veilstream.dlq"
    )
    tenant, reason, raw = vault.kept["crm.cdc.contacts/2/1"]
    assert (tenant, reason) == ("acme", "bad_json")  # the tenant header names a known tenant
    assert b"jane.roe" in (from_quarantine(raw).value or b"")  # the raw record is kept (encrypted) ...
    dlq = broker.acked[-1]
    assert (
        b"jane.roe" not in dlq.value and json.loads(dlq.value)["reason"] == "bad_json"
    )  # ... never on a topic


def test_a_broker_outage_is_waited_out_without_losing_or_rejecting_records() -> None:
    broker = FakeBroker(down=5)
    before = metrics.RETRIES.labels("broker")._value.get()
    outcomes = asyncio.run(
        service(broker, FakeQuarantine(broker)).process([record(cdc(ROW), offset=i) for i in range(3)])
    )
    assert all(isinstance(o, Masked) for o in outcomes)
    assert sorted(r.topic for r in broker.acked).count("masked.crm.contacts") == 3
    assert metrics.RETRIES.labels("broker")._value.get() > before


def test_a_vault_outage_is_waited_out() -> None:
    class Flaky(FakeTokens):
        failures = 3

        async def tokenize_texts(self, tenant: str, docs: Any, *, principal: str | None = None) -> list[str]:
            if self.failures:
                self.failures -= 1
                raise VaultUnavailableError("down")
            return await super().tokenize_texts(tenant, docs, principal=principal)

    broker = FakeBroker()
    vault = FakeQuarantine(broker, fail=2)
    outcomes = asyncio.run(
        service(broker, vault, Flaky()).process([record(cdc(ROW)), record(b"{", offset=1)])
    )
    assert isinstance(outcomes[0], Masked) and isinstance(outcomes[1], Rejected)
    assert "crm.cdc.contacts/2/1" in vault.kept


@pytest.mark.parametrize("refusal", [MessageSizeTooLargeError, CorruptRecordException])
@pytest.mark.parametrize("refuse_at_send", [False, True], ids=["on-ack", "at-send"])
def test_a_record_the_broker_refuses_for_good_is_rejected_not_retried_forever(
    refuse_at_send: bool, refusal: type[Exception]
) -> None:
    broker = FakeBroker(huge=b"HUGE", refuse_at_send=refuse_at_send, refusal=refusal)
    vault = FakeQuarantine(broker)
    ok, too_big = asyncio.run(
        service(broker, vault).process([record(cdc(ROW)), record(cdc({**ROW, "segment": "HUGE"}), offset=1)])
    )
    assert isinstance(ok, Masked)
    assert isinstance(too_big, Rejected) and too_big.reason == "produce_failed"
    assert too_big.error_class == refusal.__name__
    assert "crm.cdc.contacts/2/1" in vault.kept


def test_metrics_count_records_dlq_reasons_and_classes_and_hold_no_values() -> None:
    from prometheus_client import REGISTRY, generate_latest

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before_in = value("veilstream_records_in_total", topic="crm.cdc.contacts")
    before_out = value("veilstream_records_out_total", topic="masked.crm.contacts")
    before_dlq = value("veilstream_dlq_total", reason="bad_utf8")
    before_email = value("veilstream_entities_total", entity="EMAIL_ADDRESS")
    broker = FakeBroker()
    batch = [record(cdc(ROW)), record(b"\xff jane.roe@example.org", offset=1)]
    asyncio.run(service(broker, FakeQuarantine(broker)).process(batch))
    assert value("veilstream_records_in_total", topic="crm.cdc.contacts") == before_in + 2
    assert value("veilstream_records_out_total", topic="masked.crm.contacts") == before_out + 1
    assert value("veilstream_dlq_total", reason="bad_utf8") == before_dlq + 1
    assert value("veilstream_entities_total", entity="EMAIL_ADDRESS") == before_email + 2
    exposed = generate_latest(REGISTRY)
    assert b"jane.roe" not in exposed and b"example.org" not in exposed and b"Jane Roe" not in exposed


@pytest.mark.parametrize("down", [0, 3])
def test_send_many_delivers_what_per_record_sends_deliver(down: int) -> None:
    """An engine's `send_many` (the aiokafka engine's batched produce) gets the masked and
    audit records in the order `send` gets them, and failures are handled record by record."""
    batch = [
        record(cdc(ROW)),
        record(cdc({**ROW, "segment": "HUGE"}), offset=1),
        record(b"{", offset=2),
        record(cdc({**ROW, "email": "x@example.org"}), offset=3),
    ]

    def run_with(many: bool) -> tuple[list[Any], list[OutRecord], list[int]]:
        broker = FakeBroker(down=down, huge=b"HUGE")
        calls: list[int] = []

        async def send_many(records: Sequence[OutRecord]) -> list[Awaitable[Any]]:
            calls.append(len(records))
            return [await broker(r) for r in records]

        delivery = Delivery(SETTINGS, broker, FakeQuarantine(broker), send_many if many else None)
        outcomes = asyncio.run(MaskService(masker(), delivery).process(batch))
        return [repr(o) for o in outcomes], broker.acked, calls

    per_record, per_record_acked, none = run_with(False)
    batched, batched_acked, calls = run_with(True)
    assert none == [] and calls and all(n % 2 == 0 for n in calls)  # masked + audit, in pairs
    assert batched == per_record

    def same(acked: list[OutRecord]) -> list[tuple[Any, ...]]:  # DLQ references carry a wall-clock stamp
        def value(r: OutRecord) -> Any:
            return {**json.loads(r.value or b""), "ts_ms": 0} if r.topic == SETTINGS.dlq_topic else r.value

        return [(r.topic, r.key, value(r), r.headers, r.partition) for r in acked]

    assert same(batched_acked) == same(per_record_acked)

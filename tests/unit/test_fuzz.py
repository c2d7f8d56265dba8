"""Fuzzed records through the masker: it never raises, every input gets an outcome, and no
canary reaches a masked record, an audit record, a DLQ reference or a log line."""

from __future__ import annotations

import asyncio
import logging

import pytest
from _fuzz import CANARIES, Case, cases, leaked
from _stream_fakes import masker, record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.dlq import dlq_record
from streams.masking import Masked, Rejected

TOPICS = {"cdc": "crm.cdc.contacts", "message": "support.messages"}
MASKER = masker()


@settings(
    max_examples=400, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(batch=st.lists(cases(), min_size=1, max_size=8))
def test_fuzzed_records_never_stop_the_masker_or_leak_a_canary(
    batch: list[Case], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    records = [record(c.value, topic=TOPICS[c.kind], key=c.key, offset=i) for i, c in enumerate(batch)]
    outcomes = asyncio.run(MASKER.mask_batch(records))
    assert len(outcomes) == len(records)
    for rec, outcome in zip(records, outcomes, strict=True):
        if isinstance(outcome, Masked):
            out = [outcome.record.value or b"", outcome.record.key or b"", outcome.audit.value or b""]
            out += [v for _, v in outcome.record.headers + outcome.audit.headers]
            blob = b"\n".join(out)
        else:
            assert isinstance(outcome, Rejected)
            blob = (dlq_record(rec, outcome, "veilstream.dlq").value or b"") + outcome.detail.encode()
        assert not leaked(blob), (leaked(blob), blob[:500])
    assert not leaked(caplog.text.encode(), CANARIES)

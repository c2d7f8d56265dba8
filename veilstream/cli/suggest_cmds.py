"""`veilstream policy suggest`: propose field rules from a sample of CDC events (`streams.suggest`)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from veilstream.cli._common import build_pipeline, fail, policy_or_default, worker_settings

if TYPE_CHECKING:
    from streams.settings import WorkerSettings

#: Events read when `--sample` is not given.
DEFAULT_SAMPLE = 500


TopicOpt = Annotated[
    str | None, typer.Option("--topic", help="Read the sample from this topic (VEILSTREAM_BROKER_URL...).")
]
InOpt = Annotated[Path | None, typer.Option("--in", help="JSON Lines of change event values ('-': stdin).")]
SizeOpt = Annotated[int, typer.Option("--sample", "-n", min=1, help="Events to read at most.")]
TableOpt = Annotated[
    str | None, typer.Option("--table", help="The events' table (default: the topic's, else source.table).")
]
PolicyOpt = Annotated[
    Path | None, typer.Option("--policy", "-p", help="Tenant policy: its detection settings and its rules.")
]
NerOpt = Annotated[bool | None, typer.Option("--ner/--no-ner", help="NER stage (default: when installed).")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds to wait for a topic's records.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON instead of a YAML `fields:` block.")]


def suggest(
    topic: TopicOpt = None,
    in_path: InOpt = None,
    size: SizeOpt = DEFAULT_SAMPLE,
    table: TableOpt = None,
    policy: PolicyOpt = None,
    ner: NerOpt = None,
    timeout: TimeoutOpt = 30.0,
    as_json: JsonOpt = False,
) -> None:
    """Propose field rules (class, detect, keep) per CDC column from a sample, with the evidence.

    The evidence counts values and never shows one; review the proposal before
    `veilstream policy apply`."""
    from streams.suggest import Sampler, render_yaml

    if (topic is None) == (in_path is None):
        raise fail("give --topic or --in (one of them)")
    pol = policy_or_default(policy)
    pipeline = build_pipeline(pol, ner)
    if in_path is not None:
        values, skipped = _from_file(in_path, size)
        source = "stdin" if str(in_path) == "-" else str(in_path)
    elif topic is not None:
        settings = worker_settings()
        values, skipped = _from_topic(settings, topic, size, timeout)
        source = f"topic {topic}"
        table = table or _topic_table(settings, topic)
    sampler = Sampler(pipeline.detect_many, pol, table)
    for value in values:
        sampler.add(value)
    skipped += sampler.skipped
    if sampler.events == 0:
        raise fail(f"no change events in the sample of {source} ({skipped} records skipped)", code=1)
    suggestions = sampler.suggestions()
    header = [
        f"veilstream policy suggest: {sampler.events} change events from {source}"
        + (f" ({skipped} other record{'s' if skipped > 1 else ''} skipped)" if skipped else ""),
        "a proposal to review: counts only, no value is shown; apply with `veilstream policy apply`",
    ]
    if as_json:
        fields = [s.to_json() for s in suggestions]
        typer.echo(json.dumps({"events": sampler.events, "skipped": skipped, "fields": fields}))
    else:
        typer.echo(render_yaml(suggestions, header), nl=False)


def _topic_table(settings: WorkerSettings, topic: str) -> str | None:
    from streams.routing import Router

    route = Router(settings).route(topic)
    return route.table if route is not None else None


def _from_file(path: Path, size: int) -> tuple[list[Any], int]:
    from streams import jsonio

    values: list[Any] = []
    skipped = 0
    try:
        stream = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    except OSError as exc:
        raise fail(f"cannot open {path}: {type(exc).__name__}") from None
    with stream:
        for line in stream:
            if len(values) >= size:
                break
            if not line.strip():
                continue
            try:
                values.append(jsonio.loads(line))
            except ValueError:  # not JSON, not UTF-8: counted, never echoed
                skipped += 1
    return values, skipped


def _from_topic(settings: WorkerSettings, topic: str, size: int, timeout: float) -> tuple[list[Any], int]:
    from streams.errors import StreamsError

    try:
        return asyncio.run(_read_topic(settings, topic, size, timeout))
    except StreamsError as exc:
        raise fail(str(exc)) from None


async def _read_topic(
    settings: WorkerSettings, topic: str, size: int, timeout: float
) -> tuple[list[Any], int]:
    """Up to `size` values from the start of every partition of `topic` (no consumer group, no
    commit), until the end offsets seen at the start or `timeout`."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.errors import KafkaError
    from aiokafka.structs import TopicPartition

    from streams import jsonio
    from streams.errors import StreamsError
    from streams.kafka_client import client_options

    consumer = AIOKafkaConsumer(
        **client_options(settings), enable_auto_commit=False, group_id=None, auto_offset_reset="earliest"
    )
    try:
        await asyncio.wait_for(consumer.start(), timeout)
        if topic not in await consumer.topics():  # never name a missing topic: a broker may create it
            raise StreamsError(f"topic {topic} does not exist")
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        values: list[Any] = []
        skipped = 0
        deadline = time.monotonic() + timeout
        while len(values) < size and time.monotonic() < deadline:
            positions = [await consumer.position(tp) for tp in partitions]
            if all(at >= ends[tp] for at, tp in zip(positions, partitions, strict=True)):
                break
            batch = await consumer.getmany(timeout_ms=500, max_records=size - len(values))
            for records in batch.values():
                for record in records:
                    if record.value is None:
                        skipped += 1  # a tombstone
                        continue
                    try:
                        values.append(jsonio.loads(record.value))
                    except ValueError:
                        skipped += 1
        return values[:size], skipped
    except (KafkaError, TimeoutError) as exc:
        raise StreamsError(f"reading {topic} failed ({type(exc).__name__})") from None
    finally:
        await consumer.stop()


def register(app: typer.Typer) -> None:
    """`suggest` under the `policy` command group."""
    from veilstream.cli.vault_cmds import policy_app

    policy_app.command("suggest")(suggest)


__all__ = ["register", "suggest"]

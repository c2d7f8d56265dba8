"""`veilstream demo`: the whole pipeline on embedded servers, or (`--texts`) detection on sample texts."""

from __future__ import annotations

import json
from importlib import resources
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from detectors import Document, Policy, redact
from veilstream.cli._common import build_pipeline, fail

SAMPLES = "crm_texts.jsonl"


def demo(
    texts: Annotated[
        bool,
        typer.Option("--texts", help="Only detect and redact the sample texts (no broker, no database)."),
    ] = False,
    ner: Annotated[str, typer.Option("--ner", help="auto | on | off")] = "auto",
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for the workers.")] = 120.0,
) -> None:
    """Mask CRM change events and support messages end to end, then unmask one, on embedded servers.

    Starts a Kafka-compatible broker (Tansu) and Postgres from pip-installed packages, both workers,
    and shows raw vs masked records in en, es, fr, de, pt; everything is stopped at the end.
    """
    console = Console(width=170)
    if texts:
        _texts(console)
        return
    if ner not in ("auto", "on", "off"):
        raise fail("--ner is auto, on or off")
    from streams.errors import StreamsError
    from veilstream.demo import run
    from veilstream.launcher import LaunchError

    try:
        result = run(ner, timeout, on_step=lambda step: console.print(f"[bold cyan]•[/] {step}"))
    except (StreamsError, LaunchError) as exc:
        raise fail(str(exc), 1) from None
    table = Table(title=f"raw vs masked (tenant acme; stages: {result.stages})", show_lines=True)
    for column in ("topic", "lang", "raw", "masked", "entities"):
        table.add_column(column, overflow="fold")
    for row in result.rows:
        table.add_row(row.kind, row.lang, row.raw, row.masked, row.entities)
    console.print(table)
    console.print("\n[bold]unmask request[/] (policy email-send reveals PERSON and EMAIL only):")
    console.print(f"  masked text:          {result.allowed['masked']}")
    console.print(
        f"  as [green]mailer[/] (allowed):  {result.allowed.get('value', result.allowed.get('error'))}"
    )
    refusal = result.refused.get("error", {})
    console.print(f"  as [red]intern[/] (refused):  {refusal.get('code')}: {refusal.get('message')}")
    forged = result.forged.get("error", {})
    console.print(f"  unsigned (forged):     {forged.get('code')}: {forged.get('message')}")
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    console.print(f"\n[dim]{timing}; all processes stopped.[/]")


def _texts(console: Console) -> None:
    policy = Policy.default("demo")
    pipeline = build_pipeline(policy, ner=None)
    stages = " + ".join(stage.name for stage in pipeline.stages)
    table = Table(title=f"veilstream demo: raw vs masked (redact mode; stages: {stages})", show_lines=True)
    for column in ("id", "lang", "raw", "masked", "entities"):
        table.add_column(column, overflow="fold")
    lines = resources.files("veilstream.samples").joinpath(SAMPLES).read_text(encoding="utf-8").splitlines()
    for line in lines:
        record = json.loads(line)
        spans = pipeline.detect(Document(record["text"], record["lang"], policy=policy))
        entities = ", ".join(sorted({s.entity for s in spans}))
        table.add_row(record["id"], record["lang"], record["text"], redact(record["text"], spans), entities)
    console.print(table)

"""`veilstream demo`: mask the bundled sample CRM texts and show them side by side."""

from __future__ import annotations

import json
from importlib import resources

from rich.console import Console
from rich.table import Table

from detectors import Document, Policy, redact
from streams.cli._common import build_pipeline

SAMPLES = "crm_texts.jsonl"


def demo() -> None:
    """Detect and redact personal data in sample CRM notes (en, es, fr, de, pt) and print raw vs masked.

    Runs the detection pipeline on embedded defaults (NER when installed): no broker, no database.
    """
    policy = Policy.default("demo")
    pipeline = build_pipeline(policy, ner=None)
    stages = " + ".join(stage.name for stage in pipeline.stages)
    table = Table(title=f"veilstream demo: raw vs masked (redact mode; stages: {stages})", show_lines=True)
    for column in ("id", "lang", "raw", "masked", "entities"):
        table.add_column(column, overflow="fold")
    lines = resources.files("streams.samples").joinpath(SAMPLES).read_text(encoding="utf-8").splitlines()
    for line in lines:
        record = json.loads(line)
        spans = pipeline.detect(Document(record["text"], record["lang"], policy=policy))
        entities = ", ".join(sorted({s.entity for s in spans}))
        table.add_row(record["id"], record["lang"], record["text"], redact(record["text"], spans), entities)
    Console(width=160).print(table)

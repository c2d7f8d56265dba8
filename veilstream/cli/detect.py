"""`veilstream detect` and `veilstream mask`: JSON Lines in, spans or masked text out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from detectors import DetectorsError, Document, Pipeline, Policy, Span, redact
from veilstream.cli._common import build_pipeline, fail, policy_or_default
from veilstream.cli._jsonl import MAX_LINE_BYTES, BadLine, Record, open_in, open_out, read_records, write

BATCH = 64

InOpt = Annotated[str, typer.Option("--in", "-i", help="JSON Lines input file, or - for stdin.")]
OutOpt = Annotated[str, typer.Option("--out", "-o", help="Output file, or - for stdout.")]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", "-p", help="Tenant policy (YAML or JSON).")]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Language for lines without 'lang' (default: the policy's, or en)."),
]
NerOpt = Annotated[
    bool | None,
    typer.Option("--ner/--no-ner", help="Require / disable the NER stage (default: use it when installed)."),
]
MaxBytesOpt = Annotated[int, typer.Option("--max-line-bytes", help="Longest accepted input line.")]


class MaskMode(StrEnum):
    redact = "redact"


def _batches(items: Iterable[Record | BadLine], size: int) -> Iterator[list[Record | BadLine]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


Emit = Callable[[Record, list[Span]], dict[str, Any]]


def _run(in_path: str, out_path: str, policy: Policy, lang: str | None, ner: bool | None,
         max_bytes: int, emit: Emit) -> int:  # fmt: skip
    """Shared loop: read, detect in batches, write one line per input line in order. Returns failures."""
    pipeline: Pipeline = build_pipeline(policy, ner)
    failures = 0
    with _opened(in_path, out_path) as (src, out):
        for batch in _batches(read_records(src, lang or policy.default_lang, max_bytes), BATCH):
            records = [r for r in batch if isinstance(r, Record)]
            results = _detect(pipeline, policy, records)
            for item in batch:
                outcome = results.get(item.line) if isinstance(item, Record) else None
                if isinstance(item, Record) and isinstance(outcome, list):
                    write(out, emit(item, outcome))
                    continue
                reason = item.reason if isinstance(item, BadLine) else str(outcome)
                failures += 1
                typer.echo(f"veilstream: line {item.line}: {reason}", err=True)
                write(out, {"id": item.id, "line": item.line, "error": reason})
    return failures


@contextmanager
def _opened(in_path: str, out_path: str) -> Iterator[tuple[IO[bytes], IO[str]]]:
    """Input and output streams; one that cannot be opened is a usage error (exit 2), not a bad line."""
    with ExitStack() as stack:
        try:
            src = stack.enter_context(open_in(in_path))
            out = stack.enter_context(open_out(out_path))
        except OSError as exc:
            raise fail(f"cannot open {exc.filename}: {exc.strerror}") from None
        yield src, out


def _detect(pipeline: Pipeline, policy: Policy, records: list[Record]) -> dict[int, list[Span] | str]:
    """Detect a batch; if the batch fails, retry line by line so one bad text fails alone."""
    docs = [Document(r.text, r.lang, policy=policy) for r in records]
    try:
        return {r.line: spans for r, spans in zip(records, pipeline.detect_many(docs), strict=True)}
    except DetectorsError:
        pass
    out: dict[int, list[Span] | str] = {}
    for record, doc in zip(records, docs, strict=True):
        try:
            out[record.line] = pipeline.detect(doc)
        except DetectorsError as exc:
            out[record.line] = f"detection failed: {exc}"
    return out


def detect(
    in_path: InOpt = "-",
    out_path: OutOpt = "-",
    policy: PolicyOpt = None,
    lang: LangOpt = None,
    ner: NerOpt = None,
    max_line_bytes: MaxBytesOpt = MAX_LINE_BYTES,
) -> None:
    """Find personal data: {"id", "text", "lang"?} lines in, {"id", "spans": [...]} lines out.

    Each span is {"start", "end", "entity_type", "score", "stage"}, character offsets into
    "text". A bad line gets {"id", "line", "error"} and a message on stderr; the exit status is 1
    when any line failed.
    """
    pol = policy_or_default(policy)
    failures = _run(in_path, out_path, pol, lang, ner, max_line_bytes,
                    lambda r, spans: {"id": r.id, "spans": [s.to_json() for s in spans]})  # fmt: skip
    raise typer.Exit(1 if failures else 0)


def mask(
    in_path: InOpt = "-",
    out_path: OutOpt = "-",
    policy: PolicyOpt = None,
    lang: LangOpt = None,
    ner: NerOpt = None,
    mode: Annotated[
        MaskMode, typer.Option("--mode", help="redact: <ENTITY_TYPE> placeholders.")
    ] = MaskMode.redact,
    max_line_bytes: MaxBytesOpt = MAX_LINE_BYTES,
) -> None:
    """Mask personal data: {"id", "text"} lines in, {"id", "text", "entities"} lines out.

    "entities" counts the masked spans per class. Tokenizing (reversible) masking
    needs the vault and is served by the worker and the HTTP API.
    """
    pol = policy_or_default(policy)

    def emit(record: Record, spans: list[Span]) -> dict[str, Any]:
        counts = Counter(s.entity for s in spans)
        return {"id": record.id, "text": redact(record.text, spans), "entities": dict(sorted(counts.items()))}

    failures = _run(in_path, out_path, pol, lang, ner, max_line_bytes, emit)
    raise typer.Exit(1 if failures else 0)

"""`veilstream eval`: token-level precision, recall, F1 and false-positive rate on a labelled dataset."""

from __future__ import annotations

import json
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from detectors.evaluation import evaluate as run_evaluation
from detectors.evaluation import load_dataset, report
from detectors.evaluation.dataset import DatasetError
from veilstream.cli._common import build_pipeline, fail, policy_or_default

#: Below this many records the run is quick: no progress bar.
PROGRESS_MIN = 200


def _progress(total: int, quiet: bool) -> tuple[AbstractContextManager[object], Progress | None]:
    if quiet or total < PROGRESS_MIN or not sys.stderr.isatty():
        return nullcontext(), None
    bar = Progress(
        TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    )  # fmt: skip
    return bar, bar


def evaluate(
    dataset: Annotated[
        Path,
        typer.Argument(
            help="Presidio-research format JSON (list of records), or hand-annotated text: a .txt file"
            " or a directory of them (data/eval/reallife/GUIDE.md)."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report instead of tables.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report to FILE.")] = None,
    policy: Annotated[
        Path | None, typer.Option("--policy", "-p", help="Tenant policy (YAML or JSON).")
    ] = None,
    ner: Annotated[
        bool | None,
        typer.Option(
            "--ner/--no-ner", help="Require / disable the NER stage (default: use it when installed)."
        ),
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of records without 'lang'.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Score the detection pipeline on a labelled dataset, per entity and per language.

    Token level: a token is a run of letters or digits, labelled with the class of the span
    covering it. Gold classes the pipeline cannot produce (DATE_TIME, TITLE, ...; PERSON and
    LOCATION without NER) are reported as not covered and left out of the metrics.
    Entity level: a gold span is found when a predicted span of its class overlaps it, and
    masked when one of any class does. Per text: the share of texts with personal data that
    leak at least one of its tokens, and of texts without any that get something masked;
    per kind of text when the records say (`metadata.kind`: chat, email, transcript...).
    """
    pol = policy_or_default(policy)
    try:
        records = load_dataset(dataset, lang or pol.default_lang)
    except DatasetError as exc:
        raise fail(str(exc)) from None
    pipeline = build_pipeline(pol, ner)
    context, bar = _progress(len(records), quiet)
    with context:
        advance = None
        if bar is not None:
            task = bar.add_task("eval", total=len(records))
            advance = lambda n: bar.advance(task, n)  # noqa: E731
        scores = run_evaluation(pipeline, records, pol, progress=advance)
    stages = [s.name for s in pipeline.stages if getattr(pol.stages, s.name, True)]
    with out.open("w", encoding="utf-8") if out else nullcontext(sys.stdout) as sink:
        if as_json:
            json.dump(report.to_json(scores, dataset.name, stages), sink, indent=2, ensure_ascii=False)
            sink.write("\n")
        else:
            console = Console(file=sink, width=110) if out else Console(width=110)
            report.render(scores, console, dataset.name)

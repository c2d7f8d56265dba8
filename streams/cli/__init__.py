"""The `veilstream` command line."""

from __future__ import annotations

import typer

from streams.cli import demo as _demo
from streams.cli import detect as _detect

app = typer.Typer(
    name="veilstream",
    help="PII masking for Kafka streams: detect, mask, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("detect")(_detect.detect)
app.command("mask")(_detect.mask)
app.command("demo")(_demo.demo)


def main() -> None:
    app()


__all__ = ["app", "main"]

"""The `veilstream` command line."""

from __future__ import annotations

import typer

from veilstream.cli import demo as _demo
from veilstream.cli import detect as _detect
from veilstream.cli import dev_cmds as _dev
from veilstream.cli import evaluate as _evaluate
from veilstream.cli import suggest_cmds as _suggest
from veilstream.cli import tokens_cmds as _tokens
from veilstream.cli import vault_cmds as _vault
from veilstream.cli import worker_cmds as _worker

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
app.command("eval")(_evaluate.evaluate)
_vault.register(app)
_worker.register(app)
_dev.register(app)
_tokens.register(app)
_suggest.register(app)


def main() -> None:
    import sys

    from streams.env_check import warnings

    for line in warnings():  # names only, never values
        print(line, file=sys.stderr)
    app()


__all__ = ["app", "main"]

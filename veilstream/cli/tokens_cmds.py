"""`veilstream tokens prompt`: what prompt authors need to know about tokens in masked text."""

from __future__ import annotations

import typer

tokens_app = typer.Typer(help="Tokens in masked text, for prompt authors.", no_args_is_help=True)


@tokens_app.command("prompt")
def prompt() -> None:
    """Print the recommended system-prompt line for an LLM that reads masked text.

    Masked text carries tokens as `<TAG>token</TAG>` (`<PER>Xk2f9QaLm1ZQ</PER>`); the line tells
    the model to copy them verbatim, so that unmask reveals them exactly.
    """
    from vault.tokens import PROMPT_LINE

    typer.echo(PROMPT_LINE)


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")

"""Applying spans to text: the one helper both redaction and tokenization use."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from detectors.errors import DetectorsError
from detectors.span import Span

Replacement = Callable[[Span, str], str]


def apply_spans(text: str, spans: Sequence[Span], replace: Replacement) -> str:
    """Replace each span of `text` by `replace(span, original_value)`.

    `spans` must be sorted and non-overlapping (what `Pipeline.detect` returns).
    """
    out: list[str] = []
    cursor = 0
    for span in spans:
        if span.start < cursor or span.end > len(text):
            raise DetectorsError("spans overlap, are unsorted or run past the text")
        out.append(text[cursor : span.start])
        out.append(replace(span, text[span.start : span.end]))
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


def placeholder(span: Span, _value: str) -> str:
    """`<EMAIL_ADDRESS>`-style placeholder naming the class only."""
    return f"<{span.entity}>"


def redact(text: str, spans: Sequence[Span]) -> str:
    """Replace every span by a placeholder naming its class."""
    return apply_spans(text, spans, placeholder)

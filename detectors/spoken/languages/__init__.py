"""Number words, letter names and function words of the five languages, one module each."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from detectors.spoken.languages import de, en, es, fr, pt
from detectors.spoken.lexicon import Lexicon

LEXICONS: Mapping[str, Lexicon] = MappingProxyType(
    {lex.code: lex for lex in (en.LEXICON, es.LEXICON, fr.LEXICON, de.LEXICON, pt.LEXICON)}
)

__all__ = ["LEXICONS"]

"""Context words: the few words around a match that make it more (or less) likely."""

from __future__ import annotations

from collections.abc import Iterable

import regex

#: How far to look before and after a match, in characters.
BEFORE = 48
AFTER = 20
#: Negative words count only right before the match (`Order #: 1234`).
NEGATIVE_BEFORE = 16

#: Words near a number that say it is *not* personal data (order numbers, versions...).
NEGATIVE = (
    "order", "invoice", "sku", "tracking", "version", "build", "ticket", "ref", "reference",
    "item", "product", "model", "part", "case", "serial", "lot", "batch",
    "pedido", "factura", "referencia", "producto", "versión",
    "commande", "facture", "référence", "produit",
    "bestell", "rechnung", "artikel", "produkt", "auftrag",
    "encomenda", "fatura", "produto", "versão",
)  # fmt: skip


def words_regex(words: Iterable[str]) -> regex.Pattern[str]:
    """A case-insensitive pattern matching any of `words` at the start of a word.

    Prefix matching on purpose: `phone` also finds `phone:` and `phones`; German
    compounds are listed in full (`Telefonnummer`).
    """
    alternatives = sorted({regex.escape(w.lower()) for w in words}, key=len, reverse=True)
    return regex.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")", regex.IGNORECASE)


_NEGATIVE_RE = words_regex(NEGATIVE)


def near(pattern: regex.Pattern[str] | None, text: str, start: int, end: int) -> bool:
    """True when `pattern` occurs in the window around `[start, end)`."""
    if pattern is None:
        return False
    return bool(
        pattern.search(text, max(0, start - BEFORE), start)
        or pattern.search(text, end, min(len(text), end + AFTER))
    )


def negative(text: str, start: int) -> bool:
    """True when a word such as `order` or `version` stands just before the match."""
    return bool(_NEGATIVE_RE.search(text, max(0, start - NEGATIVE_BEFORE), start))

"""Context words: the few words around a match that make it more (or less) likely."""

from __future__ import annotations

from collections.abc import Iterable

import regex

#: How far to look before and after a match, in characters.
BEFORE = 48
AFTER = 20
#: Negative words count only right before the match (`Order #: 1234`, `Tracking number: 1234`).
NEGATIVE_BEFORE = 24

#: Words near a number that say it is *not* personal data (order numbers, versions...).
NEGATIVE = (
    "order", "invoice", "sku", "tracking", "version", "build", "ticket", "ref", "reference",
    "item", "product", "model", "part", "case", "serial", "lot", "batch", "release", "article",
    "parcel", "package",
    "pedido", "factura", "referencia", "producto", "versión", "seguimiento", "artículo", "incidencia",
    "paquete", "envío",
    "commande", "facture", "référence", "réf", "produit", "suivi", "colis",
    "encomenda", "fatura", "produto", "versão", "rastreio", "artigo", "chamado",
    # one-time codes, receipts, vouchers, case files, serial numbers, bookings
    "code", "código", "codigo", "otp", "pin", "po", "receipt", "recibo", "reçu", "recu", "barcode",
    "voucher", "coupon", "cupón", "cupom", "firmware", "container", "sn", "série", "serie", "az",
    "protocolo", "protocole", "guía", "guia", "localizador", "billete", "bilhete", "solicitud",
    "solicitação", "entidade", "referência", "boleto", "verification", "verificación", "vérification",
    "verificação", "verificacao",
)  # fmt: skip
#: German compound stems, matched as word prefixes (`Bestellnummer`, `Sendungsnummer`).
NEGATIVE_STEMS = (
    "bestell", "rechnung", "artikel", "produkt", "auftrag", "sendung", "paket", "serien", "zoll", "aktions",
    "aktenzeichen", "gutschein", "bestätigungs", "bestaetigungs",
)  # fmt: skip


def words_regex(words: Iterable[str]) -> regex.Pattern[str]:
    """A case-insensitive pattern matching any of `words` at the start of a word.

    Prefix matching on purpose: `phone` also finds `phone:` and `phones`; German
    compounds are listed in full (`Telefonnummer`).
    """
    alternatives = sorted({regex.escape(w.lower()) for w in words}, key=len, reverse=True)
    # `\b` equals `(?<!\w)` when every word starts with a word character, and `regex` scans it faster.
    start = r"\b" if all(regex.match(r"\w", w) for w in alternatives) else r"(?<!\w)"
    return regex.compile(start + "(?:" + "|".join(alternatives) + ")", regex.IGNORECASE)


def whole_words_regex(
    words: Iterable[str], stems: Iterable[str] = (), plural: bool = False
) -> regex.Pattern[str]:
    """A case-insensitive pattern matching any of `words` as a whole word, or any of `stems` as a prefix.

    `plural` also accepts an `s` / `es` ending on the whole words.
    """
    whole = "|".join(sorted((regex.escape(w) for w in words), key=len, reverse=True))
    return regex.compile(
        r"(?<!\w)(?:(?:"
        + whole
        + r")"
        + (r"(?:e?s)?" if plural else "")
        + r"(?!\w)|(?:"
        + "|".join(regex.escape(w) for w in stems)
        + "))",
        regex.IGNORECASE,
    )


# Whole words (a plural allowed), so that `part` does not match `partir` nor `ref` `refund`.
_NEGATIVE_RE = whole_words_regex(NEGATIVE, NEGATIVE_STEMS, plural=True)


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


def negative_before(text: str, start: int, context: regex.Pattern[str] | None = None) -> bool:
    """True when a negative word stands just before the match and no `context` word follows it.

    `Order 1234, card 4111 …`: the card word after `order` speaks for the card;
    `phone 0612…. Order 4962…`: the phone word before `order` does not.
    """
    last = None
    for last in _NEGATIVE_RE.finditer(text, max(0, start - NEGATIVE_BEFORE), start):  # noqa: B007
        pass
    if last is None:
        return False
    return context is None or not context.search(text, last.end(), start)


def trie(words: Iterable[str]) -> str:
    """An alternation of literal words as a trie (`ju(?:l(?:io|y)?|n(?:e|io)?)`...).

    Matches exactly what the longest-first alternation `julio|july|jul|...` matches (a word
    is tried before its prefixes; two words that are not prefixes of each other never both
    match at one place), but `regex` rejects a non-month in a few steps instead of ~90.
    """
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [regex.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(tree)

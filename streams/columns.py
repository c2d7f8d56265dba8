"""What the masker knows about CDC columns: names that look personal, typed values, schema blocks.

- A column whose *name* looks personal (`phone`, `mobile_no`, `birth_date`, `dob`, `ssn`,
  `tax_id`, `iban`, `card_number`, `passport`...) is a detection candidate whatever its value:
  numbers of any length too, and detection sees the column name before the value
  (`birth date: 1990-01-15`), so context-scored recognizers (phones, dates of birth, national
  IDs) find what a bare `4155550134` or `7319` would not show them.
- Numbers that are dates or times (`io.debezium.time.Date` days, `Timestamp` ms, ...; in a
  bare event, a birth column's days, `yyyymmdd` or ms) are detected, and tokenized, as ISO
  text: a token of `1990-01-15` unmasks to a date, not to a day count.
- A masked value changes type (a number becomes a token string, a `Date` loses its meaning),
  so the wrapper's `schema` block is rewritten for that field (`retype`): consumers that read
  the schema (JsonConverter with schemas, JDBC sinks) keep working.

Schema blocks repeat in every event of a table: `SchemaInfo` is built once per distinct block
(the caller keys it by the block's bytes) and holds where its typed fields are.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Final

import regex

from streams import jsonio

#: Words of a column name that make it personal (whole words of the name: `tax_id`, `TaxId`).
_PERSONAL_WORDS: Final = frozenset(
    {
        "phone", "phones", "telephone", "tel", "mobile", "mobil", "cell", "cellphone", "fax", "msisdn",
        "whatsapp", "telefono", "teléfono", "telefone", "telefon", "movil", "móvil", "celular", "handy",
        "birth", "birthday", "birthdate", "dob", "born", "nacimiento", "naissance", "geburtsdatum",
        "geburtstag", "nascimento",
        "ssn", "sin", "nin", "nino", "nhs", "tin", "tax", "taxid", "nif", "nie", "dni", "cpf", "cnpj",
        "nir", "idnr", "steuerid", "curp", "national", "passport", "iban", "bank", "card", "cc", "pan",
        "creditcard",
    }
)  # fmt: skip
#: Stems found anywhere in a name (`homephone`, `dateofbirth`, `birthdate`).
_PERSONAL_STEMS = regex.compile(r"phone|birth|passport|iban|mobile|taxid|creditcard|telefon")
#: A name's words: `birth_date`, `birthDate`, `BIRTH-DATE`, `phone2` → birth date, phone.
_WORDS = regex.compile(r"\p{Lu}?\p{Ll}+|\p{Lu}+(?!\p{Ll})")

#: Connect/Debezium logical types of integers that are a day, or an instant in some unit.
_DAYS: Final = frozenset({"io.debezium.time.Date", "org.apache.kafka.connect.data.Date"})
_INSTANT_UNITS: Final = {
    "io.debezium.time.Timestamp": 1_000,
    "org.apache.kafka.connect.data.Timestamp": 1_000,
    "io.debezium.time.MicroTimestamp": 1_000_000,
    "io.debezium.time.NanoTimestamp": 1_000_000_000,
}
#: A string logical type whose value is JSON text: kept while the masked text still parses.
_JSON_TYPE: Final = "io.debezium.data.Json"
_EPOCH: Final = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class ColumnKind:
    """What a column's name says. `label`: the prefix detection sees before a value of a
    personal column (empty for the others); `birth`: a date-of-birth-like name."""

    personal: bool
    label: str = ""
    birth: bool = False


_PLAIN = ColumnKind(False)


def name_words(name: str) -> list[str]:
    """A column name's words, lower-case: `birthDate`, `BIRTH_DATE` → birth, date."""
    return [w.lower() for w in _WORDS.findall(name)]


@functools.lru_cache(maxsize=8192)
def column_kind(name: str) -> ColumnKind:
    """Whether a column name looks personal (cached: column names repeat in every event)."""
    words = name_words(name)
    joined = "".join(words)
    personal = any(w in _PERSONAL_WORDS for w in words) or _PERSONAL_STEMS.search(joined) is not None
    if not personal:
        return _PLAIN
    birth = any(w in ("birth", "birthday", "birthdate", "dob", "born") for w in words) or "birth" in joined
    return ColumnKind(True, " ".join(words) + ": ", birth)


def temporal_text(value: int | float, logical: str | None, birth: bool) -> str | None:
    """An integer date or instant as ISO text (`1990-01-15`, `2024-05-01T10:00:00Z`), by its
    logical type, or for a birth column without one by its shape; None when it is neither."""
    if type(value) is not int:
        return None
    try:
        if logical in _DAYS:
            return (_EPOCH + dt.timedelta(days=value)).isoformat()
        unit = _INSTANT_UNITS.get(logical or "")
        if unit is not None:
            instant = dt.datetime.fromtimestamp(value / unit, dt.UTC)
            return instant.date().isoformat() if birth else instant.strftime("%Y-%m-%dT%H:%M:%SZ")
        if logical is None and birth:
            return _birth_guess(value)
    except (OverflowError, ValueError, OSError):
        return None
    return None


def _birth_guess(value: int) -> str | None:
    """A birth column's integer without a logical type: `yyyymmdd`, days since 1970, or ms."""
    if 1800_01_01 <= value <= 2100_12_31:
        year, month, day = value // 10000, value // 100 % 100, value % 100
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return None
    if -60_000 <= value <= 60_000:  # 1805 to 2134
        return (_EPOCH + dt.timedelta(days=value)).isoformat()
    if 10**11 <= abs(value) < 10**13:  # ms: 1973 to 2286 (and back to 1653)
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC).date().isoformat()
    return None


@dataclass(slots=True)
class SchemaInfo:
    """The typed fields of one JSON-converter schema block.

    `typed`: (side, column) → index path of the field's node, for every row field that is not a
    plain string (`before`/`after` of an envelope, or `key` for a key's struct); `logical`:
    (side, column) → the field's logical type name (`io.debezium.time.Date`); `clean`: the
    (tenant, policy version, language) for which walking the block found nothing to mask.
    """

    typed: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict)
    logical: dict[tuple[str, str], str] = field(default_factory=dict)
    clean: set[tuple[str, str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, schema: Any, key: bool = False) -> SchemaInfo:
        info = cls()
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            return info
        if key:
            info._struct("key", schema["fields"], ())
            return info
        for i, node in enumerate(schema["fields"]):
            if isinstance(node, dict) and node.get("field") in ("before", "after"):
                fields = node.get("fields")
                if isinstance(fields, list):
                    info._struct(node["field"], fields, (i,))
        return info

    def _struct(self, side: str, fields: list[Any], at: tuple[int, ...]) -> None:
        for i, node in enumerate(fields):
            if not isinstance(node, dict) or type(node.get("field")) is not str:
                continue
            logical = node.get("name")
            if node.get("type") != "string" or logical is not None:
                self.typed[(side, node["field"])] = (*at, i)
            if type(logical) is str:
                self.logical[(side, node["field"])] = logical


def node_at(schema: Any, at: tuple[int, ...]) -> dict[str, Any] | None:
    """The field node at an index path of `SchemaInfo.typed` (`fields[i].fields[j]`)."""
    node = schema
    for i in at:
        fields = node.get("fields") if isinstance(node, dict) else None
        if not isinstance(fields, list) or i >= len(fields):
            return None
        node = fields[i]
    return node if isinstance(node, dict) else None


def retype(node: dict[str, Any], masked: Any) -> None:
    """Rewrite a field's schema for its masked value: a string now, without the logical type
    (name, version, parameters) and default of what it was. A JSON column that still holds
    JSON keeps its type."""
    if node.get("type") == "string" and node.get("name") == _JSON_TYPE and type(masked) is str:
        try:
            jsonio.loads(masked)
        except ValueError:
            pass
        else:
            return
    if node.get("type") != "string":
        node["type"] = "string"
        node.pop("default", None)
    for name in ("name", "version", "parameters"):
        node.pop(name, None)


__all__ = ["ColumnKind", "SchemaInfo", "column_kind", "name_words", "node_at", "retype", "temporal_text"]

"""Which input topics the mask worker reads, and where each one's records go.

CDC topics are named by `WorkerSettings.cdc_prefix` + table (`crm.cdc.contacts`) or, to read
Debezium's own topic names without a rename SMT, by a topic pattern
(`VEILSTREAM_CDC_TOPIC_PATTERN`) such as `{server}.{schema}.{table}`:

- `{table}` (required, once): one of `VEILSTREAM_CDC_TABLES`; its masked records go to
  `masked_cdc_prefix` + table whatever the rest of the name was;
- `{tenant}` (optional): the part of the name that names the tenant (one connector per tenant:
  `{tenant}.public.{table}`); it counts as the topic's tenant mapping;
- any other `{name}` (`{server}`, `{schema}`, `{db}`): one dot-free part of the name, any value.

Everything else in the pattern is literal. A pattern without wildcards (`crm.public.{table}`)
names one topic per table and is subscribed to by name; one with wildcards is subscribed to as
a regular expression (aiokafka engine only: faust's pattern subscription does not work). Topics
the worker writes itself never match, so a wide pattern cannot read its own output.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import regex

if TYPE_CHECKING:
    from streams.settings import Role, WorkerSettings

Kind = Literal["cdc", "message"]

#: `{name}` placeholders of a topic pattern.
_PLACEHOLDER = regex.compile(r"\{([a-z_]{1,32})\}")
#: A dot-free part of a topic name (Kafka allows letters, digits, `.`, `_` and `-`).
_PART = r"[A-Za-z0-9_-]+"
#: A tenant id inside a topic name (tenant ids without the dot, which separates name parts).
_TENANT_PART = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
#: Topic names Kafka accepts.
_TOPIC = regex.compile(r"[A-Za-z0-9._-]{1,249}")
#: Most topics the route cache holds (it only ever sees the topics the worker subscribed to).
ROUTE_CACHE: Final = 10_000


@dataclass(frozen=True, slots=True)
class Route:
    """How to read an input topic and where its masked records go; `tenant`: the tenant the
    topic's name gives (a `{tenant}` pattern part), used when no header or field names one."""

    kind: Kind
    output: str
    table: str | None = None
    tenant: str | None = None


@dataclass(frozen=True, slots=True)
class TopicPattern:
    """A parsed `VEILSTREAM_CDC_TOPIC_PATTERN` (see the module docstring)."""

    text: str
    parts: tuple[str | None, ...]  # literal text, or None where a placeholder stands
    names: tuple[str, ...]  # the placeholders, in order

    @classmethod
    def parse(cls, text: str) -> TopicPattern:
        """Parse and check a pattern; `ValueError` names what is wrong (the pattern is config)."""
        return _parse(text)

    @classmethod
    def _parse(cls, text: str) -> TopicPattern:
        parts: list[str | None] = []
        names: list[str] = []
        at = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[at : match.start()])
            parts.append(None)
            names.append(match.group(1))
            at = match.end()
        parts.append(text[at:])
        literal = "".join(p for p in parts if p is not None)
        if "{" in literal or "}" in literal:
            raise ValueError("placeholders are {name} with lower-case letters and _, e.g. {table}")
        if names.count("table") != 1:
            raise ValueError("the pattern needs {table} exactly once")
        if names.count("tenant") > 1:
            raise ValueError("{tenant} may appear at most once")
        if literal and not _TOPIC.fullmatch(literal):
            raise ValueError("topic names hold only letters, digits, '.', '_' and '-'")
        if "}{" in text:
            raise ValueError("two placeholders need a separator between them")
        return cls(text, tuple(parts), tuple(names))

    @property
    def wildcards(self) -> bool:
        """Whether the pattern names more than one topic per table (placeholders besides {table})."""
        return any(name != "table" for name in self.names)

    def topic(self, table: str) -> str:
        """The topic of `table` (a pattern without wildcards only)."""
        if self.wildcards:
            raise ValueError(f"the topic pattern {self.text!r} names no single topic per table")
        return "".join(table if p is None else p for p in self.parts)

    def prefixed(self, prefix: str) -> TopicPattern:
        return TopicPattern.parse(f"{prefix}{self.text}")

    def regex(self, tables: Iterable[str], exclude: Iterable[str] = ()) -> str:
        """A regular expression matching exactly the topics of `tables` (Python `re` syntax, as
        aiokafka's pattern subscription compiles it); groups `table` and `tenant`."""
        table = "|".join(regex.escape(t) for t in sorted(tables, key=len, reverse=True))
        out = []
        names = iter(self.names)
        for part in self.parts:
            if part is not None:
                out.append(regex.escape(part))
                continue
            name = next(names)
            if name == "table":
                out.append(f"(?P<table>{table})")
            elif name == "tenant":
                out.append(f"(?P<tenant>{_TENANT_PART})")
            else:
                out.append(_PART)
        skip = "|".join(regex.escape(t) for t in sorted(set(exclude)))
        guard = f"(?!(?:{skip})$)" if skip else ""
        return f"^{guard}{''.join(out)}$"


@functools.lru_cache(maxsize=64)
def _parse(text: str) -> TopicPattern:
    return TopicPattern._parse(text)


class Router:
    """Input topic → `Route`: the fixed routes, then the topic pattern (matches cached)."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self.fixed = routes(settings)
        pattern = settings.topic_pattern
        self._regex = None
        if pattern is not None and pattern.wildcards:
            self._regex = regex.compile(pattern.regex(settings.cdc_tables, own_topics(settings)))
        self._cache: dict[str, Route | None] = {}

    def route(self, topic: str) -> Route | None:
        fixed = self.fixed.get(topic)
        if fixed is not None or self._regex is None:
            return fixed
        try:
            return self._cache[topic]
        except KeyError:
            pass
        found = None
        match = self._regex.match(topic)
        if match is not None:
            table = match.group("table")
            tenant = match.groupdict().get("tenant")
            found = Route("cdc", self.settings.masked_cdc_topic(table), table, tenant)
        if len(self._cache) >= ROUTE_CACHE:
            self._cache.clear()
        self._cache[topic] = found
        return found


def routes(settings: WorkerSettings) -> dict[str, Route]:
    """The routes of the topics named one per table (all of them unless the pattern has wildcards)."""
    out: dict[str, Route] = {}
    pattern = settings.topic_pattern
    if pattern is None or not pattern.wildcards:
        for table in settings.cdc_tables:
            out[settings.cdc_topic(table)] = Route("cdc", settings.masked_cdc_topic(table), table)
    out[settings.messages_topic] = Route("message", settings.masked_messages_topic)
    return out


def own_topics(settings: WorkerSettings) -> list[str]:
    """The topics of the worker's own making (its outputs, the unmask role's requests): never
    a CDC input."""
    return [
        settings.unmask_requests_topic,
        *(settings.masked_cdc_topic(t) for t in settings.cdc_tables),
        settings.masked_messages_topic,
        settings.audit_topic,
        settings.dlq_topic,
        settings.unmask_replies_topic,
    ]


@dataclass(frozen=True, slots=True)
class Subscription:
    """What a role's consumer subscribes to: topic names, or one regular expression."""

    topics: tuple[str, ...] = ()
    pattern: str | None = None


def subscription(settings: WorkerSettings, role: Role) -> Subscription:
    """The mask role's CDC and message topics (a regular expression where the CDC topic pattern
    has wildcards), or the unmask role's request topic."""
    if role != "mask":
        return Subscription((settings.unmask_requests_topic,))
    pattern = settings.topic_pattern
    if pattern is None or not pattern.wildcards:
        return Subscription((*(settings.cdc_topic(t) for t in settings.cdc_tables), settings.messages_topic))
    cdc = pattern.regex(settings.cdc_tables, own_topics(settings))
    return Subscription(pattern=f"{cdc}|^{regex.escape(settings.messages_topic)}$")


__all__ = ["Route", "Router", "Subscription", "TopicPattern", "own_topics", "routes", "subscription"]

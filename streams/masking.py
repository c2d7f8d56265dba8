"""Masking a batch of records: parse, find the tenant, detect, tokenize or redact, rebuild.

No Kafka client here: records in (`InRecord`), outcomes out (`Masked` or `Rejected`), so
the whole path is testable without a broker. One detection call and one vault call per
tenant per batch, so NER and Postgres round trips amortize.

Fail closed: a record that cannot be parsed, attributed to a known tenant, detected or
tokenized becomes a `Rejected` with a stable reason code; nothing of it is ever output.
Vault outages are not rejections: an error `streams.error_policy` classifies as `TRANSIENT`
propagates, so the caller backs off and retries the batch without committing.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from detectors import Document, Policy, Span, redact
from detectors.errors import DetectorsError
from detectors.language import guess_lang, lang_code
from detectors.pipeline import MAX_CHARS, rule_spans
from streams import jsonio, metrics, shapes
from streams.columns import SchemaInfo, column_kind, node_at, retype, temporal_text
from streams.error_policy import Failure, classify
from streams.errors import RecordError
from streams.kafka import REPLAY_HEADER, InRecord, OutRecord
from streams.records import change_event_row, load_value, support_message_from
from streams.routing import Route, Router, routes
from streams.settings import WorkerSettings
from streams.tenancy import TenantResolver
from vault.policy_cache import PolicyCache

log = logging.getLogger(__name__)

Detect = Callable[[Sequence[Document]], list[list[Span]]]

#: Detection of at most this many characters runs on the event loop: the hop to the detection
#: thread costs more than detecting one short message (1.5 ms here), and blocks the loop for at
#: most a few ms without NER, ~60 ms with it. Bigger batches go to the thread.
INLINE_DETECT_CHARS = 2000

#: Integers with at least this many digits are checked by detection (phones, cards, IDs stored as numbers).
NUMBER_DIGITS = shapes.NUMBER_DIGITS

#: Most object keys whose detection is remembered (`Masker._key_spans`).
KEY_CACHE = 50_000
#: Most distinct schema blocks remembered (`Masker._schemas`): a few per table and schema version.
SCHEMA_CACHE = 2_000


class Tokens(Protocol):
    """The vault's tokenize path, as the masker needs it."""

    async def tokenize_texts(
        self, tenant: str, docs: Sequence[tuple[str, Sequence[Span]]], *, principal: str | None = None
    ) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Masked:
    """A record ready to produce, with its audit-export record."""

    record: OutRecord
    audit: OutRecord
    entities: dict[str, int]
    tenant: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that must not be output. `detail` names positions and fields, never content."""

    reason: str
    error_class: str
    tenant: str | None = None
    detail: str = ""


Outcome = Masked | Rejected


@dataclass(slots=True)
class _Slot:
    """One text of a record (a leaf, or an object's key): where it sits, what detection sees,
    what replaces it."""

    container: Any  # the dict or list holding the leaf (the dict, for a key)
    key: int | str
    text: str
    field: str | None  # `table.column` of a CDC row's leaf, else None
    lang: str
    path: tuple[str | int, ...]
    #: Set when the leaf is collected where the field's rule decides (`rule_spans`) or its
    #: detection is cached; None until detection has run otherwise.
    spans: list[Span] | None = None
    #: The slot is the key `key` of the dict `container`, not the value under it.
    is_key: bool = False
    #: What detection sees before the text (a personal column's name: `phone: `); spans are
    #: positions in `text` all the same.
    context: str = ""
    #: How the masked text goes back into the record (base64 for a logical message's content).
    encode: Callable[[str], str] | None = None

    def put(self, plan: _Plan, text: str) -> None:
        """Replace the slot's text in the record (a key is renamed when the plan is built)."""
        if self.is_key:
            plan.renames.append((self.container, str(self.key), text))
        else:
            self.container[self.key] = text if self.encode is None else self.encode(text)


@dataclass(slots=True)
class _Plan:
    record: InRecord
    route: Route
    tenant: str
    policy: Policy
    mode: str
    body: list[Any]  # [decoded value]: a holder so the root itself can be replaced
    key: list[Any]  # [decoded key]
    key_is_json: bool
    slots: list[_Slot] = field(default_factory=list)
    key_slots: int = 0  # the first `key_slots` slots are the record key's (`_collect_key`)
    #: (dict, key, new key): object keys that held personal data, renamed in `_build`.
    renames: list[tuple[dict[str, Any], str, str]] = field(default_factory=list)
    #: The typed fields of the value's and of the key's schema block (wrapped records only).
    schema: SchemaInfo | None = None
    key_schema: SchemaInfo | None = None
    #: Schema blocks walked for this record: (info, verdict, first slot, end slot); a walk that
    #: found nothing marks its block clean for the verdict once the record is built.
    walks: list[tuple[SchemaInfo, tuple[str, str, str], int, int]] | None = None


class _Reject(Exception):
    def __init__(self, reason: str, error_class: str, tenant: str | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.rejected = Rejected(reason, error_class, tenant, detail)


class Masker:
    """Turns batches of raw records into masked records or rejections."""

    def __init__(
        self,
        settings: WorkerSettings,
        detect: Detect,
        tokens: Tokens,
        policies: PolicyCache,
        resolver: TenantResolver | None = None,
    ) -> None:
        self.settings = settings
        self.router = Router(settings)
        self.detect = detect
        self.tokens = tokens
        self.policies = policies
        self.resolver = resolver or TenantResolver(
            settings.tenant_header, settings.tenant_field, settings.topic_tenants
        )
        self.principal = f"worker:{settings.app_id}"
        #: Detection of object keys (column names repeat in every event): (tenant, policy
        #: version, lang, key) → spans. Cleared when it reaches `KEY_CACHE` entries.
        self._key_spans: dict[tuple[str, str, str, str], list[Span]] = {}
        #: Schema blocks seen (their bytes → `SchemaInfo`): a block repeats in every event of its
        #: table, and once walked clean it is not walked again for that tenant and policy.
        self._schemas: dict[bytes, SchemaInfo] = {}
        # One thread for big batches, so the event loop stays free. Batches are masked one at a
        # time, so detection never runs in two threads at once (NER is not thread-safe).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="veilstream-detect")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def mask_batch(self, records: Sequence[InRecord]) -> list[Outcome]:
        """One outcome per record, in order. Raises only when the vault is unavailable."""
        outcomes: list[Outcome | None] = [None] * len(records)
        plans: dict[int, _Plan] = {}
        start = time.perf_counter()
        for i, record in enumerate(records):
            try:
                plans[i] = await self._plan(record)
            except _Reject as rej:
                outcomes[i] = rej.rejected
            except Exception as exc:  # one record must never stop the batch
                if classify(exc) is Failure.TRANSIENT:
                    raise
                outcomes[i] = Rejected("internal", type(exc).__name__)
        metrics.STAGE_SECONDS.labels("parse").observe(time.perf_counter() - start)

        start = time.perf_counter()
        for i, rejected in (await self._detect(plans)).items():
            outcomes[i] = rejected
            del plans[i]
        metrics.STAGE_SECONDS.labels("detect").observe(time.perf_counter() - start)

        start = time.perf_counter()
        for i, rejected in (await self._transform(plans)).items():
            outcomes[i] = rejected
            del plans[i]
        metrics.STAGE_SECONDS.labels("tokenize").observe(time.perf_counter() - start)

        for i, plan in plans.items():
            try:
                outcomes[i] = self._build(plan)
            except _Reject as rej:
                outcomes[i] = rej.rejected
            except Exception as exc:
                outcomes[i] = Rejected("serialize_failed", type(exc).__name__, plan.tenant)
        return [o if o is not None else Rejected("internal", "Missing") for o in outcomes]

    # -- 1. parse and plan -------------------------------------------------------------------

    async def _plan(self, record: InRecord) -> _Plan:
        route = self.router.route(record.topic)
        if route is None:
            raise _Reject("unknown_topic", "RoutingError")
        body: Any = None
        row: dict[str, Any] | None = None
        if record.value is not None:
            try:
                body = load_value(record.value)
                if route.kind == "cdc":
                    row = change_event_row(body)
                else:
                    support_message_from(body)
                    row = body
            except RecordError as exc:
                # Keep it under its tenant when the header or topic names a known one.
                owner = self._tenant(record, route, None)
                known = owner if owner is not None and await self.policies.get(owner) else None
                raise _Reject(exc.reason, type(exc).__name__, known, exc.detail) from None
        tenant = self._tenant(record, route, row)
        if tenant is None:
            raise _Reject("no_tenant", "TenantError")
        policy = await self.policies.get(tenant)
        if policy is None:
            raise _Reject("unknown_tenant", "TenantError")
        key, key_is_json = _decode_key(record.key, tenant)
        lang = policy.default_lang
        if route.kind == "message" and isinstance(body, dict):
            mode = policy.channel_mode(str(body["channel"]))
        else:
            mode = policy.channel_mode("cdc")
        plan = _Plan(record, route, tenant, policy, mode, [body], [key], key_is_json)
        self._collect_key(plan, lang)
        plan.key_slots = len(plan.slots)
        if body is not None:
            if route.kind == "cdc":
                self._collect_change_event(plan, body, lang)
            else:
                self._collect_message(plan, body, lang)
        return plan

    def _tenant(self, record: InRecord, route: Route, row: dict[str, Any] | None) -> str | None:
        """The record's tenant, first match wins: header, row field, topic mapping (the settings'
        map, then a `{tenant}` part of the topic's name), the record key's field, the default.
        Tombstones, truncates and logical messages have no row: the rest still names one."""
        found = self.resolver.resolve(record.topic, record.headers, row) or route.tenant
        if found is None and record.key is not None and self.resolver.record_field is not None:
            with contextlib.suppress(ValueError):  # not JSON (or not UTF-8: `_decode_key` says so)
                found = self.resolver.from_key(jsonio.loads(record.key))
        return found or self.settings.default_tenant

    # Collection walks the whole record. Structure known by position and shape (`streams.shapes`)
    # is left alone; every other text, object key and number goes to detection.

    def _collect_key(self, plan: _Plan, lang: str) -> None:
        key = plan.key[0]
        if key is None:
            return
        if not plan.key_is_json:
            self._leaf(plan, plan.key, 0, str(key), None, None, lang, ("key",))
        elif plan.route.kind == "cdc" and isinstance(key, dict):
            if isinstance(key.get("payload"), dict) and set(key) <= {"schema", "payload"}:
                if "schema" in key:
                    plan.key_schema = self._schema(plan, key, ("key", "$", "schema"), lang, True)
                self._collect_row(plan, key["payload"], ("key",), lang, 1)
            else:
                self._collect_row(plan, key, ("key",), lang, 0)
        else:
            self._walk(plan, plan.key, 0, None, None, lang, ("key",), 0)

    def _collect_change_event(self, plan: _Plan, body: dict[str, Any], lang: str) -> None:
        """A Debezium event, bare or in its `{"schema", "payload"}` wrapper (validated by `_plan`)."""
        if "payload" in body and "op" not in body:
            payload = body["payload"]
            for name in body:  # paths name the wrapper's fields `$.schema`, `$.<name>`
                if name == "schema":
                    plan.schema = self._schema(plan, body, ("$", name), lang, False)
                elif name != "payload":
                    self._unknown(plan, body, name, ("$", name), lang, 1)
        else:
            payload = body
        for name in payload:  # paths are relative to the payload: `after.email`
            value = payload[name]
            path = (name,)
            if name in ("before", "after"):
                if isinstance(value, dict):
                    self._collect_row(plan, value, path, lang, 2)
            elif name == "op" or (
                name.startswith("ts_") and name in shapes.ENVELOPE_KEYS and type(value) is int
            ):
                continue  # validated by the model / a timestamp
            elif name == "source" and isinstance(value, dict):
                self._collect_known(plan, value, path, lang, shapes.structural_source)
            elif name == "transaction" and isinstance(value, dict):
                self._collect_known(plan, value, path, lang, shapes.structural_transaction)
            elif name == "message" and isinstance(value, dict) and payload.get("op") == "m":
                self._collect_logical_message(plan, value, path, lang)
            elif not (name == "transaction" and value is None):
                self._unknown(plan, payload, name, path, lang, 2)

    def _schema(
        self, plan: _Plan, holder: dict[str, Any], path: tuple[str | int, ...], lang: str, key: bool
    ) -> SchemaInfo | None:
        """A wrapper's `schema` block: walked for text to detect unless this block was already
        walked clean for the tenant and policy; its typed fields (for `retype`) known once."""
        block = holder["schema"]
        try:
            identity = jsonio.dumps(block) if isinstance(block, dict) else None
        except Exception:  # too deep to encode: the walk rejects it
            identity = None
        if identity is None:
            self._collect_schema(plan, holder, "schema", path, lang, 1)
            return None
        info = self._schemas.get(identity)
        if info is None:
            if len(self._schemas) >= SCHEMA_CACHE:
                self._schemas.clear()
            info = self._schemas[identity] = SchemaInfo.of(block, key)
        verdict = (plan.tenant, plan.policy.version, lang)
        if verdict not in info.clean:
            start = len(plan.slots)
            self._collect_schema(plan, holder, "schema", path, lang, 1)
            walk = (info, verdict, start, len(plan.slots))
            plan.walks = [walk] if plan.walks is None else [*plan.walks, walk]
        return info

    def _collect_logical_message(
        self, plan: _Plan, message: dict[str, Any], path: tuple[str | int, ...], lang: str
    ) -> None:
        """An `op: m` event's `message` (`prefix`, `content`): `content` is bytes, base64 in JSON,
        so detection reads the text it encodes and the masked text is encoded back."""
        for name in message:
            value, where = message[name], (*path, name)
            text = _base64_text(value) if name == "content" else None
            if text is None:
                self._unknown(plan, message, name, where, lang, 3)
            elif text:
                self._leaf(plan, message, name, text, None, None, lang, where)
                plan.slots[-1].encode = _base64

    def _collect_known(
        self,
        plan: _Plan,
        block: dict[str, Any],
        path: tuple[str | int, ...],
        lang: str,
        structural: Callable[[str, Any], bool],
    ) -> None:
        """A block of named structural fields (`source`, `transaction`): the rest is detected."""
        for name in block:
            if not structural(name, block[name]):
                self._unknown(plan, block, name, (*path, name), lang, 3)

    def _collect_schema(
        self, plan: _Plan, holder: Any, name: str | int, path: tuple[str | int, ...], lang: str, depth: int
    ) -> None:
        """A JSON-converter schema block: its names and types are structure, anything else is text."""
        node = holder[name]
        if depth > shapes.MAX_DEPTH:
            raise _Reject("too_deep", "RecordError", plan.tenant, f"nesting deeper than {shapes.MAX_DEPTH}")
        if isinstance(node, list) and name in shapes.SCHEMA_NESTED:
            for i in range(len(node)):
                self._collect_schema(plan, node, i, (*path, i), lang, depth + 1)
            return
        if not isinstance(node, dict):
            if node is not None:
                self._walk(plan, holder, name, None, None, lang, path, depth)
            return
        for key in node:
            value, where = node[key], (*path, key)
            if key in shapes.SCHEMA_NESTED:
                self._collect_schema(plan, node, key, where, lang, depth + 1)
            elif key == "parameters" and isinstance(value, dict):
                for param in value:
                    if not shapes.structural_parameter(param, value[param]):
                        self._unknown(plan, value, param, (*where, param), lang, depth + 2)
            elif not shapes.structural_schema_value(key, value):
                self._unknown(plan, node, key, where, lang, depth + 1)

    def _collect_row(
        self, plan: _Plan, row: dict[str, Any], path: tuple[str | int, ...], lang: str, depth: int
    ) -> None:
        """A table row (or a CDC record key): column names are detected too, values by field rule.

        Values are detected in the row's language: its language column's (`lang_columns` of the
        policy), else each text's own (`guess_lang`), else `lang`. Columns whose name looks
        personal are detected whatever their value (numbers too), the name before the value."""
        table, rules, policy = plan.route.table, plan.policy.fields, plan.policy
        row_lang: str | None = None
        if policy.lang_columns:
            row_lang = lang_code(row.get(policy.lang_columns.get(str(table), "")))
        for column in row:
            where = (*path, column)
            self._key(plan, row, column, where, lang)
            field_name = f"{table}.{column}"
            rule = rules.get(field_name)
            if rule == "keep":  # a kept column: no slot, no detection
                continue
            value = row[column]
            kind = type(value)
            if kind is str:
                label = ""
                if rule is None or rule == "detect":
                    label = column_kind(column).label  # a personal column: detection reads `phone: ...`
                self._leaf(plan, row, column, value, field_name, rule, row_lang, where, label)
            elif kind is int or kind is float:
                self._number(plan, row, field_name, rule, where, row_lang or lang)
            else:
                self._walk(plan, row, column, field_name, rule, row_lang, where, depth + 1)

    def _number(
        self,
        plan: _Plan,
        row: dict[str, Any],
        field_name: str,
        rule: str | None,
        path: tuple[str | int, ...],
        lang: str,
    ) -> None:
        """A row's number (`path`: side, column). A field rule's class takes it whole; otherwise
        detection sees it when it has `NUMBER_DIGITS` digits or its column's name looks personal.
        Dates and instants (by the schema's logical type, or a birth column's shape) are read as
        ISO text."""
        side, column = str(path[0]), str(path[-1])
        value = row[column]
        kind = column_kind(column)
        ruled = rule is not None and rule != "detect"
        if ruled or kind.personal:
            info = plan.key_schema if side == "key" else plan.schema
            logical = None if info is None else info.logical.get((side, column))
            text = temporal_text(value, logical, kind.birth)
            if text is None:
                text = str(value) if ruled else (shapes.number_text(value) or _digits(value))
        else:
            text = shapes.number_text(value)
            if text is None:
                return
        self._leaf(plan, row, column, text, field_name, rule, lang, path, "" if ruled else kind.label)

    def _collect_message(self, plan: _Plan, body: dict[str, Any], lang: str) -> None:
        """A support message (validated by `_plan`): ids of an unexpected shape are detected.
        `text`, `sender` and `metadata` in the message's `lang`, else their own language
        (`guess_lang`), else `lang` (the policy's)."""
        own = body.get("lang")  # two lower-case letters, or None
        for name in body:
            value = body[name]
            if name in ("text", "sender"):
                if isinstance(value, str):
                    self._leaf(plan, body, name, value, None, None, own, (name,))
            elif name == "metadata":
                self._walk(plan, body, name, None, None, own, (name,), 1)
            elif (name in ("message_id", "conversation_id") and _odd_id(value)) or (
                name == "tenant_id" and isinstance(value, str) and value != plan.tenant
            ):
                self._leaf(plan, body, name, value, None, None, lang, (name,))
            # channel, lang, ts: shapes enforced by `SupportMessage`

    def _unknown(
        self,
        plan: _Plan,
        container: dict[str, Any],
        name: str,
        path: tuple[str | int, ...],
        lang: str,
        depth: int,
    ) -> None:
        """A field the masker does not know: its name and its whole value are detected."""
        self._key(plan, container, name, path, lang)
        self._walk(plan, container, name, None, None, lang, path, depth)

    def _walk(
        self,
        plan: _Plan,
        container: Any,
        key: int | str,
        field_name: str | None,
        rule: str | None,
        lang: str | None,
        path: tuple[str | int, ...],
        depth: int,
    ) -> None:
        """Collect the texts of `container[key]` (object keys included); `rule`: the policy's rule
        for `field_name` (None without a field), never `keep` (kept columns are not walked);
        `lang` None: each text's own language, else the policy's."""
        value = container[key]
        if isinstance(value, str):
            self._leaf(plan, container, key, value, field_name, rule, lang, path)
        elif isinstance(value, dict | list):
            if depth >= shapes.MAX_DEPTH:
                raise _Reject(
                    "too_deep", "RecordError", plan.tenant, f"nesting deeper than {shapes.MAX_DEPTH}"
                )
            if isinstance(value, dict):
                for k in value:
                    self._key(plan, value, k, (*path, k), lang or plan.policy.default_lang)
                    self._walk(plan, value, k, field_name, rule, lang, (*path, k), depth + 1)
            else:
                for i in range(len(value)):
                    self._walk(plan, value, i, field_name, rule, lang, (*path, i), depth + 1)
        elif value is not None and type(value) is not bool:
            if rule not in (None, "detect", "keep") and type(value) in (int, float):
                self._leaf(plan, container, key, str(value), field_name, rule, lang, path)
            else:
                digits = shapes.number_text(value)
                if digits is not None:
                    self._leaf(plan, container, key, digits, field_name, rule, lang, path)

    def _key(
        self, plan: _Plan, container: dict[str, Any], name: str, path: tuple[str | int, ...], lang: str
    ) -> None:
        """A slot for an object key unless its (cached) detection found nothing in it."""
        cached = self._key_spans.get((plan.tenant, plan.policy.version, lang, name))
        if cached is None:
            plan.slots.append(_Slot(container, name, name, None, lang, path, None, True))
        elif cached:
            plan.slots.append(_Slot(container, name, name, None, lang, path, cached, True))

    def _leaf(
        self,
        plan: _Plan,
        container: Any,
        key: int | str,
        text: str,
        field_name: str | None,
        rule: str | None,
        lang: str | None,
        path: tuple[str | int, ...],
        context: str = "",
    ) -> None:
        """A slot for the leaf `text` (= str(container[key]), or what the number or bytes there
        read as); its spans when its field's rule fixes them. `lang` None: the text's own
        language (`guess_lang`), else the policy's; `context`: what detection sees before it."""
        if len(text) > MAX_CHARS:
            raise _Reject(
                "too_large",
                "RecordError",
                plan.tenant,
                f"a text of {len(text)} characters exceeds the detection limit of {MAX_CHARS}",
            )
        spans = rule_spans(text, rule, plan.policy)
        if lang is None:
            lang = (guess_lang(text) if spans is None else None) or plan.policy.default_lang
        plan.slots.append(_Slot(container, key, text, field_name, lang, path, spans, False, context))

    # -- 2. detect ---------------------------------------------------------------------------

    async def _detect(self, plans: dict[int, _Plan]) -> dict[int, Rejected]:
        """Detect every slot of every plan in one call; isolate the failing records when it fails.

        Slots whose column has a field rule get their spans here (no thread hop); only the
        others go to the detection thread. A batch of CDC rows with a rule on every column
        never leaves the event loop.
        """
        todo: dict[int, list[_Slot]] = {}
        for i, plan in plans.items():
            pending = [slot for slot in plan.slots if slot.spans is None]
            if pending:
                todo[i] = pending
        if not todo:
            return {}
        try:
            flat = [s for slots in todo.values() for s in slots]
            found = await self._run_detect(
                [_document(s, plans[i]) for i, slots in todo.items() for s in slots]
            )
            _assign(flat, found)
            self._remember_keys(plans, todo)
            return {}
        except Exception as exc:
            if len(todo) == 1:
                (i,) = todo
                return {i: Rejected("detect_failed", type(exc).__name__, plans[i].tenant, _why(exc))}
        rejected: dict[int, Rejected] = {}
        for i, slots in todo.items():
            try:
                found = await self._run_detect([_document(s, plans[i]) for s in slots])
                _assign(slots, found)
            except Exception as exc:
                rejected[i] = Rejected("detect_failed", type(exc).__name__, plans[i].tenant, _why(exc))
        self._remember_keys(plans, {i: slots for i, slots in todo.items() if i not in rejected})
        return rejected

    def _remember_keys(self, plans: dict[int, _Plan], done: dict[int, list[_Slot]]) -> None:
        """Cache the detection of the object keys just detected."""
        if len(self._key_spans) > KEY_CACHE:
            self._key_spans.clear()
        for i, slots in done.items():
            plan = plans[i]
            for slot in slots:
                if slot.is_key and slot.spans is not None:
                    self._key_spans[(plan.tenant, plan.policy.version, slot.lang, slot.text)] = slot.spans

    async def _run_detect(self, docs: list[Document]) -> list[list[Span]]:
        if sum(len(d.text) for d in docs) <= INLINE_DETECT_CHARS:
            return self.detect(docs)
        return await asyncio.get_running_loop().run_in_executor(self._executor, self.detect, docs)

    # -- 3. tokenize or redact ---------------------------------------------------------------

    async def _transform(self, plans: dict[int, _Plan]) -> dict[int, Rejected]:
        by_tenant: dict[str, list[int]] = {}
        for i, plan in plans.items():
            if plan.mode == "redact":
                for slot in plan.slots:
                    if slot.spans:
                        slot.put(plan, redact(slot.text, slot.spans))
            else:
                by_tenant.setdefault(plan.tenant, []).append(i)
        rejected: dict[int, Rejected] = {}
        for tenant, indices in by_tenant.items():
            try:
                await self._tokenize(tenant, [plans[i] for i in indices])
            except Exception as exc:
                if classify(exc) is Failure.TRANSIENT:
                    raise
                for i in indices:  # isolate the record that cannot be tokenized
                    try:
                        await self._tokenize(tenant, [plans[i]])
                    except Exception as one:
                        if classify(one) is Failure.TRANSIENT:
                            raise
                        rejected[i] = Rejected("tokenize_failed", type(one).__name__, tenant)
        return rejected

    async def _tokenize(self, tenant: str, plans: list[_Plan]) -> None:
        slots: list[tuple[_Plan, _Slot]] = []
        docs: list[tuple[str, Sequence[Span]]] = []
        for plan in plans:
            for slot in plan.slots:
                if slot.spans:
                    slots.append((plan, slot))
                    docs.append((slot.text, slot.spans))
        if not slots:
            return
        texts = await self.tokens.tokenize_texts(tenant, docs, principal=self.principal)
        for (plan, slot), text in zip(slots, texts, strict=True):
            slot.put(plan, text)

    # -- 4. rebuild --------------------------------------------------------------------------

    def _build(self, plan: _Plan) -> Masked:
        record = plan.record
        reference = record.reference
        masked_names = _rename_keys(plan)
        if plan.walks is not None:
            for info, verdict, start, end in plan.walks:
                if not any(slot.spans for slot in plan.slots[start:end]):
                    info.clean.add(verdict)
        if plan.schema is not None or plan.key_schema is not None:
            _retype_fields(plan)
        scores: dict[str, list[float]] = {}  # per class, in order of first detection
        detections = []
        for slot in plan.slots:
            if slot.spans:
                path = _path_text(slot.path, masked_names)
                for span in slot.spans:
                    seen = scores.get(span.entity)
                    if seen is None:
                        scores[span.entity] = [span.score]
                    else:
                        seen.append(span.score)
                    detections.append({"path": path, **span.to_json()})
        counts = {e: len(s) for e, s in scores.items()}
        summary = {
            e: {"count": len(s), "min_score": round(min(s), 4), "max_score": round(max(s), 4)}
            for e, s in scores.items()
        }
        value = None if plan.body[0] is None else _dumps(plan.body[0])
        key_masked = any(s.spans for s in plan.slots[: plan.key_slots])
        # An untouched key keeps its exact bytes (and so its hash partition downstream).
        key = _encode_key(plan.key[0], plan.key_is_json) if key_masked else record.key
        # Input headers are not copied: any of them may carry PII.
        replay_of = record.replay_of
        replay = () if replay_of is None else ((REPLAY_HEADER, replay_of.encode()),)
        tenant = plan.tenant.encode()
        source = reference.encode()
        headers = (
            *replay,
            ("veilstream-tenant", tenant),
            ("veilstream-policy-version", plan.policy.version.encode()),
            ("veilstream-mode", plan.mode.encode()),
            ("veilstream-source", source),
            ("veilstream-entities", _dumps(summary)),
        )
        out = OutRecord(plan.route.output, key, value, headers, record.partition)
        audit_body = {
            "reference": reference,
            "tenant": plan.tenant,
            "output_topic": plan.route.output,
            "policy_version": plan.policy.version,
            "mode": plan.mode,
            "entities": summary,
            "detections": detections,
        }
        # The masked value is already serialized: splice it in rather than encode it twice.
        audit_value = _dumps(audit_body)[:-1] + b',"masked":' + (b"null" if value is None else value) + b"}"
        audit = OutRecord(self.settings.audit_topic, source, audit_value, (("veilstream-tenant", tenant),))
        return Masked(out, audit, counts, plan.tenant)


def _rename_keys(plan: _Plan) -> dict[str, str]:
    """Rename the object keys that held personal data, in place and in order; returns the
    renames (raw → masked) so paths can name the masked keys. Two keys masking to the same
    text (placeholders of one class) cannot both stay: the record is rejected."""
    if not plan.renames:
        return {}
    by_dict: dict[int, tuple[dict[str, Any], dict[str, str]]] = {}
    names: dict[str, str] = {}
    for container, old, new in plan.renames:
        by_dict.setdefault(id(container), (container, {}))[1][old] = new
        names[old] = new
    for container, renames in by_dict.values():
        items = list(container.items())
        container.clear()
        for key, value in items:
            new_key = renames.get(key, key)
            if new_key in container:
                raise _Reject("bad_schema", "RecordError", plan.tenant, "two keys of one object mask alike")
            container[new_key] = value
    return names


def _retype_fields(plan: _Plan) -> None:
    """Rewrite the schema of every typed row field whose value was masked (`streams.columns`),
    in the value's and the key's schema block. `before` and `after` describe one table: a field
    retyped on one side is retyped on the other too, where a number becomes its text."""
    changed: dict[str, set[str]] = {}
    for slot in plan.slots:
        path = slot.path
        if slot.spans and not slot.is_key and len(path) == 2 and path[0] in ("before", "after", "key"):
            changed.setdefault("key" if path[0] == "key" else "row", set()).add(str(path[1]))
    body, key = plan.body[0], plan.key[0]
    if plan.schema is not None and "row" in changed and isinstance(body, dict):
        _retype_in(plan.schema, body.get("schema"), body.get("payload"), ("before", "after"), changed["row"])
    if plan.key_schema is not None and "key" in changed and isinstance(key, dict):
        _retype_in(plan.key_schema, key.get("schema"), {"key": key.get("payload")}, ("key",), changed["key"])


def _retype_in(info: SchemaInfo, schema: Any, rows: Any, sides: tuple[str, ...], columns: set[str]) -> None:
    if not isinstance(rows, dict):
        return
    for column in columns:
        for side in sides:
            at = info.typed.get((side, column))
            node = None if at is None else node_at(schema, at)
            if node is None:
                continue
            row = rows.get(side)
            value = row.get(column) if isinstance(row, dict) else None
            if value is not None and type(value) is not str:  # the other side's number, unmasked
                value = row[column] = _dumps(value).decode("utf-8")  # type: ignore[index]
            retype(node, value)


def _path_text(path: tuple[str | int, ...], masked: dict[str, str]) -> str:
    """`after.notes`, `metadata.tags[0]`: a slot's path, with masked names for masked keys."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = masked.get(part, part)
            out = f"{out}.{name}" if out else name
    return out


def _odd_id(value: Any) -> bool:
    """A message or conversation id of another shape than an identifier's (detected as text)."""
    return isinstance(value, str) and not shapes.identifier(value)


def _why(exc: BaseException) -> str:
    """A detection failure's detail: the detectors' own messages name limits, never content."""
    return str(exc) if isinstance(exc, DetectorsError) else ""


def _document(slot: _Slot, plan: _Plan) -> Document:
    """What detection sees of a slot. An object key is a name whose words `_` joins
    (`4111111111111111_card`): detection sees spaces there (same length, same offsets)."""
    text = slot.text.replace("_", " ") if slot.is_key else slot.context + slot.text
    return Document(text, slot.lang, slot.field, plan.policy)


def _assign(slots: list[_Slot], found: list[list[Span]]) -> None:
    for slot, spans in zip(slots, found, strict=True):
        if slot.context and spans:
            spans = _past(spans, len(slot.context))
        slot.spans = spans


def _past(spans: list[Span], n: int) -> list[Span]:
    """Spans found in `context + text`, as positions in `text` (what fell in the context goes)."""
    return [Span(max(0, s.start - n), s.end - n, s.entity, s.score, s.stage) for s in spans if s.end > n]


def _digits(value: int | float) -> str:
    """A number as detection reads it: its digits (no sign, no exponent)."""
    return str(abs(value)) if type(value) is int else repr(abs(value))


def _base64_text(value: Any) -> str | None:
    """The UTF-8 text a base64 value encodes (a logical message's `content`), else None."""
    if type(value) is not str:
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _base64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _decode_key(raw: bytes | None, tenant: str) -> tuple[Any, bool]:
    """A record key as JSON when it parses, else as text; undecodable keys are refused."""
    if raw is None:
        return None, False
    try:
        return jsonio.loads(raw), True
    except UnicodeDecodeError:
        raise _Reject("bad_key", "RecordError", tenant, "key is not UTF-8") from None
    except ValueError:
        return raw.decode("utf-8"), False


def _encode_key(key: Any, is_json: bool) -> bytes | None:
    if key is None:
        return None
    return _dumps(key) if is_json else str(key).encode("utf-8")


_dumps = jsonio.dumps


__all__ = ["Detect", "Masked", "Masker", "Outcome", "Rejected", "Route", "Tokens", "routes"]

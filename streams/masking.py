"""Masking a batch of records: parse, find the tenant, detect, tokenize or redact, rebuild.

No Kafka client here: records in (`InRecord`), outcomes out (`Masked` or `Rejected`), so
the whole path is testable without a broker. One detection call and one vault call per
tenant per batch, so NER and Postgres round trips amortize.

Fail closed: a record that cannot be parsed, attributed to a known tenant, detected or
tokenized becomes a `Rejected` with a stable reason code; nothing of it is ever output.
Vault outages are not rejections: `VaultUnavailableError` (and connection errors) propagate
so the caller backs off and retries the batch without committing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import psycopg
from psycopg_pool import PoolTimeout

from detectors import Document, Policy, Span, redact
from detectors.errors import DetectorsError
from detectors.pipeline import MAX_CHARS, rule_spans
from streams import jsonio, metrics, shapes
from streams.errors import RecordError
from streams.kafka import REPLAY_HEADER, InRecord, OutRecord
from streams.policies import PolicyBook
from streams.records import change_event_row, load_value, support_message_from
from streams.settings import WorkerSettings
from streams.tenancy import TenantResolver
from vault.errors import VaultUnavailableError

log = logging.getLogger(__name__)

Kind = Literal["cdc", "message"]
Detect = Callable[[Sequence[Document]], list[list[Span]]]

#: Detection of at most this many characters runs on the event loop: the hop to the detection
#: thread costs more than detecting one short message (1.5 ms here), and blocks the loop for at
#: most a few ms without NER, ~60 ms with it. Bigger batches go to the thread.
INLINE_DETECT_CHARS = 2000

#: Integers with at least this many digits are checked by detection (phones, cards, IDs stored as numbers).
NUMBER_DIGITS = shapes.NUMBER_DIGITS

#: Most object keys whose detection is remembered (`Masker._key_spans`).
KEY_CACHE = 50_000


class Tokens(Protocol):
    """The vault's tokenize path, as the masker needs it."""

    async def tokenize_texts(
        self, tenant: str, docs: Sequence[tuple[str, Sequence[Span]]], *, principal: str | None = None
    ) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Route:
    kind: Kind
    output: str
    table: str | None = None


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

    def put(self, plan: _Plan, text: str) -> None:
        """Replace the slot's text in the record (a key is renamed when the plan is built)."""
        if self.is_key:
            plan.renames.append((self.container, str(self.key), text))
        else:
            self.container[self.key] = text


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


class _Reject(Exception):
    def __init__(self, reason: str, error_class: str, tenant: str | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.rejected = Rejected(reason, error_class, tenant, detail)


def routes(settings: WorkerSettings) -> dict[str, Route]:
    """Input topic → how to read it and where its masked records go."""
    out = {settings.cdc_topic(t): Route("cdc", settings.masked_cdc_topic(t), t) for t in settings.cdc_tables}
    out[settings.messages_topic] = Route("message", settings.masked_messages_topic)
    return out


class Masker:
    """Turns batches of raw records into masked records or rejections."""

    def __init__(
        self,
        settings: WorkerSettings,
        detect: Detect,
        tokens: Tokens,
        policies: PolicyBook,
        resolver: TenantResolver | None = None,
    ) -> None:
        self.settings = settings
        self.routes = routes(settings)
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
                if transient(exc):
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
        route = self.routes.get(record.topic)
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
                owner = self.resolver.resolve(record.topic, record.headers) or self.settings.default_tenant
                known = owner if owner is not None and await self.policies.get(owner) else None
                raise _Reject(exc.reason, type(exc).__name__, known, exc.detail) from None
        tenant = self.resolver.resolve(record.topic, record.headers, row) or self.settings.default_tenant
        if tenant is None:
            raise _Reject("no_tenant", "TenantError")
        policy = await self.policies.get(tenant)
        if policy is None:
            raise _Reject("unknown_tenant", "TenantError")
        key, key_is_json = _decode_key(record.key, tenant)
        lang = policy.default_lang
        if route.kind == "message" and isinstance(body, dict):
            lang = body.get("lang") or lang
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
                self._collect_row(plan, key["payload"], ("key",), lang, 1)
                if "schema" in key:
                    self._collect_schema(plan, key, "schema", ("key", "$", "schema"), lang, 1)
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
                    self._collect_schema(plan, body, name, ("$", name), lang, 1)
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
            elif not (name == "transaction" and value is None):
                self._unknown(plan, payload, name, path, lang, 2)

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
        """A table row (or a CDC record key): column names are detected too, values by field rule."""
        table, rules = plan.route.table, plan.policy.fields
        for column in row:
            self._key(plan, row, column, (*path, column), lang)
            field_name = f"{table}.{column}"
            rule = rules.get(field_name)
            if rule != "keep":  # a kept column: no slot, no detection
                self._walk(plan, row, column, field_name, rule, lang, (*path, column), depth + 1)

    def _collect_message(self, plan: _Plan, body: dict[str, Any], lang: str) -> None:
        """A support message (validated by `_plan`): ids of an unexpected shape are detected."""
        for name in body:
            value = body[name]
            if name in ("text", "sender"):
                if isinstance(value, str):
                    self._leaf(plan, body, name, value, None, None, lang, (name,))
            elif name == "metadata":
                self._walk(plan, body, name, None, None, lang, (name,), 1)
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
        lang: str,
        path: tuple[str | int, ...],
        depth: int,
    ) -> None:
        """Collect the texts of `container[key]` (object keys included); `rule`: the policy's rule
        for `field_name` (None without a field), never `keep` (kept columns are not walked)."""
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
                    self._key(plan, value, k, (*path, k), lang)
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
        lang: str,
        path: tuple[str | int, ...],
    ) -> None:
        """A slot for the leaf `text` (= str(container[key])); its spans when its field's rule fixes them."""
        if len(text) > MAX_CHARS:
            raise _Reject(
                "too_large",
                "RecordError",
                plan.tenant,
                f"a text of {len(text)} characters exceeds the detection limit of {MAX_CHARS}",
            )
        plan.slots.append(
            _Slot(container, key, text, field_name, lang, path, rule_spans(text, rule, plan.policy))
        )

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
                if transient(exc):
                    raise
                for i in indices:  # isolate the record that cannot be tokenized
                    try:
                        await self._tokenize(tenant, [plans[i]])
                    except Exception as one:
                        if transient(one):
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
    text = slot.text.replace("_", " ") if slot.is_key else slot.text
    return Document(text, slot.lang, slot.field, plan.policy)


def _assign(slots: list[_Slot], found: list[list[Span]]) -> None:
    for slot, spans in zip(slots, found, strict=True):
        slot.spans = spans


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


def transient(exc: BaseException) -> bool:
    """Outages worth waiting out (the batch is retried), as opposed to a record that cannot be masked."""
    return isinstance(exc, VaultUnavailableError | psycopg.OperationalError | PoolTimeout | OSError)


__all__ = ["Masked", "Masker", "Outcome", "Rejected", "Route", "Tokens", "routes", "transient"]

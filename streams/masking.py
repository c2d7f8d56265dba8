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
from detectors.pipeline import rule_spans
from streams import jsonio, metrics
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
NUMBER_DIGITS = 7


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
    """One string leaf of a record: where it sits, what detection sees, what replaces it."""

    container: Any  # the dict or list holding the leaf
    key: int | str
    text: str
    field: str | None  # `table.column` of a CDC row's leaf, else None
    lang: str
    path: str
    #: Set when the leaf is collected where the field's rule decides (`rule_spans`); None
    #: until detection has run otherwise.
    spans: list[Span] | None = None


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
    key_slots: int = 0  # the first `key_slots` slots are the key's (`_collect_key`)


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
            except (TypeError, ValueError) as exc:
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
                payload = body["payload"] if "payload" in body and "op" not in body else body
                for side in ("before", "after"):
                    if isinstance(payload.get(side), dict):
                        self._collect_row(plan, payload[side], side, lang)
            else:
                self._collect_message(plan, body, lang)
        return plan

    def _collect_key(self, plan: _Plan, lang: str) -> None:
        key = plan.key[0]
        if key is None:
            return
        if not plan.key_is_json:
            self._leaf(plan, plan.key, 0, str(key), None, None, lang, "key")
        elif plan.route.kind == "cdc" and isinstance(key, dict):
            cols = key["payload"] if isinstance(key.get("payload"), dict) else key
            self._collect_row(plan, cols, "key", lang)
        else:
            self._walk(plan, plan.key, 0, None, None, lang, "key")

    def _collect_row(self, plan: _Plan, row: dict[str, Any], side: str, lang: str) -> None:
        table, rules = plan.route.table, plan.policy.fields
        for column in row:
            field_name = f"{table}.{column}"
            rule = rules.get(field_name)
            if rule != "keep":  # a kept column: no slot, no detection
                self._walk(plan, row, column, field_name, rule, lang, f"{side}.{column}")

    def _collect_message(self, plan: _Plan, body: dict[str, Any], lang: str) -> None:
        for name in ("text", "sender"):
            if isinstance(body.get(name), str):
                self._leaf(plan, body, name, body[name], None, None, lang, name)
        if isinstance(body.get("metadata"), dict):
            for name in body["metadata"]:
                self._walk(plan, body["metadata"], name, None, None, lang, f"metadata.{name}")

    def _walk(
        self,
        plan: _Plan,
        container: Any,
        key: int | str,
        field_name: str | None,
        rule: str | None,
        lang: str,
        path: str,
    ) -> None:
        """Collect the leaves of `container[key]`; `rule`: the policy's rule for `field_name`
        (None without a field), never `keep` (kept columns are not walked)."""
        value = container[key]
        if isinstance(value, str):
            self._leaf(plan, container, key, value, field_name, rule, lang, path)
        elif isinstance(value, dict):
            for k in value:
                self._walk(plan, value, k, field_name, rule, lang, f"{path}.{k}")
        elif isinstance(value, list):
            for i in range(len(value)):
                self._walk(plan, value, i, field_name, rule, lang, f"{path}[{i}]")
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (rule not in (None, "detect", "keep") or len(str(abs(value))) >= NUMBER_DIGITS)
        ):
            self._leaf(plan, container, key, str(value), field_name, rule, lang, path)

    def _leaf(
        self,
        plan: _Plan,
        container: Any,
        key: int | str,
        text: str,
        field_name: str | None,
        rule: str | None,
        lang: str,
        path: str,
    ) -> None:
        """A slot for the leaf `text` (= str(container[key])); its spans when its field's rule fixes them."""
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
            found = await self._run_detect(
                [_document(s, plans[i]) for i, slots in todo.items() for s in slots]
            )
            _assign([s for slots in todo.values() for s in slots], found)
            return {}
        except Exception as exc:
            if len(todo) == 1:
                (i,) = todo
                return {i: Rejected("detect_failed", type(exc).__name__, plans[i].tenant)}
        rejected: dict[int, Rejected] = {}
        for i, slots in todo.items():
            try:
                found = await self._run_detect([_document(s, plans[i]) for s in slots])
                _assign(slots, found)
            except Exception as exc:
                rejected[i] = Rejected("detect_failed", type(exc).__name__, plans[i].tenant)
        return rejected

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
                        slot.container[slot.key] = redact(slot.text, slot.spans)
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
        slots: list[_Slot] = []
        docs: list[tuple[str, Sequence[Span]]] = []
        for plan in plans:
            for slot in plan.slots:
                if slot.spans:
                    slots.append(slot)
                    docs.append((slot.text, slot.spans))
        if not slots:
            return
        texts = await self.tokens.tokenize_texts(tenant, docs, principal=self.principal)
        for slot, text in zip(slots, texts, strict=True):
            slot.container[slot.key] = text

    # -- 4. rebuild --------------------------------------------------------------------------

    def _build(self, plan: _Plan) -> Masked:
        record = plan.record
        reference = record.reference
        scores: dict[str, list[float]] = {}  # per class, in order of first detection
        detections = []
        for slot in plan.slots:
            if slot.spans:
                path = slot.path
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


def _document(slot: _Slot, plan: _Plan) -> Document:
    """What detection sees of a slot."""
    return Document(slot.text, slot.lang, slot.field, plan.policy)


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

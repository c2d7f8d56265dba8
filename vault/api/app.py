"""The vault HTTP API: the reference Mask/Unmask contract, bearer principals, one error envelope.

Every `/api/vault/*` route needs `Authorization: Bearer <secret>` (401 otherwise) and a scope
(`mask`, `unmask:<policy>`, `erase`; 403 otherwise). Errors are `{"data": [], "success": false,
"error": {"message": …}}` with the status code saying what failed; messages never carry values
and never a stack trace. `/healthz`, `/metrics` and `/openapi.json` are public.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from detectors import Document, Pipeline, Policy, entities
from detectors.service import detection_pipeline
from vault import principals
from vault.api.schemas import (
    SUBJECT_PATTERN,
    Envelope,
    ErasedItem,
    Leftover,
    MaskedItem,
    MaskedText,
    MaskItem,
    MaskRequest,
    MaskTextRequest,
    ToxicityAnalysis,
    UnmaskedItem,
    UnmaskRequest,
)
from vault.api.toxicity import Scorer, make_scorer
from vault.errors import AuthError, PolicyRefusedError, UnknownPolicyError, VaultError
from vault.policy_cache import PolicyCache, stored_loader
from vault.principals import Principal
from vault.settings import VaultSettings
from vault.store import Vault
from vault.tokenize import TokenRequest
from vault.tokens import EMAIL, PHONE
from vault.unmask import unmask_texts

log = logging.getLogger(__name__)

#: Class of /mask items sent without `entity_type` (list it in a policy to reveal such tokens).
DEFAULT_CLASS = "VALUE"
_KIND_CLASS = {EMAIL: entities.EMAIL_ADDRESS, PHONE: entities.PHONE_NUMBER}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"data": [], "success": False, "error": {"message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Envelope[Any], "description": what}
    for code, what in [
        (400, "request body is not valid JSON (or not UTF-8)"),
        (401, "missing or unknown bearer token"),
        (403, "scope or unmask policy refuses the request"),
        (404, "unknown unmask policy"),
        (413, "request body or item count over the limit"),
        (422, "invalid request body"),
    ]
}


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, before anything parses them.

    A body without a length (chunked) is read up to the limit first and then handed on: the
    app parses bodies whole anyway, and an over-long one is answered 413, not a parse error.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = _error(413, f"request body over {self.limit} bytes")
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                await too_large(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        body: list[Message] = []
        seen, more = 0, True
        while more:
            message = await receive()
            body.append(message)
            if message["type"] != "http.request":
                break  # the client went away: hand that on
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await too_large(scope, receive, send)
                return
            more = message.get("more_body", False)
        pending = iter(body)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)


#: The access log: method, route template (never the path: `/api/vault/subjects/{subject_id}`
#: would name a data subject), status and milliseconds. uvicorn's own access log is off.
access_log = logging.getLogger("veilstream.api.access")


class Measure:
    """Request count, latency and the access log line per route (a plain ASGI middleware:
    Starlette's `BaseHTTPMiddleware` costs an extra task and memory stream per request)."""

    def __init__(self, app: ASGIApp, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")  # set by the router
            elapsed = time.perf_counter() - start
            self.latency.labels(path).observe(elapsed)
            self.requests.labels(path, str(status)).inc()
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("%s %s %d %.1fms", scope.get("method"), path, status, elapsed * 1000)


bearer = HTTPBearer(auto_error=False, description="`vs_…` secret from `veilstream principal create`")


async def the_vault(request: Request) -> Vault:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, a thread hop
    # (about a millisecond on a busy 2-core machine) for an attribute read.
    vault_: Vault = request.app.state.vault
    return vault_


VaultDep = Annotated[Vault, Depends(the_vault)]


#: Authenticated principals, keyed by SHA-256 of the bearer secret, kept `_AUTH_TTL` seconds
#: (a disabled or re-keyed principal is refused at most that long after the change).
_AUTH_TTL = 5.0
_auth_cache: dict[bytes, tuple[float, Principal]] = {}


async def authenticated(
    v: VaultDep, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    secret = creds.credentials if creds else None
    key = hashlib.sha256(f"{id(v)}:{secret}".encode()).digest()
    hit = _auth_cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _AUTH_TTL:
        return hit[1]
    async with v.pool.connection() as conn:
        principal = await principals.authenticate(conn, secret)
    if len(_auth_cache) > 10_000:
        _auth_cache.clear()
    _auth_cache[key] = (now, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(authenticated)]
SubjectPath = Annotated[str, Path(pattern=SUBJECT_PATTERN)]


def create_app(settings: VaultSettings | None = None, *, vault: Vault | None = None,
               scorer: Scorer | None = None, pipeline: Pipeline | None = None) -> FastAPI:  # fmt: skip
    """Build the app. Without `vault`, one is opened (and closed) by the app's lifespan."""
    settings = settings or VaultSettings()
    scorer = scorer or make_scorer(settings.toxicity, settings.detoxify_checkpoint)
    pipeline = pipeline or detection_pipeline(settings.ner)
    registry = CollectorRegistry()
    requests = Counter("veilstream_api_requests", "API requests", ["route", "status"], registry=registry)
    latency = Histogram("veilstream_api_latency_seconds", "API latency", ["route"], registry=registry,
                        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0))  # fmt: skip
    masked = Counter("veilstream_tokens_masked", "Values tokenized", ["entity"], registry=registry)
    revealed = Counter("veilstream_tokens_unmasked", "Tokens revealed", ["entity"], registry=registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = vault or await Vault.open(settings)
        app.state.vault = opened
        app.state.policies = PolicyCache(loader=stored_loader(opened.pool))
        await run_in_threadpool(scorer.score, ["warm up"])  # load the model before the first request
        try:
            yield
        finally:
            if vault is None:
                await opened.close()

    app = FastAPI(
        title="veilstream vault API",
        version="1",
        description=__doc__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, limit=settings.api_max_body_bytes)

    def require(principal: Principal, scope: str) -> None:
        if not principal.can(scope):
            raise PolicyRefusedError(f"principal lacks the {scope} scope")

    def limit_items(items: Sequence[object]) -> None:
        if len(items) > settings.api_max_items:
            raise _ItemsOverLimit(f"more than {settings.api_max_items} items in one request")

    async def tenant_policy(tenant: str) -> Policy:
        cache: PolicyCache = app.state.policies
        return await cache.get(tenant) or Policy.default(tenant)

    app.add_middleware(Measure, requests=requests, latency=latency)

    @app.put("/api/vault/mask", response_model=Envelope[MaskedItem], responses=_ERRORS, tags=["vault"])
    async def mask(body: MaskRequest, principal: PrincipalDep, v: VaultDep) -> Envelope[MaskedItem]:
        """Tokenize values (deterministic per tenant). Extensions: `entity_type`, `subject_id`."""
        require(principal, "mask")
        limit_items(body.mask)
        classes = [_class_of(item) for item in body.mask]
        reqs = [
            TokenRequest(c, i.value, i.token_name, i.subject_id)
            for c, i in zip(classes, body.mask, strict=True)
        ]
        tokens = await v.tokenize_many(principal.tenant, reqs, principal=principal.name)
        for entity, n in collections.Counter(classes).items():
            masked.labels(entity).inc(n)
        return Envelope[MaskedItem](
            data=[
                MaskedItem(value=i.value, token_name=i.token_name, token_value=t, entity_type=c)
                for i, t, c in zip(body.mask, tokens, classes, strict=True)
            ]
        )

    @app.put("/api/vault/unmask", response_model=Envelope[UnmaskedItem], responses=_ERRORS, tags=["vault"])
    async def unmask(body: UnmaskRequest, principal: PrincipalDep, v: VaultDep) -> Envelope[UnmaskedItem]:
        """Reveal tokens of the classes a named policy allows (the forms an LLM rewrites them into
        too, unless the policy's `token_repair` is `strict`). Extensions: `purpose`, `unresolved`,
        `leftovers`."""
        limit_items(body.unmask)
        results, report = await unmask_texts(
            v, principal, body.policy_name, [i.token_value for i in body.unmask], body.purpose
        )
        for entity, n in report.revealed.items():
            revealed.labels(entity).inc(n)
        scores = await run_in_threadpool(scorer.score, [r.text for r in results])
        return Envelope[UnmaskedItem](
            data=[
                UnmaskedItem(
                    token_value=r.source,
                    value=r.text,
                    toxicity_analysis=ToxicityAnalysis(**s),
                    unresolved=list(r.unresolved),
                    leftovers=[Leftover(text=x.text, reason=x.reason) for x in r.leftovers],
                )
                for r, s in zip(results, scores, strict=True)
            ]
        )

    @app.put("/api/vault/mask-text", response_model=Envelope[MaskedText], responses=_ERRORS, tags=["vault"])
    async def mask_text(body: MaskTextRequest, principal: PrincipalDep, v: VaultDep) -> Envelope[MaskedText]:
        """Extension: detect PII in free text (tenant policy applies) and return it tagged."""
        require(principal, "mask")
        limit_items(body.texts)
        policy = await tenant_policy(principal.tenant)
        docs = [Document(t.text, t.lang, policy=policy) for t in body.texts]
        spans = await run_in_threadpool(pipeline.detect_many, docs)
        pairs = [(d.text, s) for d, s in zip(docs, spans, strict=True)]
        texts = await v.tokenize_texts(principal.tenant, pairs, principal=principal.name)
        out = []
        for text, found in zip(texts, spans, strict=True):
            counts: dict[str, int] = {}
            for span in found:
                counts[span.entity] = counts.get(span.entity, 0) + 1
                masked.labels(span.entity).inc()
            out.append(MaskedText(text=text, entities=counts))
        return Envelope[MaskedText](data=out)

    @app.delete(
        "/api/vault/subjects/{subject_id}",
        response_model=Envelope[ErasedItem],
        responses=_ERRORS,
        tags=["vault"],
    )
    async def erase(subject_id: SubjectPath, principal: PrincipalDep, v: VaultDep) -> Envelope[ErasedItem]:
        """Extension: erase a data subject's values; their tokens then unmask to nothing."""
        require(principal, "erase")
        counts = await v.erase(principal.tenant, subject_id, principal=principal.name)
        return Envelope[ErasedItem](data=[ErasedItem(subject_id=subject_id, erased=counts)])

    @app.get("/healthz", tags=["ops"])
    async def healthz(v: VaultDep) -> JSONResponse:
        try:
            async with v.pool.connection(timeout=2.0) as conn:
                await conn.execute("SELECT 1")
        except Exception:
            log.warning("healthz: database unreachable")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", tags=["ops"], response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    _install_error_handlers(app)
    return app


class _ItemsOverLimit(VaultError):
    pass


def _class_of(item: MaskItem) -> str:
    if item.entity_type:
        return entities.canonical(item.entity_type)
    return _KIND_CLASS.get(item.token_name, DEFAULT_CLASS)


def _field_names() -> frozenset[str]:
    """Every field name of the request schemas: the only names a 422 message may echo."""
    names: set[str] = set()
    for model in (MaskItem, MaskRequest, UnmaskRequest, MaskTextRequest):
        for name, info in model.model_fields.items():
            names.add(name)
            if info.annotation is not None:
                for arg in getattr(info.annotation, "__args__", ()):
                    names.update(getattr(arg, "model_fields", {}))
    return frozenset(names)


_KNOWN_FIELDS = _field_names()


def _where(loc: Sequence[object]) -> str:
    """A validation error's location, naming only schema fields (a made-up key may be a value)."""
    parts = [
        str(p) if isinstance(p, int) or p in _KNOWN_FIELDS else "<unexpected field>"
        for p in loc
        if p != "body"
    ]
    return ".".join(parts) or "body"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(err.get("type") == "json_invalid" or isinstance(err.get("input"), bytes) for err in errors):
            return _error(400, "request body is not valid JSON (or not UTF-8)")
        parts = []
        for err in errors[:10]:
            why = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            parts.append(f"{_where(err.get('loc', ()))}: {why}")
        return _error(422, "invalid request: " + "; ".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_r: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # Starlette's body parse failure (not UTF-8, broken form)
            return _error(400, "request body is not valid JSON (or not UTF-8)")
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(AuthError)
    async def unauthorized(_r: Request, exc: AuthError) -> JSONResponse:
        return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(PolicyRefusedError)
    async def forbidden(_r: Request, exc: PolicyRefusedError) -> JSONResponse:
        return _error(403, str(exc))

    @app.exception_handler(UnknownPolicyError)
    async def unknown_policy(_r: Request, exc: UnknownPolicyError) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(_ItemsOverLimit)
    async def too_many(_r: Request, exc: _ItemsOverLimit) -> JSONResponse:
        return _error(413, str(exc))

    @app.exception_handler(VaultError)
    async def vault_error(_r: Request, exc: VaultError) -> JSONResponse:
        log.error("vault error: %s", type(exc).__name__)
        return _error(500, "vault error")

    @app.exception_handler(Exception)
    async def internal(_r: Request, exc: Exception) -> JSONResponse:
        log.error("internal error: %s", type(exc).__name__)
        return _error(500, "internal error")

"""Request and response bodies of the vault API (the reference Mask/Unmask contract plus extensions)."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vault.tokens import TEXT, kind_of

_CLASS = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
SUBJECT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MaskItem(_In):
    value: Annotated[str, Field(max_length=10_000)]
    token_name: str = TEXT
    #: Extension: the value's entity class (default: EMAIL/PHONE for those token kinds, else VALUE).
    entity_type: Annotated[str | None, Field(pattern=_CLASS)] = None
    #: Extension: data subject, for erasure.
    subject_id: Annotated[str | None, Field(pattern=SUBJECT_PATTERN)] = None

    @field_validator("token_name")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        try:
            return kind_of(value)
        except Exception as exc:
            raise ValueError(str(exc)) from None


class MaskRequest(_In):
    mask: list[MaskItem]


class MaskedItem(BaseModel):
    value: str
    token_name: str
    token_value: str
    entity_type: str


class UnmaskItem(_In):
    token_value: Annotated[str, Field(max_length=100_000)]


class UnmaskRequest(_In):
    policy_name: Annotated[str, Field(pattern=_NAME)]
    unmask: list[UnmaskItem]
    #: Extension: why the values are needed; must be one of the policy's purposes when given.
    purpose: Annotated[str | None, Field(pattern=_NAME)] = None


class ToxicityAnalysis(BaseModel):
    toxicity: float | None
    severe_toxicity: float | None
    obscene: float | None
    threat: float | None
    insult: float | None
    identity_attack: float | None


class Leftover(BaseModel):
    #: The fragment as it stays in `value` (a tag and its token, a bare token, a stray tag).
    text: str
    #: `not_allowed`, `unknown_token`, `class_mismatch`, `erased`, `corrupt`, `malformed`, `not_exact`.
    reason: str


class UnmaskedItem(BaseModel):
    token_value: str
    value: str
    toxicity_analysis: ToxicityAnalysis
    #: Extension: tokens left as they were because they were never issued (forged, mangled, another
    #: tenant's) or their tag names another class.
    unresolved: list[str] = []
    #: Extension: every token-like fragment left in `value`, with why; a reply with any should be held.
    leftovers: list[Leftover] = []


class TextItem(_In):
    text: Annotated[str, Field(max_length=100_000)]
    lang: Annotated[str, Field(pattern=r"^[a-z]{2}$")] = "en"


class MaskTextRequest(_In):
    texts: list[TextItem]


class MaskedText(BaseModel):
    text: str
    #: Entity classes found, with counts (never values).
    entities: dict[str, int]


class ErasedItem(BaseModel):
    subject_id: str
    erased: dict[str, int]


class ErrorBody(BaseModel):
    message: str = ""


T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    data: list[T]
    success: bool = True
    error: ErrorBody = ErrorBody()

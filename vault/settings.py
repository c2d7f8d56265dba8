"""Vault and API settings from `VEILSTREAM_*` environment variables (or a `.env` / secrets dir).

List values in the environment must be JSON (`VEILSTREAM_PREVIOUS_MASTER_KEYS='["…"]'`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class VaultSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VEILSTREAM_", frozen=True, extra="ignore")

    #: libpq URI or DSN of the vault database.
    database_url: SecretStr = SecretStr("postgresql:///veilstream")
    #: 32-byte master key, base64 (standard or URL-safe). Takes precedence over `master_key_file`.
    master_key: SecretStr | None = None
    #: File holding the base64 master key (fits Docker/Kubernetes secrets).
    master_key_file: Path | None = None
    #: Retired master keys, still used to unwrap keys until `veilstream keys rotate --rewrap`.
    previous_master_keys: tuple[SecretStr, ...] = ()
    #: Apply pending migrations when the worker or API starts.
    migrate_on_start: bool = False
    pool_min_size: int = Field(default=1, ge=0)
    pool_max_size: int = Field(default=8, ge=1)
    #: Length of `Text Token`s (letters and digits): 62^12 ≈ 3.2e21 values.
    text_token_length: int = Field(default=12, ge=4, le=43)
    #: Length of `Numeric Token`s: 10^16 values.
    numeric_token_length: int = Field(default=16, ge=4, le=38)
    #: `off`: mask batches (tokens and their audit record) commit without waiting for the WAL
    #: flush, on a second pool of up to `pool_max_size` connections. A crash of the Postgres
    #: server or its host can then lose the batches committed in the last ~3 × wal_writer_delay
    #: (600 ms by default); their tokens no longer unmask until tokenized again (same token).
    #: Nothing is corrupted and the audit chain stays valid; unmask, erasure and key changes
    #: stay synchronous. The full trade-off: docs/performance.md, section Vault.
    synchronous_commit: Literal["on", "off"] = "on"
    #: Entries of the in-process token cache per vault (0 disables it).
    token_cache_size: int = Field(default=100_000, ge=0)
    #: Region used to read phone numbers written without a country code.
    default_phone_region: str = "US"
    #: API limits: request body bytes and items per request (HTTP 413 above them).
    api_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    api_max_items: int = Field(default=5_000, ge=1)
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    #: Toxicity scorer for unmasked text: `profanity-check` (built in), `detoxify`, or `none`.
    toxicity: Literal["profanity-check", "detoxify", "none"] = "profanity-check"
    #: The API's `mask-text` detection: with the NER stage when installed (`auto`), always (`on`:
    #: fail to start when missing) or never. Same variable and meaning as the worker's
    #: `VEILSTREAM_NER`: both build `detectors.service.detection_pipeline`.
    ner: Literal["auto", "on", "off"] = "auto"
    #: Local detoxify checkpoint (required for `toxicity=detoxify`; nothing is downloaded).
    detoxify_checkpoint: Path | None = None

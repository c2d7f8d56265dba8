"""The vault: deterministic per-tenant tokens in Postgres, encrypted values, audited unmask.

Revealing values is a separate import on purpose: `from vault.unmask import unmask_texts`.
"""

from vault.errors import (
    AuthError,
    MasterKeyError,
    PolicyRefusedError,
    TokenSpaceExhaustedError,
    UnknownPolicyError,
    VaultError,
    VaultUnavailableError,
)
from vault.settings import VaultSettings
from vault.store import Vault
from vault.tokenize import TokenRequest
from vault.tokens import EMAIL, NUMERIC, PHONE, TEXT, TokenFormat

__all__ = [
    "EMAIL",
    "NUMERIC",
    "PHONE",
    "TEXT",
    "AuthError",
    "MasterKeyError",
    "PolicyRefusedError",
    "TokenFormat",
    "TokenRequest",
    "TokenSpaceExhaustedError",
    "UnknownPolicyError",
    "Vault",
    "VaultError",
    "VaultSettings",
    "VaultUnavailableError",
]

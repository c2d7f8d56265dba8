"""The vault's exceptions. Messages name tenants, classes, counts and policies, never values."""

from __future__ import annotations

import psycopg
from psycopg_pool import PoolTimeout

from detectors.errors import VeilstreamError


class VaultError(VeilstreamError):
    """Raised by the vault."""


class MasterKeyError(VaultError):
    """The master key is missing, malformed, or is not the key the vault was created with."""


class AuthError(VaultError):
    """A bearer secret is missing, malformed or unknown (HTTP 401)."""


class UnknownPolicyError(VaultError):
    """The named unmask policy does not exist for this tenant (HTTP 404)."""


class PolicyRefusedError(VaultError):
    """The unmask policy does not allow this principal, scope or purpose (HTTP 403)."""


class TokenSpaceExhaustedError(VaultError):
    """Re-derivation could not find a free token: the configured token length is too short."""


class VaultUnavailableError(VaultError):
    """The database stayed unreachable or locked through every retry: try again later (HTTP 503)."""


#: The vault is unavailable, not wrong: the database is unreachable or overloaded, or stayed
#: so through `vault._retry`'s attempts. Callers may try again later (`streams.error_policy`).
UNAVAILABLE: tuple[type[BaseException], ...] = (VaultUnavailableError, psycopg.OperationalError, PoolTimeout)

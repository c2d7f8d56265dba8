"""The vault HTTP API (FastAPI): `create_app(settings)`; served by `veilstream api`."""

from vault.api.app import create_app

__all__ = ["create_app"]

"""The veilstream worker, its CLI and the embedded runner. Imports nothing heavy at import time."""

__all__: list[str] = []

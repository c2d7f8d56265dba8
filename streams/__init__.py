"""The veilstream worker: runtime, engines, records, masking, DLQ, unmask. Imports nothing heavy at
import time. Its CLI, the embedded dev stack and the demo live above it, in `veilstream`."""

__all__: list[str] = []

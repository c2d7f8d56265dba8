"""The composition root: the `veilstream` CLI, settings assembly, the embedded dev stack, the demo
and the process launcher. It wires `streams`, `vault` and `detectors`; nothing below imports it.
Imports nothing heavy at import time."""

__all__: list[str] = []

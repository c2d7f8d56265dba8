"""The benchmarks, run as scripts: detect.py, vault.py and pipeline.py (each one's docstring says how).

Their parts live in private modules beside them: `_machine` (what every run prints first),
`_processes` (a free port, a probe run to its end; workers and the HTTP API are started and
stopped by `veilstream.launcher`), `_detect/` and `_pipeline/`.
"""

"""The parts of benchmarks/pipeline.py, one job each.

- `corpus`: the seeded inputs (CDC events, support messages) and the policy they are masked by;
- `servers`: the broker, Postgres and `veilstream worker` processes of one run (`Bench`);
- `kafka`: producing inputs, reading outputs, waiting for a consumer group;
- `cpu`: CPU time per process role; `metrics`: what the workers' /metrics say;
- `results`: the figures of one measurement and their rate window;
- `throughput`: (a), (b), (c), (c') and (e); `latency`: (d0), (d) and (d');
- `report`: printing the figures; `run`: which measurements, in which order, and the run around them.
"""

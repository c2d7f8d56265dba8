"""The parts of benchmarks/detect.py, one job each.

- `timing`: batched throughput, per-call latency, one timed call;
- `subjects`: the pattern pipeline, the pattern + NER pipeline and Presidio behind one shape;
- `speed`: the default mode (every text, a sample beside Presidio, then `adversarial` inputs);
- `side_by_side`: `--side-by-side` (issue 6), with `quality` (token scores) and `rss` (peak RSS
  of a fresh process).
"""

"""CPU time per process role (workers, broker, Postgres, this process) and of the whole machine."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import Callable

import psutil


class CpuSampler:
    """Cumulative CPU seconds per role (sampled every `interval`), and of the whole machine."""

    def __init__(self, roles: dict[str, Callable[[], list[int]]], interval: float = 0.25) -> None:
        self.roles = roles
        self.interval = interval
        self.series: list[tuple[float, dict[str, float]]] = []
        self._seen: dict[int, float] = {}
        self._total: dict[str, float] = defaultdict(float)
        self._last_t = time.time()

    @staticmethod
    def _busy() -> float:
        t = psutil.cpu_times()
        return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))

    def sample(self) -> None:
        now = time.time()
        for role, pids in self.roles.items():
            for pid in pids():
                try:
                    proc = psutil.Process(pid)
                    cpu = proc.cpu_times()
                    used = cpu.user + cpu.system
                    if pid not in self._seen and proc.create_time() < self._last_t - 0.05:
                        self._seen[pid] = used  # first seen long after it started: a baseline only
                        continue
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                self._total[role] += used - self._seen.get(pid, 0.0)
                self._seen[pid] = used
        self._last_t = now
        self.series.append((now, {**self._total, "machine": self._busy()}))

    async def run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(self.interval)

    def usage(self, t0: float, t1: float) -> dict[str, float]:
        """Cores used per role between two `time.time()` instants (linear interpolation)."""
        if t1 <= t0 or len(self.series) < 2:
            return {}

        def at(t: float, key: str) -> float:
            points = self.series
            if t <= points[0][0]:
                return points[0][1].get(key, 0.0)
            for (ta, a), (tb, b) in itertools.pairwise(points):
                if ta <= t <= tb:
                    va, vb = a.get(key, 0.0), b.get(key, 0.0)
                    return va + (vb - va) * (t - ta) / (tb - ta) if tb > ta else vb
            return points[-1][1].get(key, 0.0)

        keys = [*self.roles, "machine"]
        out = {k: (at(t1, k) - at(t0, k)) / (t1 - t0) for k in keys}
        out["other"] = max(0.0, out["machine"] - sum(out[k] for k in self.roles))
        return out

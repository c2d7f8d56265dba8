"""The consumer's fetch wait: short while records flow, long once the input is idle.

A fetch request tells the broker how long it may wait for records (`fetch.max.wait.ms`).
Apache Kafka answers as soon as records arrive, so there the wait costs nothing; the embedded
Tansu broker holds a fetch for about half of it even when records arrive, so on Tansu the wait
is latency per hop. A short wait costs idle CPU instead (every empty fetch is a round trip):
on Tansu an idle consumer and the broker spend about twice the CPU at 2 ms as at 10 ms
(docs/performance.md).

`FetchWait` keeps both: after a fetch that returned records the consumer's wait is `active_ms`,
and once no record has come for `linger_s` it goes back to `idle_ms`. aiokafka's fetcher reads
the wait from its `_fetch_max_wait_ms` attribute each time it builds a request; that attribute is
private, so `attach` checks it is there and, if an aiokafka release drops it, logs once and
leaves the consumer's fixed wait (`idle_ms`) alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_ATTR = "_fetch_max_wait_ms"


def active_wait(idle_ms: int, active_ms: int) -> int | None:
    """The wait while records flow, or None for one fixed wait (`active_ms` 0 or not shorter)."""
    return active_ms if 0 < active_ms < idle_ms else None


class FetchWait:
    """Switches an aiokafka consumer's fetch wait between `active_ms` and `idle_ms`."""

    def __init__(
        self,
        idle_ms: int,
        active_ms: int,
        linger_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_ms = idle_ms
        #: None: a fixed wait, nothing to switch.
        self.active_ms = active_wait(idle_ms, active_ms)
        self.linger_s = linger_s
        self._clock = clock
        self._fetcher: Any = None
        self._last_records = float("-inf")
        self.current = idle_ms

    def attach(self, consumer: Any) -> bool:
        """Take over a started consumer's fetcher; False (and a fixed wait) when it cannot."""
        if self.active_ms is None:
            return False
        fetcher = getattr(consumer, "_fetcher", None)
        if not isinstance(getattr(fetcher, _ATTR, None), int):
            log.warning(
                "no aiokafka fetcher attribute %s: the fetch wait stays at %d ms", _ATTR, self.idle_ms
            )
            return False
        self._fetcher = fetcher
        self._set(self.idle_ms)
        return True

    def fetched(self, got_records: bool) -> None:
        """Call after every poll: did it return records?"""
        if self._fetcher is None:
            return
        now = self._clock()
        if got_records:
            self._last_records = now
            if self.current != self.active_ms:
                self._set(self.active_ms)  # type: ignore[arg-type]  # attached: active_ms is set
        elif self.current != self.idle_ms and now - self._last_records >= self.linger_s:
            self._set(self.idle_ms)

    def _set(self, wait_ms: int) -> None:
        setattr(self._fetcher, _ATTR, wait_ms)
        self.current = wait_ms


__all__ = ["FetchWait", "active_wait"]

"""Adversarial inputs: texts built to hurt regexes and validators, timed one call each."""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks._detect.timing import time_once
from detectors import DetectorsError


def adversarial_inputs(size: int) -> dict[str, str]:
    """Inputs built to hurt regexes and validators, each about `size` characters."""
    rnd = random.Random(0)

    def fill(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    digits = "".join(rnd.choice("0123456789") for _ in range(size))
    mixed_units = [
        "1 ", "a@", "+1-", "GB00 ", "ab:", "born 12/05/1980 ", "4111 1111 ", "x.y@", "00 ",
        "::", "12.", "May ", "(0)", "DE89 3704 ", "123-45-", "acct ", "AB 12 ",
    ]  # fmt: skip
    mixed_parts: list[str] = []
    while sum(map(len, mixed_parts)) < size:
        mixed_parts.append(rnd.choice(mixed_units) * rnd.randint(1, 40))
    return {
        "digit run (1 MB of one digit)": fill("1"),
        "digit run (random digits)": digits,
        "'1 ' * n": fill("1 "),
        "'1-' * n": fill("1-"),
        "'1.' * n": fill("1."),
        "'a@' * n": fill("a@"),
        "'a.' * n + '@'": fill("a.")[:-1] + "@",
        "'+1-' * n": fill("+1-"),
        "'+' + '1 ' * n": "+" + fill("1 ")[:-1],
        "'(0)' * n": fill("(0)"),
        "'born 12/05/1980 ' * n": fill("born 12/05/1980 "),
        "'born 3 May 1980, ' * n": fill("born 3 May 1980, "),
        "'May 12 March 3 ' * n": "born " + fill("May 12 March 3 "),
        "'12.05.' * n": fill("12.05."),
        "'GB00 ' * n": fill("GB00 "),
        "'GB82' + 'WEST ' * n": "GB82 " + fill("WEST "),
        "'DE89 3704 ' * n": fill("DE89 3704 "),
        "hex-colon ('ab:' * n)": fill("ab:"),
        "hex-colon ('1:' * n)": fill("1:"),
        "'4111 1111 ' * n (card groups)": fill("4111 1111 "),
        "'123-45-6789 ' * n (SSN)": fill("123-45-6789 "),
        "'acct ' * n": fill("acct "),
        "'AB 12 ' * n (NINO prefix)": fill("AB 12 "),
        "mixed": "".join(mixed_parts)[:size],
    }


def run_adversarial(single: Callable[[str], Sequence[object]], size: int) -> list[dict[str, Any]]:
    """Each input at `size` chars and at a quarter of it: a ratio near 4 means linear time."""
    rows = []
    quarter = adversarial_inputs(size // 4)
    print(f"  {'input':34s} {'chars':>9s} {'wall s':>7s} {'CPU s':>7s} {'spans':>7s}  CPU(n)/CPU(n/4)")
    for name, text in adversarial_inputs(size).items():
        seconds, cpu, spans = time_once(single, text)
        _, cpu_quarter, _ = time_once(single, quarter[name])
        ratio = cpu / cpu_quarter if cpu_quarter else float("inf")
        rows.append(
            {
                "input": name,
                "chars": len(text),
                "seconds": seconds,
                "cpu_seconds": cpu,
                "spans": spans,
                "ratio_to_quarter": ratio,
            }
        )
        line = f"  {name:34s} {len(text):>9,d} {seconds:7.3f} {cpu:7.3f} {spans:>7,d}  {ratio:5.1f}"
        print(line, flush=True)
    return rows


def distinct_phone_candidates(size: int) -> str:
    """Random single digits separated by spaces: every 15 digits a new phone-like candidate.

    Each distinct candidate costs libphonenumber parses in every region tried, so this input
    is measured at a smaller size and its cost quoted per candidate and per MB.
    """
    rnd = random.Random(1)
    return " ".join(rnd.choice("0123456789") for _ in range(size // 2))


def adversarial_section(single: Callable[[str], Sequence[object]], size: int) -> dict[str, Any]:
    """Every adversarial input, then distinct phone-like numbers; the figures as JSON-ready data."""
    print(f"\nadversarial inputs through the pipeline, one detect() each ({size:,} chars)")
    rows_adv = run_adversarial(single, size)
    worst = max(rows_adv, key=lambda r: r["seconds"])
    print(f"  worst: {worst['input']} {worst['seconds']:.3f} s ({worst['cpu_seconds']:.3f} s CPU)")
    return {"inputs": rows_adv, "worst": worst, "distinct_phone_candidates": _distinct_phones(single, size)}


def _distinct_phones(single: Callable[[str], Sequence[object]], size: int) -> dict[str, Any]:
    """Distinct phone-like numbers cost ~1 ms each: past the per-text budget the text fails
    closed (DetectorsError) instead of stalling; how fast that happens at full size."""
    text = distinct_phone_candidates(size)
    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        outcome = f"{len(single(text)):,} spans"
    except DetectorsError as exc:
        outcome = f"fails closed: {exc}"
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(f"  distinct phone-like numbers ({size:,} chars): {seconds:.3f} s ({cpu:.3f} s CPU), {outcome}")
    return {"chars": size, "seconds": seconds, "cpu_seconds": cpu, "outcome": outcome}

"""What every benchmark prints first: the machine, its load, and the versions measured."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from collections.abc import Iterable
from typing import Any


def machine(dependencies: Iterable[str]) -> dict[str, Any]:
    """Platform, cores this process may use, Python, load average now, and each package's version."""
    versions: dict[str, str | None] = {}
    for name in dependencies:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 0
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "usable_cores": cores,
        "python": sys.version.split()[0],
        "load_average_at_start": os.getloadavg(),
        "versions": versions,
    }


def print_machine(info: dict[str, Any]) -> None:
    """The two lines every benchmark starts with: the machine and its load, then the versions."""
    load = " ".join(f"{x:.2f}" for x in info["load_average_at_start"])
    print(
        f"machine: {info['platform']}, {info['usable_cores']} usable cores of {info['cpu_count']}, "
        f"python {info['python']}, load average {load}"
    )
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))

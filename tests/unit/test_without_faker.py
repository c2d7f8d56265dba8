"""Faker is no run-time dependency: it comes with the `synth` extra (and `dev`, `ner-train`, `bench`)
for generating data in `training/`. Nothing shipped imports it, and the CLI works where it cannot be
imported: `eval` on part of the shipped multilingual set, `detect`, `mask`, `demo --texts`, and every module
the full demo and the workers load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("detectors", "vault", "streams", "veilstream")
#: Run first in each child: `import faker` then raises ModuleNotFoundError, as where it is not installed.
NO_FAKER = "import sys; sys.modules['faker'] = None\n"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # our own interpreter, a fixed script
        [sys.executable, "-c", NO_FAKER + code], cwd=ROOT, capture_output=True, text=True, timeout=240
    )


@pytest.mark.slow
def test_every_shipped_module_imports_without_faker() -> None:
    """Each module of the wheel's packages, imported; a module that needs another optional package
    (not installed here) is not this test's business, one that needs faker is."""
    code = f"""
import importlib, pkgutil
needs_faker = []
for name in {SHIPPED!r}:
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        if info.name.endswith(".__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as exc:
            if exc.name == "faker":
                needs_faker.append(info.name)
print(needs_faker)
print("veilstream.demo" in sys.modules and "veilstream.cli.worker_cmds" in sys.modules)
"""
    done = _run(code)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["[]", "True"]


def test_the_cli_runs_without_faker(tmp_path: Path) -> None:
    texts = tmp_path / "in.jsonl"
    texts.write_text(json.dumps({"id": 1, "text": "mail ana@example.es", "lang": "es"}) + "\n")
    dataset = tmp_path / "multilingual_v1_head.json"  # the shipped set's first 100 records
    records = json.loads((ROOT / "data" / "eval" / "multilingual_v1.json").read_text(encoding="utf-8"))
    dataset.write_text(json.dumps(records[:100], ensure_ascii=False), encoding="utf-8")
    code = f"""
import json
from typer.testing import CliRunner
from veilstream.cli import app
runs = {{
    "eval": ["eval", {str(dataset)!r}, "--no-ner", "--json", "--quiet"],
    "detect": ["detect", "--in", {str(texts)!r}, "--no-ner"],
    "mask": ["mask", "--in", {str(texts)!r}, "--no-ner"],
    "demo": ["demo", "--texts"],
    "tokens": ["tokens", "prompt"],
    "keys": ["keys", "generate-master"],
}}
out = {{}}
for name, args in runs.items():
    result = CliRunner().invoke(app, args)
    out[name] = [result.exit_code, result.stdout]
print(json.dumps(out))
"""
    done = _run(code)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.splitlines()[-1])
    assert {name: code for name, (code, _) in out.items()} == dict.fromkeys(out, 0)
    assert json.loads(out["eval"][1])["records"] == 100
    assert json.loads(out["detect"][1])["spans"][0]["entity_type"] == "EMAIL_ADDRESS"
    assert "<EMAIL_ADDRESS>" in out["demo"][1]

"""The import graph points one way: detectors ← vault ← streams ← veilstream; training → detectors.

Imports are read from the source with `ast`, never run: every `import` and `from … import` of a
module counts, in function bodies and `TYPE_CHECKING` blocks too. "Ours" is every top-level
package or module of the repository. `veilstream` is the composition root (CLI, settings, dev
stack, demo, launcher): nothing of the packages below imports it. Every package the wheel ships
has its layer here. The aiokafka engine, and everything of ours it imports, never imports faust
(its process must not load or patch it). A private name (`_x`) is not imported from another module
of a shipped package: what modules share is public, in a module of its own.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Layer → the packages of ours it may import (itself included).
ALLOWED = {
    "detectors": {"detectors"},
    "vault": {"vault", "detectors"},
    "streams": {"streams", "vault", "detectors"},
    "veilstream": {"veilstream", "streams", "vault", "detectors"},
    "training": {"training", "detectors"},
}
OURS = frozenset(
    p.stem for p in ROOT.iterdir() if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"
)
AIOKAFKA_ENGINE = "streams.engines.aiokafka"


def _shipped() -> set[str]:
    """The top-level packages of the wheel (`[tool.setuptools.packages.find] include`)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {p.rstrip("*").rstrip(".") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    """Every module of the layered packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[_module_name(path)] = path
    return found


@cache
def _imports(name: str) -> tuple[str, ...]:
    """Dotted names a module imports: `import a.b` gives a.b; `from a import b` gives a and a.b."""
    path = _modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up `level - 1` packages
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *filter(None, [node.module])])
            out.append(base)
            out.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return tuple(out)


def _ours_loaded(imported: str) -> Iterator[str]:
    """The modules of ours that importing `imported` runs: each package on its path, then itself."""
    parts = imported.split(".")
    for end in range(1, len(parts) + 1):
        prefix = ".".join(parts[:end])
        if prefix in _modules():
            yield prefix


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_nothing_imports_upward(layer: str) -> None:
    wrong = [
        f"{name} imports {imported}"
        for name in _modules()
        if name.split(".")[0] == layer
        for imported in _imports(name)
        if imported.split(".")[0] in OURS and imported.split(".")[0] not in ALLOWED[layer]
    ]
    assert not wrong, "\n".join(wrong)


def test_every_shipped_package_has_a_layer_and_modules() -> None:
    """A new package in the wheel gets its place in the graph, and the checks above read it."""
    assert _shipped() <= ALLOWED.keys()
    for layer in ALLOWED:
        assert any(name.split(".")[0] == layer for name in _modules()), f"no module of {layer} found"
    assert {"veilstream.cli", "veilstream.settings", "veilstream.launcher"} <= _modules().keys()


def test_only_the_composition_root_imports_it() -> None:
    wrong = [
        f"{name} imports {imported}"
        for name in _modules()
        if name.split(".")[0] != "veilstream"
        for imported in _imports(name)
        if imported.split(".")[0] == "veilstream"
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", sorted(_shipped()))
def test_no_module_imports_a_private_name_of_another(package: str) -> None:
    """`from a.b import _c` where `_c` is a function, class or constant (not a module): e.g. one CLI
    command module borrowing another's settings helper; shared code goes to a public name."""
    wrong = []
    for name, path in _modules().items():
        if name.split(".")[0] != package:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module.split(".")[0] not in OURS:
                continue
            wrong.extend(
                f"{name} imports {node.module}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_")
                and not alias.name.startswith("__")
                and f"{node.module}.{alias.name}" not in _modules()
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", sorted(_shipped()))
def test_nothing_shipped_imports_faker(package: str) -> None:
    """Faker generates data in `training/` (the `synth` extra); no run-time path needs it, not even
    inside a function."""
    wrong = [
        f"{name} imports {imported}"
        for name in _modules()
        if name.split(".")[0] == package
        for imported in _imports(name)
        if imported.split(".")[0] == "faker"
    ]
    assert not wrong, "\n".join(wrong)


def test_the_aiokafka_engine_never_imports_faust() -> None:
    """Everything of ours the engine's module imports, transitively; none of it imports faust."""
    chains = {AIOKAFKA_ENGINE: [AIOKAFKA_ENGINE]}
    todo = [*_ours_loaded(AIOKAFKA_ENGINE)]
    for name in todo:
        chains.setdefault(name, [name])
    wrong = []
    while todo:
        name = todo.pop()
        for imported in _imports(name):
            if imported.split(".")[0] == "faust":
                wrong.append(" -> ".join([*chains[name], imported]))
            for module in _ours_loaded(imported):
                if module not in chains:
                    chains[module] = [*chains[name], module]
                    todo.append(module)
    assert "streams.runtime" in chains and "vault.store" in chains  # the walk reached the runtime
    assert not wrong, "\n".join(wrong)


def test_the_faust_engine_is_what_imports_faust() -> None:
    """The check above is not vacuous: it finds faust where it is."""
    assert any(i.split(".")[0] == "faust" for i in _imports("streams.engines.faust"))


def test_a_worker_on_the_aiokafka_engine_loads_no_faust() -> None:
    """The same, as Python sees it: choosing the engine through the registry loads no faust."""
    code = (
        "import sys; from streams.engines import engine; engine('aiokafka'); "
        "print(sorted(m for m in sys.modules if m == 'faust' or m.startswith('faust.')))"
    )
    out = subprocess.run(  # our own interpreter, a fixed script
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"

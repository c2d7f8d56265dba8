"""Warn about `VEILSTREAM_*` variables that no setting reads (a misspelt name is otherwise silent).

Known names: every field of `WorkerSettings` and `VaultSettings`, and the few variables read
directly (`VEILSTREAM_NER_MODEL`, `VEILSTREAM_PRINCIPAL_SECRET`) and the test suite's
`VEILSTREAM_TEST_*`. Only names are reported, never values.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping

PREFIX = "VEILSTREAM_"
#: The test suite's own variables (tests/fix_kafka.py, tests/fix_pg.py, markers).
TEST_PREFIX = "VEILSTREAM_TEST_"

#: Variables read outside the settings classes.
OTHER_VARIABLES = frozenset(
    {
        "VEILSTREAM_NER_MODEL",  # detectors.ner
        "VEILSTREAM_PRINCIPAL_SECRET",  # veilstream unmask request
    }
)


def known_variables() -> frozenset[str]:
    """Every `VEILSTREAM_*` name a setting or a command reads."""
    from streams.settings import WorkerSettings
    from vault.settings import VaultSettings

    fields = {*WorkerSettings.model_fields, *VaultSettings.model_fields}
    return frozenset({PREFIX + name.upper() for name in fields} | OTHER_VARIABLES)


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[tuple[str, str | None]]:
    """(name, the closest known name or None) for each `VEILSTREAM_*` variable nothing reads."""
    env = os.environ if environ is None else environ
    names = sorted(n for n in env if n.upper().startswith(PREFIX))
    if not names:
        return []
    known = known_variables()
    out = []
    for name in names:
        if name.upper() in known or name.upper().startswith(TEST_PREFIX):  # names match in any case
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.8)
        out.append((name, close[0] if close else None))
    return out


def warnings(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per unknown variable, for stderr."""
    return [
        f"veilstream: warning: {name} is not a veilstream setting (ignored)"
        + (f"; did you mean {hint}?" if hint else "")
        for name, hint in unknown_variables(environ)
    ]

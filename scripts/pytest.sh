#!/usr/bin/env bash
# Run the test suite. pytest exits 5 when it collected no test: say so instead of failing silently.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "scripts/pytest.sh: pytest collected no tests (exit 5)" >&2
  rc=0
fi
exit "$rc"

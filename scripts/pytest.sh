#!/usr/bin/env bash
# Run the test suite. pytest exits 5 when it collected no test: that is a failure here (a suite
# that runs nothing proves nothing), reported in words.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "scripts/pytest.sh: pytest collected no tests (exit 5): failing" >&2
fi
exit "$rc"

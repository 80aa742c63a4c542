#!/usr/bin/env bash
# Set up the environment (idempotent, reuses pip's caches) and run the tests:
# the suite (tests/) and each project's own tests (projects/*/tests/).
#   bash tools/run_tests.sh [extra pytest arguments]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
echo "[tests] running pytest"
set +e
.venv/bin/python -m pytest tests projects "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "[tests] pytest collected no tests: treating as a failure" >&2
    exit 1
fi
exit "$status"

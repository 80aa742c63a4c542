#!/usr/bin/env bash
# Distributed testing: NUM_PROCS processes of tools/test.py (torchrun; the
# gloo backend on CPU). Multi-node settings: see tools/dist_launch.sh.
#   bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py arguments...]
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NUM_PROCS [test.py arguments...]" >&2
    exit 2
fi
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$TOOLS/dist_launch.sh" "$3" "$TOOLS/test.py" "$1" "$2" "${@:4}"

#!/usr/bin/env bash
# Distributed training: NUM_PROCS processes of tools/train.py (torchrun; the
# gloo backend on CPU). Multi-node settings: see tools/dist_launch.sh.
#   bash tools/dist_train.sh CONFIG NUM_PROCS [train.py arguments...]
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NUM_PROCS [train.py arguments...]" >&2
    exit 2
fi
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$TOOLS/dist_launch.sh" "$2" "$TOOLS/train.py" "$1" "${@:3}"

#!/usr/bin/env bash
# Start NUM_PROCS copies of a tool with torchrun, on one node by default:
# one process per GPU, or per CPU worker without CUDA (gloo backend then).
# tools/dist_train.sh and tools/dist_test.sh call this; NNODES, NODE_RANK,
# MASTER_ADDR and PORT configure multi-node runs.
#   bash tools/dist_launch.sh NUM_PROCS TOOL.py [TOOL.py arguments...]
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 NUM_PROCS TOOL.py [TOOL.py arguments...]" >&2
    exit 2
fi
NPROC=$1
TOOL=$2
shift 2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python)}"
PYTHONPATH="$ROOT:${PYTHONPATH:-}" exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
    --nproc_per_node="$NPROC" \
    "$TOOL" --launcher pytorch "$@"

#!/usr/bin/env bash
# Start NUM_PROCS copies of a tool with torchrun, on one node by default:
# one process per GPU, or per CPU worker without CUDA (gloo backend then).
# tools/dist_train.sh and tools/dist_test.sh call this.
#   bash tools/dist_launch.sh NUM_PROCS TOOL.py [TOOL.py arguments...]
#
# Multi-node (torchrun's static rendezvous): run the same command on every
# node, NUM_PROCS being the processes (GPUs) of that node, with
#   NNODES       number of nodes (default 1)
#   NODE_RANK    this node's index, 0..NNODES-1 (default 0); node 0 hosts the master
#   MASTER_ADDR  address of node 0, reachable from all nodes (default 127.0.0.1)
#   PORT         a free TCP port on node 0 (default 29500)
# e.g. 2 nodes x 4 GPUs (8 processes, 2 images each = batch 16):
#   node0$ NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_train.sh CONFIG 4
#   node1$ NNODES=2 NODE_RANK=1 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_train.sh CONFIG 4
# On Slurm use tools/slurm_train.sh instead. docs/install.md, "Multi-node".
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

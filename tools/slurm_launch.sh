#!/usr/bin/env bash
# Shared by tools/slurm_train.sh and tools/slurm_test.sh: runs one process of
# a tool per GPU under srun (MMEngine's slurm launcher builds the process
# group from srun's variables). Not meant to be called directly.
#   bash tools/slurm_launch.sh PARTITION JOB_NAME TOOL [tool arguments, --launcher=slurm among them]
# Environment: GPUS (4), GPUS_PER_NODE (GPUS, at most 8), CPUS_PER_TASK (5),
# SRUN_ARGS (split on spaces), PORT (29500), PYTHON (.venv/bin/python when
# it exists, else python).
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
TOOL=$3
shift 3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python)}"
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-$((GPUS < 8 ? GPUS : 8))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
read -r -a EXTRA_SRUN <<<"${SRUN_ARGS:-}"

# srun hands the environment to every task: one MASTER_PORT for all ranks.
export MASTER_PORT="${PORT:-29500}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${EXTRA_SRUN[@]+"${EXTRA_SRUN[@]}"} \
    "$PYTHON" -u "$ROOT/tools/$TOOL" "$@"

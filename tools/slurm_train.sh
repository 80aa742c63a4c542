#!/usr/bin/env bash
# Train on a Slurm cluster: srun starts one tools/train.py process per GPU
# and MMEngine's slurm launcher (--launcher=slurm) builds the process group
# from srun's variables (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the
# master is the first host of SLURM_NODELIST).
#
#   [GPUS=4] [GPUS_PER_NODE=4] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] [PORT=29500] \
#       bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py arguments...]
#
# GPUS           processes (one GPU each) in all; default 4
# GPUS_PER_NODE  GPUs (and processes) per node; default GPUS, at most 8
# CPUS_PER_TASK  CPU cores per process (data loading workers); default 5
# SRUN_ARGS      more srun options, split on spaces ("--time=2-00:00:00 --qos=high")
# PORT           the master's TCP port (every process's MASTER_PORT); default 29500
# PYTHON         the interpreter; default .venv/bin/python when it exists, else python
#
# Example, 8 GPUs on 2 nodes with fp16 mixed precision:
#   GPUS=8 GPUS_PER_NODE=4 bash tools/slurm_train.sh gpu cdla \
#       configs/layoutmm_cascade_cdla.py work_dirs/layoutmm_cascade_cdla --amp
# The processes need GPUs (the slurm launcher gives each one its GPU); for
# CPU processes use tools/dist_train.sh. More in docs/install.md ("Slurm").
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [train.py arguments...]" >&2
    exit 2
fi
exec bash "$(dirname "${BASH_SOURCE[0]}")/slurm_launch.sh" "$1" "$2" train.py "$3" --work-dir="$4" --launcher=slurm "${@:5}"

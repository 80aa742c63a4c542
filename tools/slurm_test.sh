#!/usr/bin/env bash
# Test a checkpoint on a Slurm cluster: srun starts one tools/test.py process
# per GPU with MMEngine's slurm launcher (--launcher=slurm); each evaluates
# its share of the pages and rank 0 reports the metrics.
#
#   [GPUS=4] [GPUS_PER_NODE=4] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] [PORT=29500] \
#       bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py arguments...]
#
# The variables are those of tools/slurm_train.sh (GPUS default 4,
# GPUS_PER_NODE default GPUS up to 8, CPUS_PER_TASK 5, SRUN_ARGS split on
# spaces, PORT 29500, PYTHON .venv/bin/python when it exists).
#
# Example:
#   GPUS=4 bash tools/slurm_test.sh gpu cdla-test configs/layoutmm_cascade_cdla.py \
#       work_dirs/layoutmm_cascade_cdla/iter_60000.pth --work-dir work_dirs/cdla_test
# More in docs/install.md ("Slurm").
set -euo pipefail
if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py arguments...]" >&2
    exit 2
fi
exec bash "$(dirname "${BASH_SOURCE[0]}")/slurm_launch.sh" "$1" "$2" test.py "$3" "$4" --launcher=slurm "${@:5}"

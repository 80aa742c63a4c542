#!/usr/bin/env bash
# From a fresh machine to a trained, evaluated layout detector, on CPU:
#   1. set up .venv (tools/setup_env.sh; idempotent),
#   2. render synthetic CDLA-style pages (train + held-out val),
#   3. train the Cascade R-CNN R-18 baseline from scratch,
#   4. evaluate it on the held-out pages (COCO bbox mAP, per class),
#   5. draw its predictions.
# Knobs (environment): TRAIN_PAGES (400), VAL_PAGES (60), WORK_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CONFIG=configs/baselines/cascade-rcnn_r18_fpn_synth.py
DATA_DIR=data/synth_cdla  # data_root of configs/_base_/datasets/synth_cdla.py
WORK_DIR="${WORK_DIR:-work_dirs/quickstart}"
TRAIN_PAGES="${TRAIN_PAGES:-400}"
VAL_PAGES="${VAL_PAGES:-60}"
say() { printf '\033[1m[quickstart]\033[0m %s\n' "$*"; }
start=$(date +%s)

bash tools/setup_env.sh
PY=.venv/bin/python

render() {  # split seed pages
    if [ -f "$DATA_DIR/$1/annotations.json" ] && \
       [ "$(ls "$DATA_DIR/$1/images" | wc -l)" -eq "$3" ]; then
        say "$DATA_DIR/$1 already has $3 pages"
    else
        say "rendering $3 synthetic pages into $DATA_DIR/$1"
        rm -rf "${DATA_DIR:?}/$1"
        $PY data_tools/synth_docs.py --out "$DATA_DIR/$1" --seed "$2" \
            --num-pages "$3" --lang mix --workers "$(nproc)"
    fi
}
render train 0 "$TRAIN_PAGES"
render val 1 "$VAL_PAGES"

say "training $CONFIG on CPU (400 iterations, about 20 minutes on 2 cores)"
$PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
CHECKPOINT="$(cat "$WORK_DIR/last_checkpoint")"

say "evaluating $CHECKPOINT on the $VAL_PAGES held-out pages"
$PY tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR" \
    --show-dir "$WORK_DIR/predictions" 2>&1 | tee "$WORK_DIR/test_output.log"

say "predictions drawn on the held-out pages: $WORK_DIR/predictions/"
say "done in $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"

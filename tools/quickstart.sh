#!/usr/bin/env bash
# From a fresh machine to a trained, evaluated text-aware layout detector,
# on CPU:
#   1. set up .venv (tools/setup_env.sh; idempotent),
#   2. render synthetic CDLA-style pages (train + held-out val) and build a
#      tokenizer from the training pages' text,
#   3. train the text-aware CNN (configs/demo/r18-text_cascade_synth.py:
#      ResNet-18 maps plus a tiny LayoutLMv3MM's text states), the default
#      because it learns within this CPU schedule, or with MODEL=vit the
#      tiny text-aware LayoutLMv3 Cascade R-CNN from scratch
#      (configs/demo/layoutmm-tiny_cascade_synth.py), which learns far less
#      within this schedule (README.md, "Where it stands"),
#   4. evaluate it on the held-out pages (COCO bbox AP per class) and draw
#      its predictions,
#   5. with IMAGE_ONLY=1 also train and test its image-only twin (with
#      the default MODEL=cnn: the CNN baseline), with BASELINE=1 the CNN baseline, and
#      print the AP of every model trained here side by side.
# Knobs (environment): MODEL (cnn, the default, or vit), TRAIN_PAGES (400), VAL_PAGES
# (60), WORK_DIR, IMAGE_ONLY (0), BASELINE (0).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA_DIR=data/synth_cdla  # data_root of configs/_base_/datasets/synth_cdla.py
WORK_DIR="${WORK_DIR:-work_dirs/quickstart}"
TRAIN_PAGES="${TRAIN_PAGES:-400}"
VAL_PAGES="${VAL_PAGES:-60}"
IMAGE_ONLY="${IMAGE_ONLY:-0}"
BASELINE="${BASELINE:-0}"
MODEL="${MODEL:-cnn}"
case "$MODEL" in
    vit) TEXT_CONFIG=configs/demo/layoutmm-tiny_cascade_synth.py
         IMAGE_CONFIG=configs/demo/layoutmm-tiny_cascade_synth_image-only.py
         TEXT_NAME=text_aware ;;
    cnn) TEXT_CONFIG=configs/demo/r18-text_cascade_synth.py
         TEXT_NAME=text_aware_cnn
         # the CNN baseline is its image-only twin
         [ "$IMAGE_ONLY" = 1 ] && BASELINE=1
         IMAGE_ONLY=0 ;;
    *) echo "MODEL must be vit or cnn, got $MODEL" >&2; exit 1 ;;
esac
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
        rm -rf "${DATA_DIR:?}/$1" "$DATA_DIR/tokenizer"
        $PY data_tools/synth_docs.py --out "$DATA_DIR/$1" --seed "$2" \
            --num-pages "$3" --lang mix --workers "$(nproc)"
    fi
}
render train 0 "$TRAIN_PAGES"
render val 1 "$VAL_PAGES"
if [ ! -f "$DATA_DIR/tokenizer/tokenizer.json" ]; then
    say "building a tokenizer from the training pages' text"
    $PY data_tools/build_tokenizer.py "$DATA_DIR/train/ocr" \
        --out "$DATA_DIR/tokenizer" --kind unigram --vocab-size 8000
fi

# train_and_test NAME CONFIG: train on CPU, test on the held-out pages
train_and_test() {
    local work="$WORK_DIR/$1"
    say "training $2 on CPU (see the README for the time it takes)"
    $PY tools/train.py "$2" --work-dir "$work"
    say "evaluating $(cat "$work/last_checkpoint") on the $VAL_PAGES held-out pages"
    $PY tools/test.py "$2" "$(cat "$work/last_checkpoint")" --work-dir "$work" \
        --show-dir "$work/predictions" 2>&1 | tee "$work/test_output.log"
    say "predictions drawn on the held-out pages: $work/predictions/"
}
names=("${TEXT_NAME//_/-}") dirs=("$WORK_DIR/$TEXT_NAME")
train_and_test "$TEXT_NAME" "$TEXT_CONFIG"
if [ "$IMAGE_ONLY" = 1 ]; then
    train_and_test image_only "$IMAGE_CONFIG"
    names+=(image-only) dirs+=("$WORK_DIR/image_only")
fi
if [ "$BASELINE" = 1 ]; then
    train_and_test cnn_baseline configs/demo/r18_cascade_synth.py
fi
if [ -f "$WORK_DIR/cnn_baseline/test_output.log" ]; then
    names+=(cnn-baseline) dirs+=("$WORK_DIR/cnn_baseline")
fi
say "COCO bbox AP (%) on the held-out pages"
$PY tools/analysis_tools/compare_metrics.py "${dirs[@]}" --names "${names[@]}"
say "done in $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"

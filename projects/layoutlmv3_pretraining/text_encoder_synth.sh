#!/usr/bin/env bash
# Does the pre-trained LayoutLMv3MM give better text states? The text-aware
# CNN (ResNet-18 maps + the tiny LayoutLMv3MM's text states, fused at
# strides 4-32; projects/text_vs_image/configs/r18-text_cascade_synth-text-decided_no-biases.py,
# attention biases off as in the pre-training) trained twice on the
# text-decided pages, same seed and 400-iteration schedule: its text encoder
# from scratch, and from the pre-training checkpoint. Prints their AP side
# by side on the 60 held-out text-decided pages.
#
#   PRETRAINED=work_dirs/pretrain_synth/pretrain/iter_600.pth \
#       bash projects/layoutlmv3_pretraining/text_encoder_synth.sh
#
# Needs the pages and tokenizer of pretrain_synth.sh (which also makes the
# checkpoint). PARALLEL=1 trains the two side by side, one thread each.
# Already trained runs are kept (remove their folders to retrain).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-.venv/bin/python}"
PRETRAINED="${PRETRAINED:?set PRETRAINED to a pre-training checkpoint}"
WORK="${WORK_DIR:-work_dirs/pretrain_synth/text_encoder}"
CONFIG=projects/text_vs_image/configs/r18-text_cascade_synth-text-decided_no-biases.py
say() { printf '\033[1m[text-encoder]\033[0m %s\n' "$*"; }
[ -f "$PRETRAINED" ] || { echo "no checkpoint at $PRETRAINED" >&2; exit 1; }

train() {  # name [cfg-option]  (the config sets seed 0)
    if [ -f "$WORK/$1/iter_400.pth" ]; then
        say "$1 already trained in $WORK/$1"
        return
    fi
    say "training $1"
    $PY tools/train.py "$CONFIG" --work-dir "$WORK/$1" ${2:+--cfg-options "$2"}
}
pretrained_option="model.backbone.text_encoder.pretrained=$PRETRAINED"
mkdir -p "$WORK"
if [ "${PARALLEL:-0}" = 1 ]; then
    OMP_NUM_THREADS=1 train scratch \
        > "$WORK/train_scratch.out" 2>&1 &
    first=$!
    OMP_NUM_THREADS=1 train pretrained "$pretrained_option" \
        > "$WORK/train_pretrained.out" 2>&1 &
    second=$!
    wait "$first"
    wait "$second"
else
    train scratch
    train pretrained "$pretrained_option"
fi
for name in scratch pretrained; do
    say "testing $name on the held-out text-decided pages"
    $PY tools/test.py "$CONFIG" "$WORK/$name/iter_400.pth" \
        --work-dir "$WORK/$name"
done
$PY tools/analysis_tools/compare_metrics.py "$WORK/pretrained" \
    "$WORK/scratch" --names "pre-trained text encoder" "from scratch"

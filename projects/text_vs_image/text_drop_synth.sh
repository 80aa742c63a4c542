#!/usr/bin/env bash
# How much the text-aware ResNet-18 leans on the words, and text dropout as
# the remedy, on the text-decided synthetic pages. Run
# `MODEL=cnn text_vs_image_synth.sh` first (pages, the text-aware model in
# WORK_DIR/text and its image-only twin). This script trains the same model
# with a quarter of its training pages' text dropped
# (configs/r18-text_cascade_synth-text-decided_text-drop.py,
# RandomTextDrop; same seed and schedule), then tests both text-aware
# models on the 60 text-decided val pages with their words and without (the
# same pages with OCR files that found nothing: what a page run without OCR
# gives), and prints their per-class AP beside the image-only twin's.
#
#   bash projects/text_vs_image/text_drop_synth.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
WORK="${WORK_DIR:-work_dirs/synth_text_vs_image_cnn}"
DATA=data/synth_text_decided
CONFIGS=projects/text_vs_image/configs
TEXT_CONFIG=$CONFIGS/r18-text_cascade_synth-text-decided.py
DROP_CONFIG=$CONFIGS/r18-text_cascade_synth-text-decided_text-drop.py
PY="${PYTHON:-.venv/bin/python}"

for twin in text image_only; do
    [ -f "$WORK/$twin/last_checkpoint" ] || {
        echo "no $WORK/$twin/last_checkpoint: run MODEL=cnn" \
            "projects/text_vs_image/text_vs_image_synth.sh first" >&2; exit 1; }
done
if [ -f "$WORK/text_drop/last_checkpoint" ] && \
   [ "$(cat "$WORK/text_drop/trained_from" 2>/dev/null)" = scratch ]; then
    echo "already trained in $WORK/text_drop (remove it to retrain)"
else
    $PY tools/train.py "$DROP_CONFIG" --work-dir "$WORK/text_drop"
    echo scratch > "$WORK/text_drop/trained_from"
fi

# The val pages' OCR files with no line: pages without text.
NO_TEXT="$WORK/no_text_ocr"
$PY - "$DATA/val/ocr" "$NO_TEXT" <<'PY'
import json, os, sys
src, dst = sys.argv[1:]
os.makedirs(dst, exist_ok=True)
for name in os.listdir(src):
    with open(os.path.join(src, name)) as f:
        page = json.load(f)
    with open(os.path.join(dst, name), 'w') as f:
        json.dump(dict(page, lines=[]), f)
PY
test_on() {  # CONFIG WORK_SUBDIR OUT_SUBDIR [overrides]
    local config=$1 model=$2 out=$3
    shift 3
    $PY tools/test.py "$config" "$(cat "$WORK/$model/last_checkpoint")" \
        --work-dir "$WORK/$out" --cfg-options "$@"
}
test_on "$DROP_CONFIG" text_drop text_drop tokenizer="$DATA/tokenizer"
test_on "$DROP_CONFIG" text_drop text_drop_no_text \
    tokenizer="$DATA/tokenizer" ocr_root="$NO_TEXT/"
test_on "$TEXT_CONFIG" text text_no_text \
    tokenizer="$DATA/tokenizer" ocr_root="$NO_TEXT/"
$PY tools/analysis_tools/compare_metrics.py "$WORK/text" \
    "$WORK/text_no_text" "$WORK/text_drop" "$WORK/text_drop_no_text" \
    "$WORK/image_only" --names "text-aware" "text-aware, no text" \
    "text dropout" "text dropout, no text" "image-only"

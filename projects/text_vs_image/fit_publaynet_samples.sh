#!/usr/bin/env bash
# Learning works on real pages: the tiny text-aware model trained on the 20
# real PubLayNet sample pages and tested on the same pages (bbox mAP; goal
# >= 0.8).
#
#   bash projects/text_vs_image/fit_publaynet_samples.sh PUBLAYNET_SAMPLES_DIR
#
# PUBLAYNET_SAMPLES_DIR holds the page images and samples.json (COCO). The
# pages are OCR'd once with RapidOCR into data/publaynet_samples/ocr/ (a few
# seconds a page), a BPE tokenizer is built from that text, then the model
# trains for 1000 iterations and is tested on the same pages.
#
# MODEL chooses the model:
#   vit (default)  the tiny text-aware LayoutLMv3 demo model
#                  (configs/layoutmm-tiny_cascade_publaynet20.py).
#   cnn            the text-aware CNN: a ResNet-18 whose maps take the text
#                  states of the same tiny LayoutLMv3MM through
#                  TextBoxFusion (configs/r18-text_cascade_publaynet20.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SRC="$(cd "${1:?usage: $0 PUBLAYNET_SAMPLES_DIR}" && pwd)"
DATA=data/publaynet_samples
MODEL="${MODEL:-vit}"
CONFIGS=projects/text_vs_image/configs
case "$MODEL" in
    vit) CONFIG=$CONFIGS/layoutmm-tiny_cascade_publaynet20.py
         WORK="${WORK_DIR:-work_dirs/publaynet20_fit}" ;;
    cnn) CONFIG=$CONFIGS/r18-text_cascade_publaynet20.py
         WORK="${WORK_DIR:-work_dirs/publaynet20_fit_cnn}" ;;
    *) echo "MODEL must be vit or cnn, got $MODEL" >&2; exit 1 ;;
esac
PY="${PYTHON:-.venv/bin/python}"

mkdir -p "$DATA"
ln -sfn "$SRC" "$DATA/images"
cp "$SRC/samples.json" "$DATA/samples.json"
$PY data_tools/ocr_images.py "$SRC/samples.json" --img-root "$SRC" \
    --out "$DATA/ocr" --lang en
[ -f "$DATA/tokenizer/tokenizer.json" ] || \
    $PY data_tools/build_tokenizer.py "$DATA/ocr" --out "$DATA/tokenizer" \
        --kind bpe --vocab-size 8000
$PY tools/train.py "$CONFIG" --work-dir "$WORK"
$PY tools/test.py "$CONFIG" "$(cat "$WORK/last_checkpoint")" \
    --work-dir "$WORK" 2>&1 | tee "$WORK/test_output.log"

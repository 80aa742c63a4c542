#!/usr/bin/env bash
# Text-aware vs image-only on real pages: the tiny demo model and its
# image-only twin, trained from scratch with the same seed and schedule on
# 48 DocBank article pages and tested per DocBank label on 12 others
# (split seed 145: its 12 val pages hold 20-30 % of the references,
# captions and section titles; seed 0 left no reference in val).
#
#   bash projects/text_vs_image/text_vs_image_docbank.sh DOCBANK_DIR
#
# DOCBANK_DIR holds images/, ocr/ (one OCR JSON per page: its true text
# lines) and annotations_docbank.json (COCO, DocBank's 13 labels). Writes
# data/docbank/ (links to the pages, the split, a BPE tokenizer built from
# the pages' text) and WORK_DIR (default work_dirs/docbank_text_vs_image,
# with MODEL=cnn work_dirs/docbank_text_vs_image_cnn).
#
# MODEL=cnn compares a ResNet-18 detector with the same detector made
# text-aware (configs/r18{,-text}_cascade_docbank.py: a tiny LayoutLMv3MM's
# text states fused into the ResNet's maps) instead of the tiny ViT pair
# (MODEL=vit, the default).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SRC="$(cd "${1:?usage: $0 DOCBANK_DIR}" && pwd)"
DATA=data/docbank
MODEL="${MODEL:-vit}"
case "$MODEL" in
    vit) text=layoutmm-tiny_cascade_docbank.py
         image_only=layoutmm-tiny_cascade_docbank_image-only.py; suffix="" ;;
    cnn) text=r18-text_cascade_docbank.py image_only=r18_cascade_docbank.py
         suffix=_cnn ;;
    *) echo "MODEL must be vit or cnn, got $MODEL" >&2; exit 1 ;;
esac
WORK="${WORK_DIR:-work_dirs/docbank_text_vs_image$suffix}"
PY="${PYTHON:-.venv/bin/python}"
say() { printf '\033[1m[docbank]\033[0m %s\n' "$*"; }

mkdir -p "$DATA"
ln -sfn "$SRC/images" "$DATA/images"
ln -sfn "$SRC/ocr" "$DATA/ocr"
$PY data_tools/split_coco.py "$SRC/annotations_docbank.json" \
    --out-dir "$DATA" --val 12 --seed 145
# the vocabulary only: no labels are involved
$PY data_tools/build_tokenizer.py "$DATA/ocr" --out "$DATA/tokenizer" \
    --kind bpe --vocab-size 8000

for twin in text image_only; do
    config="projects/text_vs_image/configs/${!twin}"
    say "training $config"
    $PY tools/train.py "$config" --work-dir "$WORK/$twin"
    say "testing $config"
    $PY tools/test.py "$config" "$(cat "$WORK/$twin/last_checkpoint")" \
        --work-dir "$WORK/$twin" 2>&1 | tee "$WORK/$twin/test_output.log"
done
$PY tools/analysis_tools/compare_metrics.py "$WORK/text" "$WORK/image_only" \
    --names text-aware image-only

#!/usr/bin/env bash
# Does pre-training make the tiny LayoutLMv3 detector learn? Pre-trains the
# demo detector's LayoutLMv3MM (MLM + MIM + WPA) on unlabelled synthetic
# pages, then trains the text-aware detector and its image-only twin from
# the checkpoint on the text-decided pages (projects/text_vs_image/
# text_vs_image_synth.sh START=pretrained: the CNN baseline's 400-iteration
# schedule, seed 0) and prints their AP side by side.
#
#   bash projects/layoutlmv3_pretraining/pretrain_synth.sh
#
# ITERS (default 600) pre-training iterations of 4 pages; FRACTIONS
# (default "1") which checkpoints to fine-tune from, as fractions of ITERS
# in quarters, e.g. "0.25 0.5 1" for detector mAP against pre-training
# length. EXTRA_PAGES (default 1500 each) unlabelled pages of each kind.
# PRETRAIN_OPTIONS: more --cfg-options for the pre-training, e.g. on a GPU
# "train_dataloader.batch_size=64 train_dataloader.num_workers=12";
# FRACTIONS="" pre-trains only.
# Already pre-trained or fine-tuned runs are kept (remove their folders).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-.venv/bin/python}"
ITERS="${ITERS:-600}"
FRACTIONS="${FRACTIONS-1}"
EXTRA_PAGES="${EXTRA_PAGES:-1500}"
CONFIG="${CONFIG:-projects/layoutlmv3_pretraining/configs/layoutlmv3-tiny_pretrain_synth-text-decided.py}"
WORK="${WORK_DIR:-work_dirs/pretrain_synth}"
DATA=data/synth_text_decided
say() { printf '\033[1m[pretrain]\033[0m %s\n' "$*"; }

render() {  # out seed pages [--text-decided]
    [ -f "$1/annotations.json" ] && return
    $PY data_tools/synth_docs.py --out "$1" --seed "$2" --num-pages "$3" \
        --lang mix --workers "$(nproc)" "${@:4}"
}
render "$DATA/train" 0 400 --text-decided
render "$DATA/val" 1 60 --text-decided
render data/synth_pretrain/decided 100 "$EXTRA_PAGES" --text-decided
render data/synth_pretrain/ordinary 101 "$EXTRA_PAGES"
[ -f "$DATA/tokenizer/tokenizer.json" ] || \
    $PY data_tools/build_tokenizer.py "$DATA/train/ocr" \
        --out "$DATA/tokenizer" --kind unigram --vocab-size 8000

if [ ! -f "$WORK/pretrain/iter_$ITERS.pth" ]; then
    say "pre-training $ITERS iterations ($CONFIG)"
    resume=()
    [ -f "$WORK/pretrain/last_checkpoint" ] && resume=(--resume)
    warmup=$((ITERS * 48 / 1000))  # the config's schedule, at ITERS
    $PY tools/train.py "$CONFIG" --work-dir "$WORK/pretrain" "${resume[@]}" \
        --cfg-options train_cfg.max_iters="$ITERS" \
        train_cfg.val_interval=$((ITERS / 4)) \
        default_hooks.checkpoint.interval=$((ITERS / 4)) \
        param_scheduler.0.end=$warmup param_scheduler.1.begin=$warmup \
        param_scheduler.1.end="$ITERS" ${PRETRAIN_OPTIONS:-}
fi
for fraction in $FRACTIONS; do
    iter=$("$PY" -c "print(round($fraction * $ITERS))")
    say "detectors from the pre-training checkpoint of iteration $iter"
    # the pre-training config switches the attention biases off
    MODEL_OPTIONS="model.backbone.rel_pos_bias=False \
model.backbone.spatial_bias=False" \
        START=pretrained PRETRAINED="$WORK/pretrain/iter_$iter.pth" \
        WORK_DIR="$WORK/detect_iter_$iter" \
        bash projects/text_vs_image/text_vs_image_synth.sh
done

#!/usr/bin/env bash
# LayoutLMv3's 1D and 2D attention biases on vs off in the tiny text-aware
# model, on the text-decided synthetic pages, same seed and schedule. Run
# text_vs_image_synth.sh first: it renders the pages and trains the model
# with the biases (WORK_DIR/text); this script trains the one without
# (configs/layoutmm-tiny_cascade_synth-text-decided_no-biases.py) and
# prints the per-class AP of both on the 60 text-decided val pages.
# START (scratch, the default, or distilled) must be the one the text model
# was trained with: distilled starts from WORK_DIR/distilled_start.pth.
# MODEL=cnn does the same for the text-aware ResNet-18 (its text encoder's
# biases; configs/r18-text_cascade_synth-text-decided_no-biases.py), after
# MODEL=cnn text_vs_image_synth.sh.
#
#   bash projects/text_vs_image/attention_biases_synth.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CONFIGS=projects/text_vs_image/configs
case "${MODEL:-vit}" in
    vit) WORK="${WORK_DIR:-work_dirs/synth_text_vs_image}"
         CONFIG=$CONFIGS/layoutmm-tiny_cascade_synth-text-decided_no-biases.py
         ;;
    cnn) WORK="${WORK_DIR:-work_dirs/synth_text_vs_image_cnn}"
         CONFIG=$CONFIGS/r18-text_cascade_synth-text-decided_no-biases.py ;;
    *) echo "MODEL must be vit or cnn, got $MODEL" >&2; exit 1 ;;
esac
PY="${PYTHON:-.venv/bin/python}"

if [ ! -f "$WORK/text/last_checkpoint" ]; then
    echo "no $WORK/text/last_checkpoint: run" \
        "projects/text_vs_image/text_vs_image_synth.sh first" >&2
    exit 1
fi
[ "${MODEL:-vit}" = vit ] || [ "${START:-scratch}" = scratch ] || {
    echo "MODEL=cnn trains from scratch only" >&2; exit 1; }
train_options=()
case "${START:-scratch}" in
    scratch) ;;
    distilled)
        [ -f "$WORK/distilled_start.pth" ] || {
            echo "no $WORK/distilled_start.pth: run" \
                "projects/text_vs_image/text_vs_image_synth.sh first" >&2
            exit 1; }
        train_options=(--cfg-options load_from="$WORK/distilled_start.pth") ;;
    *) echo "START must be distilled or scratch, got $START" >&2; exit 1 ;;
esac
if [ -f "$WORK/text_no_biases/last_checkpoint" ] && [ "$(cat \
        "$WORK/text_no_biases/trained_from" 2>/dev/null)" = "${START:-scratch}" ]
then
    echo "already trained from ${START:-scratch} in $WORK/text_no_biases" \
        "(remove it to retrain)"
else
    $PY tools/train.py "$CONFIG" --work-dir "$WORK/text_no_biases" \
        "${train_options[@]}"
    echo "${START:-scratch}" > "$WORK/text_no_biases/trained_from"
fi
$PY tools/test.py "$CONFIG" "$(cat "$WORK/text_no_biases/last_checkpoint")" \
    --work-dir "$WORK/text_no_biases"
$PY tools/analysis_tools/compare_metrics.py "$WORK/text" \
    "$WORK/text_no_biases" --names "biases on" "biases off"

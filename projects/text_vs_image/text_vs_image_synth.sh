#!/usr/bin/env bash
# Text-aware vs image-only on text-decided synthetic pages: the tiny demo
# model and its image-only twin, trained with the same seed and schedule
# (400 iterations of 2 pages) on 400 pages rendered with --text-decided,
# tested on 60 held-out text-decided pages and on 60 ordinary ones.
#
#   bash projects/text_vs_image/text_vs_image_synth.sh
#
# START chooses where both twins start:
#   scratch (default)  random initialisation.
#   distilled          the same image-only detector: the CNN baseline
#                      (trained first, same pages, seed and schedule)
#                      distilled into the tiny model
#                      (projects/text_vs_image/distill_detector.py); the text
#                      twin's text embeddings and fusion (gate open)
#                      are new. A stand-in for the published model's
#                      pre-trained weights.
#   pretrained         both twins' LayoutLMv3MM from the pre-training
#                      checkpoint PRETRAINED (LayoutLMv3Pretrainer;
#                      projects/layoutlmv3_pretraining): the same backbone
#                      weights, the image-only twin without the text
#                      embedding; neck, heads and fusion new.
#   continue           each twin from its own last checkpoint in WORK_DIR
#                      (copied to <twin>/cycle_start.pth first): one more
#                      cycle of the same schedule, e.g. 800 iterations in
#                      all after a first run.
# From scratch, with the attention biases off, the text-aware model
# reaches about 25 bbox mAP and its image-only twin about 11 in this
# schedule (README.md; before mmcv's CPU RoIAlign got contiguous maps it
# learned nothing on a CPU).
#
# MODEL chooses the pair:
#   vit (default)  the tiny text-aware LayoutLMv3 demo model and its
#                  image-only twin
#                  (configs/layoutmm-tiny_cascade_synth-text-decided*.py).
#   cnn            the CNN baseline (ResNet-18, image only) and the same
#                  ResNet-18 made text-aware: a tiny LayoutLMv3MM gives the
#                  text states, TextBoxFusion adds them into the ResNet's
#                  maps (configs/r18{,-text}_cascade_synth-text-decided.py).
#                  START=distilled does not apply.
# MODEL_OPTIONS: more --cfg-options for both twins' training and testing,
# e.g. "model.backbone.rel_pos_bias=False model.backbone.spatial_bias=False"
# for a checkpoint pre-trained without the attention biases.
# A twin already trained in WORK_DIR from the same START (its
# trained_from file) is not trained again, except with START=continue;
# remove its folder to retrain.
#
# FONT_SCALE (default 1) renders the pages with type that many times the
# usual size (synth_docs.py --font-scale): FONT_SCALE=2 gives large-print
# pages whose regions, and the gaps between them, are about twice as many
# 16-pixel patches tall at the same input scale and CPU cost.
#
# Writes data/synth_text_decided/ and data/synth_ordinary_val/ (with a
# _f<FONT_SCALE> suffix unless FONT_SCALE is 1), and WORK_DIR (default
# work_dirs/synth_text_vs_image, same suffix): per-class AP of both models
# on both page sets, and the confusion matrices between classes.
# PARALLEL=1 trains the two models side by side, each on half of the CPU
# threads.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
FONT_SCALE="${FONT_SCALE:-1}"
suffix=""
[ "$FONT_SCALE" = 1 ] || suffix="_f$FONT_SCALE"
DATA="data/synth_text_decided$suffix"
ORDINARY="data/synth_ordinary_val$suffix"
MODEL="${MODEL:-vit}"
case "$MODEL" in
    vit) ;;
    cnn) suffix="_cnn$suffix" ;;
    *) echo "MODEL must be vit or cnn, got $MODEL" >&2; exit 1 ;;
esac
WORK="${WORK_DIR:-work_dirs/synth_text_vs_image$suffix}"
PY="${PYTHON:-.venv/bin/python}"
CONFIGS=projects/text_vs_image/configs
say() { printf '\033[1m[synth]\033[0m %s\n' "$*"; }

render() {  # out seed pages [--text-decided]
    [ -f "$1/annotations.json" ] && return
    $PY data_tools/synth_docs.py --out "$1" --seed "$2" --num-pages "$3" \
        --lang mix --workers "$(nproc)" --font-scale "$FONT_SCALE" "${@:4}"
}
render "$DATA/train" 0 400 --text-decided
render "$DATA/val" 1 60 --text-decided
render "$ORDINARY/val" 1 60
[ -f "$DATA/tokenizer/tokenizer.json" ] || \
    $PY data_tools/build_tokenizer.py "$DATA/train/ocr" \
        --out "$DATA/tokenizer" --kind unigram --vocab-size 8000

# The configs name data/synth_text_decided; these point every run at DATA.
pages_of() {  # data root -> overrides
    echo train_dataloader.dataset.data_root="$1/" \
        val_dataloader.dataset.data_root="$1/" \
        test_dataloader.dataset.data_root="$1/" \
        val_evaluator.ann_file="$1/val/annotations.json" \
        test_evaluator.ann_file="$1/val/annotations.json"
}
read -ra data_options <<< "$(pages_of "$DATA") tokenizer=$DATA/tokenizer ${MODEL_OPTIONS:-}"
read -ra ordinary <<< "$(pages_of "$ORDINARY")"

START="${START:-scratch}"
train_options=()
case "$START" in
    scratch) ;;
    distilled)
        [ "$MODEL" = vit ] || {
            echo "START=distilled is for MODEL=vit" >&2; exit 1; }
        baseline="$CONFIGS/r18_cascade_synth-text-decided.py"
        if [ ! -f "$WORK/cnn_baseline/last_checkpoint" ]; then
            say "training the CNN baseline (the teacher)"
            $PY tools/train.py "$baseline" --work-dir "$WORK/cnn_baseline" \
                --cfg-options "${data_options[@]}"
        fi
        start="$WORK/distilled_start.pth"
        if [ ! -f "$start" ]; then
            say "distilling the CNN baseline into the tiny model"
            $PY projects/text_vs_image/distill_detector.py \
                "$CONFIGS/layoutmm-tiny_cascade_synth-text-decided_image-only.py" \
                "$baseline" "$(cat "$WORK/cnn_baseline/last_checkpoint")" \
                --out "$start" --cfg-options "${data_options[@]}"
        fi
        train_options=(load_from="$start") ;;
    pretrained)
        [ "$MODEL" = vit ] && [ -f "${PRETRAINED:-}" ] || {
            echo "START=pretrained is for MODEL=vit and needs PRETRAINED=" \
                "a pre-training checkpoint" >&2; exit 1; }
        train_options=(model.backbone.pretrained="$PRETRAINED") ;;
    continue)
        for twin in text image_only; do
            [ -f "$WORK/$twin/last_checkpoint" ] || {
                echo "START=continue: no $WORK/$twin/last_checkpoint" >&2
                exit 1; }
            cp "$(cat "$WORK/$twin/last_checkpoint")" \
                "$WORK/$twin/cycle_start.pth"
        done ;;
    *) echo "START must be scratch, distilled, pretrained or continue," \
           "got $START" >&2
       exit 1 ;;
esac

config_of() {  # twin -> config
    case "$MODEL-$1" in
        vit-text) echo "$CONFIGS/layoutmm-tiny_cascade_synth-text-decided.py" ;;
        vit-image_only) echo \
            "$CONFIGS/layoutmm-tiny_cascade_synth-text-decided_image-only.py" ;;
        cnn-text) echo "$CONFIGS/r18-text_cascade_synth-text-decided.py" ;;
        cnn-image_only) echo "$CONFIGS/r18_cascade_synth-text-decided.py" ;;
    esac
}
train() {  # twin
    local options=("${train_options[@]}")
    [ "$START" = continue ] && options=(load_from="$WORK/$1/cycle_start.pth")
    if [ "$START" != continue ] && [ -f "$WORK/$1/last_checkpoint" ] &&
        [ "$(cat "$WORK/$1/trained_from" 2>/dev/null)" = "$START${PRETRAINED:+ $PRETRAINED}" ]; then
        say "$1 already trained from $START in $WORK/$1 (remove it to retrain)"
        return
    fi
    say "training $(config_of "$1")"
    $PY tools/train.py "$(config_of "$1")" --work-dir "$WORK/$1" \
        --cfg-options "${data_options[@]}" "${options[@]}"
    echo "$START${PRETRAINED:+ $PRETRAINED}" > "$WORK/$1/trained_from"
}
if [ "${PARALLEL:-0}" = 1 ]; then
    threads=$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))
    mkdir -p "$WORK"
    pids=()
    for twin in text image_only; do
        OMP_NUM_THREADS=$threads train "$twin" > "$WORK/train_$twin.out" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done  # fails if one failed
else
    train text
    train image_only
fi
for twin in text image_only; do
    config="$(config_of "$twin")"
    checkpoint="$(cat "$WORK/$twin/last_checkpoint")"
    say "testing on text-decided pages"
    $PY tools/test.py "$config" "$checkpoint" --work-dir "$WORK/$twin" \
        --out "$WORK/$twin/predictions.pkl" --cfg-options "${data_options[@]}"
    say "testing on ordinary pages"
    $PY tools/test.py "$config" "$checkpoint" \
        --work-dir "$WORK/${twin}_ordinary" \
        --cfg-options "${data_options[@]}" "${ordinary[@]}"
done
say "text-decided pages"
$PY tools/analysis_tools/compare_metrics.py "$WORK/text" "$WORK/image_only" \
    --names text-aware image-only
for twin in text image_only; do
    say "confusion between classes on text-decided pages: $twin"
    $PY tools/analysis_tools/confusion_matrix.py \
        "$DATA/val/annotations.json" "$WORK/$twin/predictions.pkl" \
        --out "$WORK/$twin/confusion"
done
say "ordinary pages"
$PY tools/analysis_tools/compare_metrics.py "$WORK/text_ordinary" \
    "$WORK/image_only_ordinary" --names text-aware image-only

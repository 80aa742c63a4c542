#!/usr/bin/env bash
# Why do the patch states collapse in pre-training? Runs the first STOP
# iterations (default 150) of pretrain_synth.sh's 600-iteration schedule
# (seed 0, same pages and learning-rate schedule) once per variant, then
# probes every checkpoint with probe_features.py (linear probes on frozen
# states; effective rank of the patch states per block) beside a random
# initialisation.
#
#   bash projects/layoutlmv3_pretraining/collapse_ablation.sh [VARIANT ...]
#
# Variants (default: all four):
#   all       MLM + MIM (normalised 16 x 16 pixels) + WPA: pretrain_synth.sh
#   no-mim    MLM + WPA (MIM weight 0)
#   mim-only  MIM alone (MLM and WPA weight 0)
#   pooled    MLM + MIM on 4 x 4-pooled raw pixels + WPA
#   mimW      MLM + WPA + MIM at weight W (e.g. mim10: MIM x 10)
#   patches-see-image  all three, the patches not attending to the text
#             (LayoutLMv3MM visual_attends_text=False)
#   vq        MLM + MIM on discrete codes of the PatchVQVAE (..._mim-vq.py;
#             train patch-vqvae_synth-text-decided.py first) + WPA
#   vq-see-image  the same, the patches not attending to the text
# THREADS (default 1) threads per run; PARALLEL (default 2) runs at once.
# VAL_PAGES (default 60) held-out pages of the probes; PROBE_OPTIONS more
# --cfg-options for the probes' backbones (e.g.
# "model.backbone.visual_attends_text=False" to probe the *-see-image
# runs as they were trained). Runs already done
# are kept (remove their folders). Needs pretrain_synth.sh's pages and
# tokenizer (it renders them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-.venv/bin/python}"
STOP="${STOP:-150}"
SCHEDULE=600
THREADS="${THREADS:-1}"
PARALLEL="${PARALLEL:-2}"
VAL_PAGES="${VAL_PAGES:-60}"
WORK="${WORK_DIR:-work_dirs/pretrain_collapse}"
CONFIGS=projects/layoutlmv3_pretraining/configs
VARIANTS=("${@:-all no-mim mim-only pooled}")
read -r -a VARIANTS <<<"${VARIANTS[*]}"
say() { printf '\033[1m[collapse]\033[0m %s\n' "$*"; }

[ -f data/synth_text_decided/tokenizer/tokenizer.json ] || {
    say "rendering the pages first: ITERS=0 pretrain_synth.sh"
    echo "run bash projects/layoutlmv3_pretraining/pretrain_synth.sh once" >&2
    exit 1
}

pretrain() {  # variant
    local variant=$1 config=$CONFIGS/layoutlmv3-tiny_pretrain_synth-text-decided.py
    local options=()
    local vq_config=$CONFIGS/layoutlmv3-tiny_pretrain_synth-text-decided_mim-vq.py
    case $variant in
        all) ;;
        no-mim) options=(model.loss_weights.mim=0.) ;;
        mim-only) options=(model.loss_weights.mlm=0. model.loss_weights.wpa=0.) ;;
        pooled) config=$CONFIGS/layoutlmv3-tiny_pretrain_synth-text-decided_mim-pooled.py ;;
        mim[0-9]*) options=(model.loss_weights.mim="${variant#mim}") ;;
        patches-see-image) options=(model.backbone.visual_attends_text=False) ;;
        vq) config=$vq_config ;;
        vq-see-image)
            config=$vq_config
            options=(model.backbone.visual_attends_text=False) ;;
        *) echo "unknown variant $variant (all, no-mim, mim-only, pooled, mimW, patches-see-image, vq, vq-see-image)" >&2; return 2 ;;
    esac
    [ -f "$WORK/$variant/iter_$STOP.pth" ] && return 0
    local warmup=$((SCHEDULE * 48 / 1000))
    OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS \
        $PY tools/train.py "$config" --work-dir "$WORK/$variant" \
        --cfg-options randomness.seed=0 train_cfg.max_iters="$STOP" \
        train_cfg.val_interval="$STOP" default_hooks.checkpoint.interval="$STOP" \
        param_scheduler.0.end=$warmup param_scheduler.1.begin=$warmup \
        param_scheduler.1.end=$SCHEDULE "${options[@]}" \
        >"$WORK/$variant.log" 2>&1
}

mkdir -p "$WORK"
running=0
for variant in "${VARIANTS[@]}"; do
    say "pre-training '$variant' for $STOP iterations (log: $WORK/$variant.log)"
    pretrain "$variant" &
    running=$((running + 1))
    if [ "$running" -ge "$PARALLEL" ]; then wait -n; running=$((running - 1)); fi
done
wait

backbones=(scratch=none)
for variant in "${VARIANTS[@]}"; do
    backbones+=("$variant=$WORK/$variant/iter_$STOP.pth")
done
say "probing ${backbones[*]}"
$PY projects/layoutlmv3_pretraining/probe_features.py \
    projects/text_vs_image/configs/layoutmm-tiny_cascade_synth-text-decided.py \
    "${backbones[@]}" --val-pages "$VAL_PAGES" \
    --cfg-options model.backbone.rel_pos_bias=False \
    model.backbone.spatial_bias=False ${PROBE_OPTIONS:-}

#!/usr/bin/env bash
# Why did the tiny LayoutLMv3 detector not learn where the CNN baseline
# did? (Answered since: mmcv's CPU RoIAlign misread the channels-last maps
# of LayoutLMv3MM and resnet16_ln, mmlayout/utils/mmcv_contiguous.py; the
# figures these runs gave before the fix are void.) Short runs of image-only detectors on the text-decided synthetic
# pages, each differing from the tiny LayoutLMv3 (or from the CNN) in one
# part, all with the same seed, pages, heads and learning-rate schedule
# (the first ITERS iterations of the 400-iteration one):
#
#   cnn               the CNN baseline (ResNet-18 + FPN, mmdet's CascadeRCNN)
#   vit               the tiny LayoutLMv3MM image-only twin
#   resnet16          ResNet-18 up to stride 16 -> SimpleFeaturePyramid, in
#                     the tiny model's detector (LayoutCascadeRCNN, its
#                     data preprocessor, neck and heads)
#   resnet16_ln       the same, each position's feature vector LayerNorm-ed
#                     as a ViT token is
#   vit_embed_only    the tiny LayoutLMv3MM with its transformer blocks
#                     skipped (patch embeddings and their LayerNorms only)
#   vit_conv_stem     the tiny LayoutLMv3MM with a convolutional stem
#   vit_scale2        the tiny LayoutLMv3MM on pages at twice the scale
#                     (train short side 640-832, test 768; not 320-416
#                     and 384): one-line regions and the gaps between
#                     regions are then about one 16-pixel patch instead
#                     of half of one
#
#   bash projects/text_vs_image/vit_stall_isolation.sh [VARIANT ...]
#
# Needs data/synth_text_decided (text_vs_image_synth.sh renders it). ITERS
# (default 120) iterations per run; WORK_DIR (default
# work_dirs/vit_stall_isolation); FINEST_SCALE (default 56, mmdet's and the
# table's setting; the experiment configs now use 14) the RoI extractor's
# finest_scale, for every variant; OPTIONS more --cfg-options for every
# variant (e.g. "model.neck.fpn_norm_cfg=None"). Prints the first cascade
# stage's classification loss every 20 iterations: ~0.97 is the background
# prior (the heads classify nothing), below it the heads use the features.
# The variants' backbones are in stall_backbones.py, imported as
# projects.text_vs_image.stall_backbones with the repository root on
# PYTHONPATH. CONFIGS_ONLY=1 writes the variants' configs into WORK_DIR,
# prints their paths and trains nothing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
WORK="${WORK_DIR:-work_dirs/vit_stall_isolation}"
ITERS="${ITERS:-120}"
PY="${PYTHON:-.venv/bin/python}"
VARIANTS=("$@")
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(cnn vit resnet16 resnet16_ln
                                        vit_embed_only vit_conv_stem)
mkdir -p "$WORK"
EXP="$ROOT/projects/text_vs_image/configs"
VIT="$EXP/layoutmm-tiny_cascade_synth-text-decided_image-only.py"
RESNET16="backbone=dict(_delete_=True, type='ResNetStride16', depth=18,
        num_stages=3, strides=(1, 2, 2), dilations=(1, 1, 1),
        out_indices=(2, ), norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False, init_cfg=None"
# the stand-in backbones, imported from the repository root as mmdet's
# projects import theirs (the runs below put the root on PYTHONPATH)
IMPORTS="custom_imports = dict(
    imports=['mmlayout', 'projects.text_vs_image.stall_backbones'],
    allow_failed_imports=False)"

config_of() {  # variant -> config file
    local file="$WORK/$1.py"
    case "$1" in
        cnn) echo "$EXP/r18_cascade_synth-text-decided.py"; return ;;
        vit) echo "$VIT"; return ;;
        resnet16) body="model = dict($RESNET16),
             neck=dict(in_channels=256))" ;;
        resnet16_ln) body="model = dict($RESNET16, token_norm=True),
             neck=dict(in_channels=256))" ;;
        vit_embed_only) body="model = dict(
    backbone=dict(type='LayoutLMv3MMEmbeddingsOnly'))" ;;
        vit_conv_stem) body="model = dict(
    backbone=dict(stem_channels=(32, 64, 128, 256)))" ;;
        vit_scale2) body="train_dataloader = dict(dataset=dict(pipeline=[
    dict(step, scales=[(1333, short) for short in range(640, 833, 64)])
    if step['type'] == 'RandomChoiceResize' else step
    for step in _base_.train_pipeline]))
val_dataloader = dict(dataset=dict(pipeline=[
    dict(step, scale=(1333, 768)) if step['type'] == 'Resize' else step
    for step in _base_.test_pipeline]))" ;;
        *) echo "unknown variant $1" >&2; exit 1 ;;
    esac
    printf "_base_ = '%s'\n%s\n%s\n" "$VIT" "$body" "$IMPORTS" > "$file"
    echo "$file"
}

if [ "${CONFIGS_ONLY:-0}" = 1 ]; then  # write the configs, print their paths
    for variant in "${VARIANTS[@]}"; do config_of "$variant"; done
    exit 0
fi
[ -f data/synth_text_decided/train/annotations.json ] || {
    echo "data/synth_text_decided is missing: run" \
        "projects/text_vs_image/text_vs_image_synth.sh first" >&2; exit 1; }

for variant in "${VARIANTS[@]}"; do
    config="$(config_of "$variant")"
    echo "[isolation] $variant: $config, $ITERS iterations"
    PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
        $PY tools/train.py "$config" --work-dir "$WORK/$variant" \
        --cfg-options train_cfg.max_iters="$ITERS" \
        train_cfg.val_interval="$ITERS" \
        model.roi_head.bbox_roi_extractor.finest_scale="${FINEST_SCALE:-56}" \
        default_hooks.checkpoint.interval="$ITERS" ${OPTIONS:-} \
        > "$WORK/$variant.log" 2>&1
done

$PY - "$WORK" "${VARIANTS[@]}" <<'PYTHON'
import glob
import json
import os.path as osp
import sys

work, variants = sys.argv[1], sys.argv[2:]
print('first-stage classification loss (s0.loss_cls) by iteration; '
      'bbox mAP after the run')
for variant in variants:
    logs = sorted(glob.glob(osp.join(work, variant, '*', 'vis_data',
                                     'scalars.json')))
    rows = [json.loads(line) for line in open(logs[-1])] if logs else []
    losses = ' '.join(f"{r['iter']}:{r['s0.loss_cls']:.2f}" for r in rows
                      if 's0.loss_cls' in r)
    maps = [r['coco/bbox_mAP'] for r in rows if 'coco/bbox_mAP' in r]
    result = f'{100 * maps[-1]:.1f}' if maps else 'n/a'
    print(f'{variant:15s} {losses}  mAP {result}')
PYTHON

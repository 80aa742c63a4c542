# Does the model use its text? The tiny text-aware demo model on synthetic
# pages rendered with --text-decided, where Text/Reference, Title/one-line
# Text, Figure/Table and their captions look the same and only the words
# decide; the image-only twin has the same schedule.
#   bash tools/experiments/text_vs_image_synth.sh
_base_ = '../demo/layoutmm-tiny_cascade_synth.py'

data_root = 'data/synth_text_decided/'
tokenizer = data_root + 'tokenizer'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val/annotations.json')
test_evaluator = val_evaluator
randomness = dict(seed=0)
# mmdet reads a RoI of sqrt(area) < 112 px from the stride-4 level; at
# these scales that is nearly every page region (36 of 37 on a sample
# batch), and a ViT's stride-4 level is only its stride-16 tokens
# upsampled. Reading RoIs two levels coarser (< 28 px: stride 4, < 56: 8,
# < 112: 16, else 32) was the first change that took the tiny model off the
# background prior within 120 iterations (docs/detector.md).
#
# The fusion gate starts open: this model starts from scratch, so there is
# no pretrained image model to protect, and under AdamW a zero gate opens
# by at most the learning rate per step (its projection learns nothing
# while it is zero): it would stay below 0.1 for this whole schedule.
model = dict(
    fusion=dict(gate_init=1.0),
    roi_head=dict(bbox_roi_extractor=dict(finest_scale=14)))

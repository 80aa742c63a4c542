# Does the model use its text? The tiny text-aware LayoutLMv3 detector of
# the demo (configs/demo/layoutmm-tiny_cascade_synth.py) on the text-decided
# synthetic pages, where only the words decide between some classes; the
# image-only twin has the same seed and schedule.
#   bash projects/text_vs_image/text_vs_image_synth.sh
_base_ = [
    '../../../configs/_base_/models/layoutmm-tiny_cascade.py',
    './_base_/synth-text-decided.py',
    '../../../configs/_base_/schedules/cpu_400iter.py',
]

# mmdet reads a RoI of sqrt(area) < 112 px from the stride-4 level; at
# these scales that is nearly every page region (36 of 37 on a sample
# batch), and a ViT's stride-4 level is only its stride-16 tokens
# upsampled. Reading RoIs two levels coarser (< 28 px: stride 4, < 56: 8,
# < 112: 16, else 32) was the first change that took the tiny model off the
# background prior within 120 iterations (README.md).
#
# The fusion gate starts open: this model starts from scratch, so there is
# no pretrained image model to protect, and under AdamW a zero gate opens
# by at most the learning rate per step (its projection learns nothing
# while it is zero): it would stay below 0.1 for this whole schedule.
model = dict(
    fusion=dict(gate_init=1.0),
    roi_head=dict(bbox_roi_extractor=dict(finest_scale=14)))

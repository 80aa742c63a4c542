# The CNN baseline made text-aware, for the synthetic pages on a CPU: its
# ResNet-18 gives the maps, the tiny demo LayoutLMv3MM
# (layoutmm-tiny_cascade_synth.py, from scratch) reads the page's image and
# words and gives the text states, and TextBoxFusion adds them into the
# ResNet's stride-4 to 32 maps before the FPN. Its image-only twin is the
# CNN baseline, ../baselines/cascade-rcnn_r18_fpn_synth.py (same scales and
# schedule). Unlike the tiny LayoutLMv3 alone, it learns within a CPU
# schedule (docs/detector.md).
#   MODEL=cnn bash tools/quickstart.sh
_base_ = [
    './layoutmm-tiny_cascade_synth.py', '../_base_/models/resnet18_parts.py'
]

model = dict(
    _base_.resnet18_text_overrides,
    backbone=dict(
        _base_.resnet18_text_overrides.backbone,
        text_encoder=_base_.model.backbone))

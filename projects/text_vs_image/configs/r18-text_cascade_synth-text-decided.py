# The CNN baseline made text-aware: its ResNet-18 gives the maps, a tiny
# LayoutLMv3MM (the text-aware demo's, from scratch) reads the page's image
# and words and gives the text states, and TextBoxFusion adds them into the
# ResNet's stride-4 to 32 maps under the words' boxes, before the FPN. Same
# pages, seed, scales and schedule as its image-only twin,
# synth_text_decided_cnn_baseline.py: whether the words help a detector
# whose image backbone does learn in 400 CPU iterations (the tiny ViT alone
# does not, see docs/detector.md).
#   MODEL=cnn bash tools/experiments/text_vs_image_synth.sh
_base_ = [
    './synth_text_decided_layoutmm-tiny_text.py',
    '../_base_/models/resnet18_parts.py'
]

# The demo's LayoutLMv3MM becomes the text encoder beside the ResNet.
model = dict(
    _base_.resnet18_text_overrides,
    backbone=dict(
        _base_.resnet18_text_overrides.backbone,
        text_encoder=_base_.model.backbone))

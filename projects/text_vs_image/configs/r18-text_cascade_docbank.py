# The DocBank pair with a CNN: ResNet-18 maps made text-aware by the tiny
# demo LayoutLMv3MM's text states (TwoStreamBackbone + TextBoxFusion at
# strides 4-32), same pages, labels and schedule as
# docbank_layoutmm-tiny_text.py; its image-only twin is
# docbank_r18_image_only.py.
#   MODEL=cnn bash tools/experiments/text_vs_image_docbank.sh DOCBANK_DIR
_base_ = [
    './docbank_layoutmm-tiny_text.py', '../_base_/models/resnet18_parts.py'
]

# The demo's LayoutLMv3MM becomes the text encoder beside the ResNet.
model = dict(
    _base_.resnet18_text_overrides,
    backbone=dict(
        _base_.resnet18_text_overrides.backbone,
        text_encoder=_base_.model.backbone))

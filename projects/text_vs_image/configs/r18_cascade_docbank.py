# The image-only twin of docbank_r18_text.py: the same ResNet-18 detector
# without text (no text encoder, no fusion).
#   MODEL=cnn bash tools/experiments/text_vs_image_docbank.sh DOCBANK_DIR
_base_ = [
    './docbank_layoutmm-tiny_image_only.py',
    '../_base_/models/resnet18_parts.py'
]

model = dict(
    **_base_.resnet18_overrides,
    backbone=dict(_delete_=True, **_base_.resnet18),
    pass_valid_shapes=False)

# The ResNet-18 Cascade R-CNN of r18_cascade.py made text-aware: a
# TwoStreamBackbone runs its ResNet-18 for the maps and the tiny
# LayoutLMv3MM (layoutlmv3-tiny.py, from scratch) over the page's image and
# words for the text states, and TextBoxFusion adds the text states into the
# ResNet's stride-4 to 32 maps under the words' boxes, before the FPN. From
# scratch there is no pretrained image model to protect, so the fusion gate
# starts open. Same neck, heads, training settings and pixel normalisation
# (mmdet's ImageNet mean and std) as r18_cascade.py, its image-only twin.
_base_ = ['./r18_cascade.py', './layoutlmv3-tiny.py']

model = dict(
    type='LayoutCascadeRCNN',
    data_preprocessor=dict(type='LayoutDataPreprocessor'),
    backbone=dict(
        _delete_=True,
        type='TwoStreamBackbone',
        image_backbone=_base_.model.backbone,
        text_encoder=_base_.layoutlmv3_tiny),
    fusion=dict(
        type='TextBoxFusion',
        text_channels=_base_.tiny_channels,
        map_channels=_base_.model.neck.in_channels,
        stride=(4, 8, 16, 32),
        gate_init=1.0))

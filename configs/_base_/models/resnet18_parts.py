# The CNN baseline's ResNet-18 and FPN (cascade-rcnn_r18_fpn.py) as parts
# that turn a LayoutCascadeRCNN config (the tiny demo's) into a CNN
# detector, image-only or text-aware:
#   model = dict(**_base_.resnet18_overrides,
#                backbone=dict(_delete_=True, **_base_.resnet18),
#                pass_valid_shapes=False)                     # image only
#   model = dict(                                             # text-aware
#       _base_.resnet18_text_overrides,
#       backbone=dict(_base_.resnet18_text_overrides.backbone,
#                     text_encoder=_base_.model.backbone))
resnet18_channels = [64, 128, 256, 512]
resnet18 = dict(
    type='ResNet',
    depth=18,
    out_indices=(0, 1, 2, 3),
    frozen_stages=-1,
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=False,
    init_cfg=None)
resnet18_overrides = dict(
    # mmdet's ImageNet mean and std, as the CNN baseline.
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    neck=dict(
        _delete_=True,
        type='FPN',
        in_channels=resnet18_channels,
        out_channels=128,
        num_outs=5),
    # mmdet's RoI levels: a CNN's stride-4 map is a real one.
    roi_head=dict(bbox_roi_extractor=dict(finest_scale=56)))
# Text-aware: a TwoStreamBackbone (the ResNet's maps, the text states of a
# text encoder the config adds, e.g. its LayoutLMv3MM) and the text states
# fused into the ResNet's stride-4 to 32 maps; from scratch, so the gate
# starts open.
resnet18_text_overrides = dict(
    **resnet18_overrides,
    backbone=dict(
        _delete_=True, type='TwoStreamBackbone', image_backbone=resnet18),
    fusion=dict(
        map_channels=resnet18_channels,
        stride=(4, 8, 16, 32),
        gate_init=1.0))

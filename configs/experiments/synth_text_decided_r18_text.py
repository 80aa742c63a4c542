# The CNN baseline made text-aware: its ResNet-18 gives the maps, a tiny
# LayoutLMv3MM (the text-aware demo's, from scratch) reads the page's image
# and words and gives the text states, and TextBoxFusion adds them into the
# ResNet's stride-4 to 32 maps under the words' boxes, before the FPN. Same
# pages, seed, scales and schedule as its image-only twin,
# synth_text_decided_cnn_baseline.py: whether the words help a detector
# whose image backbone does learn in 400 CPU iterations (the tiny ViT alone
# does not, see docs/detector.md).
#   python tools/train.py configs/experiments/synth_text_decided_r18_text.py
_base_ = './synth_text_decided_layoutmm-tiny_text.py'

resnet_channels = [64, 128, 256, 512]
model = dict(
    # The CNN baseline's normalisation (mmdet's ImageNet mean and std).
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]),
    backbone=dict(
        _delete_=True,
        type='TwoStreamBackbone',
        image_backbone=dict(
            type='ResNet',
            depth=18,
            out_indices=(0, 1, 2, 3),
            frozen_stages=-1,
            norm_cfg=dict(type='BN', requires_grad=True),
            norm_eval=False,
            init_cfg=None),
        text_encoder=_base_.model.backbone),
    fusion=dict(
        map_channels=resnet_channels, stride=(4, 8, 16, 32), gate_init=1.0),
    neck=dict(
        _delete_=True,
        type='FPN',
        in_channels=resnet_channels,
        out_channels=128,
        num_outs=5),
    # The baseline's RoI levels: a CNN's stride-4 map is a real one.
    roi_head=dict(bbox_roi_extractor=dict(finest_scale=56)))

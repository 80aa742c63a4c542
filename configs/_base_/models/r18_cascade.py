# mmdet's Cascade R-CNN, made light enough to train on a CPU: a ResNet-18
# trained from scratch (no torchvision:// weights: torchvision is unusable on
# this stack), 128-channel FPN and heads (mmdet: 256), 512-wide box-head FCs
# (mmdet: 1024), CDLA's ten classes. Anchors 32..512 on P2..P6,
# class-agnostic box regression as in mmdet's Cascade R-CNN.
# RoIAlign takes 2x2 samples per bin: mmdet's adaptive default (0) samples
# large page regions densely, which dominates a CPU training step.
_base_ = 'mmdet::_base_/models/cascade-rcnn_r50_fpn.py'

num_classes = 10
channels = 128
model = dict(
    backbone=dict(depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=channels),
    rpn_head=dict(in_channels=channels, feat_channels=channels),
    roi_head=dict(
        bbox_roi_extractor=dict(
            out_channels=channels, roi_layer=dict(sampling_ratio=2)),
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=channels,
                fc_out_channels=512,
                roi_feat_size=7,
                num_classes=num_classes,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder',
                    target_means=[0., 0., 0., 0.],
                    target_stds=stage_stds),
                reg_class_agnostic=True,
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=False,
                    loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
            for stage_stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                               [0.033, 0.033, 0.067, 0.067])
        ]))

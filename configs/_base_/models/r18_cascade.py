# mmdet's Cascade R-CNN, made light enough to train on a CPU: a ResNet-18
# trained from scratch (no torchvision:// weights: torchvision is unusable on
# this stack), 128-channel FPN and heads (mmdet: 256), 512-wide box-head FCs
# (mmdet: 1024), CDLA's ten classes. Anchors 32..512 on P2..P6,
# class-agnostic box regression as in mmdet's Cascade R-CNN.
# RoIAlign takes 2x2 samples per bin: mmdet's adaptive default (0) samples
# large page regions densely, which dominates a CPU training step.
# The CPU detectors of layoutmm-tiny_cascade.py and r18-text_cascade.py
# keep these heads and training settings.
_base_ = 'mmdet::_base_/models/cascade-rcnn_r50_fpn.py'

num_classes = 10
head_channels = 128
model = dict(
    backbone=dict(depth=18, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=head_channels),
    rpn_head=dict(in_channels=head_channels, feat_channels=head_channels),
    roi_head=dict(
        bbox_roi_extractor=dict(
            out_channels=head_channels, roi_layer=dict(sampling_ratio=2)),
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=head_channels,
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
        ]),
    # A page holds ~15 regions: 128 sampled RoIs per image and stage (mmdet:
    # 512) and fewer proposals keep a CPU step short without starving the
    # heads.
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=500),
        rcnn=[
            dict(
                assigner=dict(
                    type='MaxIoUAssigner', pos_iou_thr=iou, neg_iou_thr=iou,
                    min_pos_iou=iou, match_low_quality=False,
                    ignore_iof_thr=-1),
                sampler=dict(
                    type='RandomSampler', num=128, pos_fraction=0.25,
                    neg_pos_ub=-1, add_gt_as_proposals=True),
                pos_weight=-1, debug=False) for iou in (0.5, 0.6, 0.7)
        ]),
    test_cfg=dict(rpn=dict(nms_pre=1000, max_per_img=300)))

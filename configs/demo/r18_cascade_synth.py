# The CNN baseline: stock mmdet Cascade R-CNN, ResNet-18 from scratch, trained
# on synthetic CDLA-style pages on CPU (400 iterations, ~20 minutes on 2 cores)
# (bash tools/quickstart.sh). The text-aware models are compared against it.
_base_ = [
    '../_base_/models/cascade-rcnn_r18_fpn.py',
    '../_base_/datasets/synth_cdla.py',
    '../_base_/default_runtime.py',
]

# A page holds ~15 regions: 128 sampled RoIs per image and stage (mmdet: 512)
# and fewer proposals keep a CPU step short without starving the heads.
model = dict(
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

max_iters = 400
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=4e-4, weight_decay=0.05),
    clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters,
         T_max=max_iters - 50, eta_min_ratio=0.05)
]

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=max_iters // 2,
                    max_keep_ckpts=2))
log_processor = dict(by_epoch=False)

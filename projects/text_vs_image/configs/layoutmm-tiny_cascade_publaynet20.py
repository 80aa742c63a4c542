# Can the tiny text-aware model learn real pages? It is trained on the 20
# real PubLayNet sample pages (OCR'd with RapidOCR) and tested on the same
# pages: a fitting test (goal: bbox mAP >= 0.8), not a benchmark.
#   bash tools/experiments/fit_publaynet_samples.sh PUBLAYNET_SAMPLES_DIR
_base_ = '../demo/layoutmm-tiny_cascade_synth.py'

data_root = 'data/publaynet_samples/'
tokenizer = data_root + 'tokenizer'
ocr_root = data_root + 'ocr/'

model = dict(roi_head=dict(bbox_head=[
    dict(
        type='Shared2FCBBoxHead',
        in_channels=128,
        fc_out_channels=512,
        roi_feat_size=7,
        num_classes=5,
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[0., 0., 0., 0.],
            target_stds=stage_stds),
        reg_class_agnostic=True,
        loss_cls=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
    for stage_stds in ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
                       [0.033, 0.033, 0.067, 0.067])
]))

pages = dict(
    type='PubLayNetDataset',
    data_root=data_root,
    ann_file='samples.json',
    data_prefix=dict(img='images/'))
train_dataloader = dict(dataset=pages)
val_dataloader = dict(dataset=pages)
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'samples.json')
test_evaluator = val_evaluator

# 20 pages, batch 2: 1000 iterations are 100 epochs
max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters,
         T_max=max_iters - 50, eta_min_ratio=0.05)
]
default_hooks = dict(
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
randomness = dict(seed=0)

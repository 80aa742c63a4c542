# Does the text help on real pages? The tiny text-aware demo model trained
# from scratch on 48 DocBank article pages (their true text lines) and
# evaluated per DocBank label (paragraph, reference, section, caption, ...)
# on 12 held-out pages; the image-only twin has the same schedule.
#   bash tools/experiments/text_vs_image_docbank.sh DOCBANK_DIR
# prepares data/docbank/ (split, tokenizer) and trains and tests both.
_base_ = '../demo/layoutmm-tiny_cascade_synth.py'

data_root = 'data/docbank/'
tokenizer = data_root + 'tokenizer'
ocr_root = data_root + 'ocr/'
classes = ('abstract', 'author', 'caption', 'date', 'equation', 'figure',
           'footer', 'list', 'paragraph', 'reference', 'section', 'table',
           'title')

model = dict(roi_head=dict(bbox_head=[
    dict(
        type='Shared2FCBBoxHead',
        in_channels=128,
        fc_out_channels=512,
        roi_feat_size=7,
        num_classes=len(classes),
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

train_dataloader = dict(
    dataset=dict(
        type='LayoutCocoDataset',
        metainfo=dict(classes=classes),
        data_root=data_root,
        ann_file='train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type='LayoutCocoDataset',
        metainfo=dict(classes=classes),
        data_root=data_root,
        ann_file='val.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator

# 48 pages, batch 2: 200 iterations are 8.3 epochs (a CPU budget)
max_iters = 200
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

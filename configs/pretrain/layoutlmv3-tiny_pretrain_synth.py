# Pre-train the tiny LayoutLMv3MM of the demo detector on a CPU: MLM + MIM
# (normalised pixels) + WPA on unlabelled 224 x 224 pages; held-out pages
# scored every `val_interval` iterations against the baselines
# (PretrainMetric). The checkpoint then starts the tiny detector:
#   python tools/train.py configs/pretrain/layoutlmv3-tiny_pretrain_synth.py
#   python tools/train.py configs/demo/layoutmm-tiny_cascade_synth.py \
#       --cfg-options model.backbone.pretrained=<work_dir>/iter_<N>.pth
# Pages: the synthetic training pages of the quickstart (their labels
# unused); add folders of real pages (pdf2pages.py output) to
# `pretrain_roots`. The tokenizer is the detector's.
_base_ = [
    '../_base_/models/layoutlmv3-tiny_pretrainer.py',
    '../_base_/datasets/pretrain_pages.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/synth_cdla/'
tokenizer = data_root + 'tokenizer'
ocr_root = '{img_dir}/../ocr'
pretrain_roots = [data_root + 'train/']
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='PageFolderDataset', data_root=root,
             data_prefix=dict(img='images/'),
             pipeline=_base_.train_pipeline) for root in pretrain_roots
    ]))
val_dataloader = dict(
    dataset=dict(data_root=data_root + 'val/',
                 data_prefix=dict(img='images/')))
randomness = dict(seed=0)

# Adam with the paper's betas and weight decay; a small model and batch
# take a larger lr than the paper's 1e-4 at batch 2048. Linear warm-up over
# 4.8 % of the schedule, then linear decay (the paper's shape).
max_iters = 3000
warmup_iters = int(0.048 * max_iters)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters // 4)
val_cfg = dict(type='ValLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.98),
                   weight_decay=0.01),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='LinearLR', start_factor=1.0, end_factor=0.01, by_epoch=False,
         begin=warmup_iters, end=max_iters)
]
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(by_epoch=False, interval=max_iters // 4,
                    max_keep_ckpts=4))
log_processor = dict(by_epoch=False)

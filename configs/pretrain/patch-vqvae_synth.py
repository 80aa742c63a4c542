# An image tokenizer for masked image modelling, trained on page patches:
# a PatchVQVAE with 1024 codes of 32 channels (cosine codebook, EMA
# updates, idle codes restarted) on the quickstart's synthetic pages at the
# pre-training scale. Its checkpoint gives the MIM targets of
# LayoutLMv3Pretrainer through
#   mim_target=dict(type='VQTokenTarget', tokenizer=<this model dict>,
#                   checkpoint=<work_dir>/iter_2000.pth)
#   python tools/train.py configs/pretrain/patch-vqvae_synth.py
# Held-out pages are scored by CodebookMetric (codes used, perplexity, the
# share of the top code, reconstruction error).
_base_ = '../_base_/default_runtime.py'

data_root = 'data/synth_cdla/'
backend_args = None
image_size = (224, 224)
pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=image_size, keep_ratio=False),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
model = dict(
    type='PatchVQVAE',
    num_codes=1024,
    code_dims=32,
    patch_size=16,
    hidden_channels=(64, 128),
    strides=(4, 4),
    # the pre-trainer's normalisation: its targets see the same pixels
    data_preprocessor=dict(
        type='DetDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=True,
        pad_size_divisor=16))
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='PageFolderDataset', data_root=data_root + 'train/',
                 data_prefix=dict(img='images/'), pipeline=pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PageFolderDataset', data_root=data_root + 'val/',
                 data_prefix=dict(img='images/'), pipeline=pipeline))
val_evaluator = dict(type='CodebookMetric')
randomness = dict(seed=0)

max_iters = 2000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters // 4)
val_cfg = dict(type='ValLoop')
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3,
                                        weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100,
         end=max_iters, T_max=max_iters - 100)
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=max_iters // 4,
                    max_keep_ckpts=2))
log_processor = dict(by_epoch=False)

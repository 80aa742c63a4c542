# The LayoutLMv3 detection recipe: AdamW (weight decay 0.05), linear warm-up
# over 1000 iterations from 0.01, cosine decay, gradient clipping at 1.0,
# 60k iterations. Published for PubLayNet: lr 2e-4 at batch 32 (16 GPUs x
# 2 images); concrete configs scale lr linearly with their batch size.
_base_ = '../default_runtime.py'

max_iters = 60000
warmup_iters = 1000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# Layer-wise lr decay: 1.0 (off) is the published recipe; e.g. 0.75 trains
# the early LayoutLMv3 blocks more gently than the new neck and heads.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-4, betas=(0.9, 0.999),
                   weight_decay=0.05),
    constructor='LayoutLMv3LayerDecayOptimizerConstructor',
    paramwise_cfg=dict(layer_decay_rate=1.0),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=warmup_iters,
         end=max_iters, T_max=max_iters - warmup_iters)
]
# mixed precision (fp16 on GPUs, bf16 on CPUs), read by tools/train.py
amp = True

default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=5000, max_keep_ckpts=3))
log_processor = dict(by_epoch=False)

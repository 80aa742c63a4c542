# The CPU schedule of the synthetic-page detectors: 400 iterations (of 2
# pages: ~20-40 minutes on 2 cores), AdamW at lr 4e-4 (weight decay 0.05),
# linear warm-up over 50 iterations from 0.01, cosine decay to 5 %,
# gradient clipping at 5; validation at the end, checkpoints at the half
# and the end; fp32 (no `amp`).
_base_ = '../default_runtime.py'

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

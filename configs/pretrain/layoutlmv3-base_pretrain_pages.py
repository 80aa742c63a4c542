# LayoutLMv3-base pre-training with the paper's recipe (MLM + MIM + WPA,
# weights 1/1/1), for GPUs: Adam betas (0.9, 0.98), lr 1e-4, weight decay
# 0.01, linear warm-up over 4.8 % of the steps then linear decay, 224 x 224
# pages, <= 512 tokens, mixed precision, an effective batch of 2048 pages
# (16 per GPU x 8 GPUs x 16 accumulated steps; change accumulative_counts
# with the GPU count so that their product stays 2048). The paper trained
# 500k steps on 11M pages (ablations: 150k steps on 1M); MIM here regresses
# normalised pixels (the paper's DiT tokenizer is not public).
# UNTESTED at this size: only its tiny CPU twin has been run
# (configs/pretrain/layoutlmv3-tiny_pretrain_synth.py; the suite builds this
# config shrunk and takes one step).
#   bash tools/dist_train.sh \
#       configs/pretrain/layoutlmv3-base_pretrain_pages.py 8
# Continued pre-training of released weights (the my-domain case): set
# `weights` to a Hugging Face LayoutLMv3 folder and `tokenizer` to its
# tokenizer; from scratch in another language: weights = None and a
# tokenizer from data_tools/build_tokenizer.py (vocab_size to match).
_base_ = [
    '../_base_/models/layoutlmv3-tiny_pretrainer.py',
    '../_base_/datasets/pretrain_pages.py',
    '../_base_/default_runtime.py',
]

weights = 'microsoft/layoutlmv3-base'
tokenizer = weights
ocr_root = '{img_dir}/../ocr'
# folders each holding images/ and ocr/ (pdf2pages.py, ocr_images.py)
pretrain_roots = ['data/pretrain_pages/']
model = dict(
    backbone=dict(
        _delete_=True,
        type='LayoutLMv3MM',
        arch='base',
        out_indices=(11, ),
        drop_path_rate=0.1,
        with_cp=True,
        pretrained=weights))
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    dataset=dict(datasets=[
        dict(type='PageFolderDataset', data_root=root,
             data_prefix=dict(img='images/'),
             pipeline=_base_.train_pipeline) for root in pretrain_roots
    ]))
val_dataloader = dict(
    dataset=dict(data_root='data/pretrain_val_pages/',
                 data_prefix=dict(img='images/')))

max_iters = 500000
warmup_iters = int(0.048 * max_iters)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=10000)
val_cfg = dict(type='ValLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.98),
                   weight_decay=0.01),
    accumulative_counts=16,
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
         begin=warmup_iters, end=max_iters)
]
amp = True  # fp16 on GPUs (tools/train.py)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=10000, max_keep_ckpts=3))
log_processor = dict(by_epoch=False)

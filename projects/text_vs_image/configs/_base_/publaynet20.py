# The 20 real PubLayNet sample pages, OCR'd with RapidOCR, for a fitting
# test: trained and tested on the same pages (fit_publaynet_samples.sh links
# them into data/publaynet_samples/, OCRs them and builds a BPE tokenizer
# from their text); PubLayNet's 5 classes; the text-aware pipelines at the
# demo's scales; seed 0; the CPU schedule lengthened to 1000 iterations
# (20 pages, batch 2: 100 epochs).
_base_ = [
    '../../../../configs/_base_/datasets/synth_cdla.py',
    '../../../../configs/_base_/schedules/cpu_400iter.py',
]

data_root = 'data/publaynet_samples/'
tokenizer = data_root + 'tokenizer'
ocr_root = data_root + 'ocr/'
pages = dict(
    type='PubLayNetDataset',
    data_root=data_root,
    ann_file='samples.json',
    data_prefix=dict(img='images/'))
train_dataloader = dict(
    dataset=dict(pages, pipeline=_base_.text_train_pipeline))
val_dataloader = dict(dataset=dict(pages, pipeline=_base_.text_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'samples.json')
test_evaluator = val_evaluator
randomness = dict(seed=0)

max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
# the warm-up and cosine decay of the 400-iteration schedule, to max_iters
param_scheduler = [
    dict(step, end=max_iters, T_max=max_iters - step['begin'])
    if step['type'] == 'CosineAnnealingLR' else step
    for step in _base_.param_scheduler
]
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1))

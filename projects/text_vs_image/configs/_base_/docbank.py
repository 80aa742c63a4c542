# 48 real DocBank article pages with their true text lines, 12 held out
# (text_vs_image_docbank.sh links them into data/docbank/, splits them and
# builds a BPE tokenizer from their text), DocBank's 13 labels; the
# text-aware pipelines at the demo's scales (image-only configs take
# `train_pipeline` and `test_pipeline`); seed 0; the CPU schedule shortened
# to 200 iterations (48 pages, batch 2: 8.3 epochs, a CPU budget).
_base_ = [
    '../../../../configs/_base_/datasets/synth_cdla.py',
    '../../../../configs/_base_/schedules/cpu_400iter.py',
]

data_root = 'data/docbank/'
tokenizer = data_root + 'tokenizer'
ocr_root = data_root + 'ocr/'
classes = ('abstract', 'author', 'caption', 'date', 'equation', 'figure',
           'footer', 'list', 'paragraph', 'reference', 'section', 'table',
           'title')
pages = dict(
    type='LayoutCocoDataset',
    metainfo=dict(classes=classes),
    data_root=data_root,
    data_prefix=dict(img='images/'))
train_dataloader = dict(dataset=dict(
    pages, ann_file='train.json', pipeline=_base_.text_train_pipeline))
val_dataloader = dict(dataset=dict(
    pages, ann_file='val.json', pipeline=_base_.text_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator
randomness = dict(seed=0)

max_iters = 200
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
# the warm-up and cosine decay of the 400-iteration schedule, to max_iters
param_scheduler = [
    dict(step, end=max_iters, T_max=max_iters - step['begin'])
    if step['type'] == 'CosineAnnealingLR' else step
    for step in _base_.param_scheduler
]
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1))

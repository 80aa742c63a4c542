# The tiny pre-training on text-decided synthetic pages: the 400 training
# pages of the text-vs-image runs (their labels unused) and 3000 unlabelled
# synthetic pages (half text-decided, half ordinary), with the text-decided
# tokenizer; held out: the 60 text-decided val pages.
# Two departures from the product config, both for CPU time: pages keep
# their aspect ratio at short side 256 (16 x 23 patches, near the
# detector's grid, instead of 224 x 224 squares), and the attention biases
# are off (their trainable-bias backward made a step 1.4x longer here); the
# published detection recipe runs without them too.
_base_ = '../../../configs/pretrain/layoutlmv3-tiny_pretrain_synth.py'

data_root = 'data/synth_text_decided/'
tokenizer = data_root + 'tokenizer'
pretrain_roots = [
    data_root + 'train/', 'data/synth_pretrain/decided/',
    'data/synth_pretrain/ordinary/'
]
train_pipeline, val_pipeline = ([
    dict(type='Resize', scale=(1333, 256), keep_ratio=True)
    if step['type'] == 'Resize' else step for step in pipeline
] for pipeline in (_base_.train_pipeline, _base_.val_pipeline))
model = dict(backbone=dict(rel_pos_bias=False, spatial_bias=False))
train_dataloader = dict(
    batch_size=4,
    dataset=dict(datasets=[
        dict(type='PageFolderDataset', data_root=root,
             data_prefix=dict(img='images/'), pipeline=train_pipeline)
        for root in pretrain_roots
    ]))
val_dataloader = dict(
    batch_size=4,
    dataset=dict(data_root=data_root + 'val/', pipeline=val_pipeline))

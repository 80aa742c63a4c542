# Synthetic CDLA-style pages from data_tools/synth_docs.py (720 x 1018 px):
#   python data_tools/synth_docs.py --out data/synth_cdla/train --seed 0 ...
#   python data_tools/synth_docs.py --out data/synth_cdla/val --seed 1 ...
# Smaller scales than the real recipe, so that CPU training is quick.
_base_ = './document_detection.py'

data_root = 'data/synth_cdla/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomChoiceResize',
         scales=[(1333, short) for short in range(320, 417, 32)],
         keep_ratio=True),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1333, 384), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                    'scale_factor'))
]
train_dataloader = dict(
    dataset=dict(
        type='CDLADataset', data_root=data_root,
        ann_file='train/annotations.json',
        data_prefix=dict(img='train/images/'), pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type='CDLADataset', data_root=data_root,
        ann_file='val/annotations.json', data_prefix=dict(img='val/images/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val/annotations.json')
test_evaluator = val_evaluator

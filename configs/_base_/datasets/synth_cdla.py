# Synthetic CDLA-style pages from data_tools/synth_docs.py (720 x 1018 px):
#   python data_tools/synth_docs.py --out data/synth_cdla/train --seed 0 ...
#   python data_tools/synth_docs.py --out data/synth_cdla/val --seed 1 ...
# The recipe's pipelines (image-only and text-aware) at smaller scales, so
# that CPU training is quick: short side 320..416, test 384.
_base_ = './document_detection.py'

data_root = 'data/synth_cdla/'
train_pipeline, text_train_pipeline = ([
    dict(step, scales=[(1333, short) for short in range(320, 417, 32)])
    if step['type'] == 'RandomChoiceResize' else step for step in pipeline
] for pipeline in (_base_.train_pipeline, _base_.text_train_pipeline))
test_pipeline, text_test_pipeline = ([
    dict(step, scale=(1333, 384)) if step['type'] == 'Resize' else step
    for step in pipeline
] for pipeline in (_base_.test_pipeline, _base_.text_test_pipeline))
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

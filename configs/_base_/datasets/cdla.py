# CDLA, converted with:
#   python data_tools/cdla2coco.py data/CDLA_DATASET --splits train val
_base_ = './document_detection.py'

data_root = 'data/CDLA_DATASET/'
train_dataloader = dict(
    dataset=dict(type='CDLADataset', data_root=data_root,
                 ann_file='annotations/instances_train.json',
                 data_prefix=dict(img='train/')))
val_dataloader = dict(
    dataset=dict(type='CDLADataset', data_root=data_root,
                 ann_file='annotations/instances_val.json',
                 data_prefix=dict(img='val/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

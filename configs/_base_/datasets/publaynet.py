# PubLayNet as released: data/publaynet/{train,val}/ and {train,val}.json.
_base_ = './document_detection.py'

data_root = 'data/publaynet/'
train_dataloader = dict(
    dataset=dict(type='PubLayNetDataset', data_root=data_root,
                 ann_file='train.json', data_prefix=dict(img='train/')))
val_dataloader = dict(
    dataset=dict(type='PubLayNetDataset', data_root=data_root,
                 ann_file='val.json', data_prefix=dict(img='val/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val.json')
test_evaluator = val_evaluator

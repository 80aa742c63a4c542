# The CNN baseline (ResNet-18 Cascade R-CNN from scratch, image only) on the
# text-decided synthetic pages, same seed, scales and schedule as the tiny
# LayoutLMv3 pair: the reference for what 400 CPU iterations can reach.
#   python tools/train.py \
#       configs/experiments/synth_text_decided_cnn_baseline.py
_base_ = '../baselines/cascade-rcnn_r18_fpn_synth.py'

data_root = 'data/synth_text_decided/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val/annotations.json')
test_evaluator = val_evaluator
randomness = dict(seed=0)

# The CDLA config as a CPU smoke run: the same detector (LayoutLMv3MM,
# TextBoxFusion, SimpleFeaturePyramid, Cascade R-CNN) shrunk to the tiny
# demo backbone (4 blocks, 256 channels, random weights, no checkpointing,
# fp32), on synthetic Chinese pages with a tokenizer built from them:
#   python data_tools/synth_docs.py --out data/synth_cdla/train \
#       --num-pages 8 --seed 0 --lang zh
#   python data_tools/synth_docs.py --out data/synth_cdla/val \
#       --num-pages 4 --seed 1 --lang zh
#   python data_tools/build_tokenizer.py data/synth_cdla/train/ocr \
#       --out data/synth_cdla/tokenizer --kind unigram --vocab-size 8000
#   bash tools/dist_train.sh configs/layoutmm_cascade_cdla_cpu-tiny-synth.py 2
# (2 gloo processes; ~75 s an iteration on 2 cores at short side 800).
_base_ = [
    './layoutmm_cascade_cdla.py', './_base_/models/layoutlmv3-tiny.py'
]

data_root = 'data/synth_cdla/'
tokenizer = data_root + 'tokenizer'
ocr_root = '{img_dir}/../ocr'
amp = False
model = dict(
    backbone=dict(
        pretrained=None,
        with_cp=False,
        out_indices=_base_.layoutlmv3_tiny.out_indices,
        arch_cfg=_base_.layoutlmv3_tiny.arch_cfg),
    fusion=dict(
        text_channels=_base_.tiny_channels,
        map_channels=_base_.tiny_channels),
    neck=dict(in_channels=_base_.tiny_channels))
train_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='train/annotations.json',
                 data_prefix=dict(img='train/images/')))
val_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='val/annotations.json',
                 data_prefix=dict(img='val/images/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'val/annotations.json')
test_evaluator = val_evaluator
max_iters = 4
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))

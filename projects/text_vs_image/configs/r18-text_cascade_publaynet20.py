# The fitting test on the 20 real PubLayNet pages with the text-aware CNN:
# a ResNet-18 gives the maps, the tiny LayoutLMv3MM reads the OCR'd words
# and gives the text states, TextBoxFusion adds them into the ResNet's
# stride-4 to 32 maps. Same pages, tokenizer, scales, seed and schedule as
# layoutmm-tiny_cascade_publaynet20.py, whose tiny ViT did not learn
# detection from scratch on a CPU (README.md; observed while mmcv's CPU
# RoIAlign misread its maps, not re-run since the fix). Goal: bbox mAP >= 0.8
# on the same pages.
#   MODEL=cnn bash projects/text_vs_image/fit_publaynet_samples.sh DIR
_base_ = [
    '../../../configs/_base_/models/r18-text_cascade.py',
    './_base_/publaynet20.py',
]

model = dict(roi_head=dict(bbox_head=[
    dict(head, num_classes=5) for head in _base_.model.roi_head.bbox_head
]))
# The mAP on the training pages every quarter of the schedule: how fast
# they are fitted.
train_cfg = dict(val_interval=_base_.max_iters // 4)

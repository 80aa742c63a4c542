# The fitting test on the 20 real PubLayNet pages with the text-aware CNN:
# a ResNet-18 gives the maps, the tiny LayoutLMv3MM of
# publaynet20_layoutmm-tiny_fit.py reads the OCR'd words and gives the text
# states, TextBoxFusion adds them into the ResNet's stride-4 to 32 maps.
# Same pages, tokenizer, scales, seed and schedule as that config, whose
# tiny ViT does not learn detection from scratch on a CPU budget
# (docs/detector.md). Goal: bbox mAP >= 0.8 on the same pages.
#   MODEL=cnn bash tools/experiments/fit_publaynet_samples.sh DIR
_base_ = [
    './publaynet20_layoutmm-tiny_fit.py', '../_base_/models/resnet18_parts.py'
]

model = dict(
    _base_.resnet18_text_overrides,
    backbone=dict(
        _base_.resnet18_text_overrides.backbone,
        text_encoder=_base_.model.backbone))
# The mAP on the training pages every quarter of the schedule: how fast
# they are fitted.
train_cfg = dict(val_interval=_base_.max_iters // 4)

# LayoutLMv3 pre-training (MLM + MIM + WPA) of the tiny LayoutLMv3MM
# (layoutlmv3-tiny.py: 4 blocks, 256 channels, 4 heads, a vocabulary of 8000,
# both attention biases) of the CPU detectors
# (configs/demo/layoutmm-tiny_cascade_synth.py, and the text encoder of
# configs/demo/r18-text_cascade_synth.py). Its checkpoint loads strictly
# into that detector's backbone (model.backbone.pretrained=<checkpoint>).
_base_ = './layoutlmv3-tiny.py'

model = dict(
    type='LayoutLMv3Pretrainer',
    tokenizer=None,  # tools/train.py copies the config's `tokenizer`
    data_preprocessor=dict(
        type='LayoutDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    # its last block's states (the detectors take all four maps)
    backbone=dict(_base_.layoutlmv3_tiny, out_indices=(3, )),
    mim_target=dict(type='NormalizedPixelTarget'),
    loss_weights=dict(mlm=1., mim=1., wpa=1.))

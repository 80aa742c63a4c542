# LayoutLMv3 pre-training (MLM + MIM + WPA) of the tiny LayoutLMv3MM of the
# demo detector (configs/demo/layoutmm-tiny_cascade_synth.py): 4 blocks,
# 256 channels, 4 heads, a vocabulary of 8000 (data_tools/build_tokenizer.py
# --vocab-size 8000), both attention biases. Its checkpoint loads strictly
# into that detector's backbone (model.backbone.pretrained=<checkpoint>).
channels = 256
model = dict(
    type='LayoutLMv3Pretrainer',
    tokenizer=None,  # tools/train.py copies the config's `tokenizer`
    data_preprocessor=dict(
        type='LayoutDataPreprocessor',
        mean=[127.5, 127.5, 127.5],
        std=[127.5, 127.5, 127.5],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    backbone=dict(
        type='LayoutLMv3MM',
        arch='base',
        arch_cfg=dict(
            embed_dims=channels,
            num_layers=4,
            num_heads=4,
            feedforward_channels=4 * channels,
            vocab_size=8000,
            coord_dims=40,
            shape_dims=48),
        out_indices=(3, ),
        drop_path_rate=0.,
        rel_pos_bias=True,
        spatial_bias=True),
    mim_target=dict(type='NormalizedPixelTarget'),
    loss_weights=dict(mlm=1., mim=1., wpa=1.))

# The tiny LayoutLMv3MM of the CPU configs, trained from scratch: 4 blocks,
# 256 channels, 4 heads, a vocabulary of 8000 (a tokenizer built with
# data_tools/build_tokenizer.py --vocab-size 8000), both attention biases;
# the four blocks' maps out (a pre-trainer takes the last one). Not a model:
# the detector, text-encoder and pre-trainer bases take it as
# `_base_.layoutlmv3_tiny`, so that its checkpoints load into each other.
tiny_channels = 256
layoutlmv3_tiny = dict(
    type='LayoutLMv3MM',
    arch='base',
    arch_cfg=dict(
        embed_dims=tiny_channels,
        num_layers=4,
        num_heads=4,
        feedforward_channels=4 * tiny_channels,
        vocab_size=8000,
        coord_dims=40,
        shape_dims=48),
    out_indices=(0, 1, 2, 3),
    drop_path_rate=0.,
    rel_pos_bias=True,
    spatial_bias=True)

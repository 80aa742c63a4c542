"""Small model settings shared by the tests."""

#: A LayoutLMv3MM small enough for fast tests (4 * 12 + 2 * 8 = 64
#: channels); 12 blocks unless ``num_layers`` is given as well.
TINY_ARCH = dict(
    embed_dims=64,
    num_heads=4,
    feedforward_channels=128,
    vocab_size=100,
    max_text_positions=40,
    coord_dims=12,
    shape_dims=8)
